"""The research jobs on the queue: the CTDC file (its one argument is the job's id, exports/jobs.py) and
the counts behind the research page's preview (counts.py; its one argument is the user's id)."""

from pristan.exports import jobs
from pristan.jobs.services import job


@job(when_lost=jobs.lost)  # a worker that died mid-file: failed, never retried half-way
def ctdc_export_task(job_id: str) -> None:
    from pristan.research.services import ctdc_export_job_write  # imported here: that module enqueues this task

    jobs.run(job_id, ctdc_export_job_write)


def _counts_lost(actor_id: int) -> None:
    from pristan.research.counts import research_counts_lost

    research_counts_lost(actor_id)


@job(retries_when_lost=1, when_lost=_counts_lost)  # it only reads until it writes its counts: safe to repeat
def research_counts_task(actor_id: int) -> None:
    from pristan.research.counts import research_counts_count  # imported here: that module enqueues this task

    research_counts_count(actor_id=actor_id)


@job(retries_when_lost=1)  # deleting old counts is safe to repeat
def research_counts_prune_run() -> int:
    from pristan.research.counts import research_counts_prune

    return research_counts_prune()
