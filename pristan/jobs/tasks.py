"""The queue's own periodic job (see schedule.PERIODIC)."""

from pristan.jobs.services import finished_jobs_prune, job


@job(retries_when_lost=1)
def finished_jobs_prune_run() -> int:
    return finished_jobs_prune()
