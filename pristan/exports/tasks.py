"""The export's task on the queue: its one argument is the job's id (exports/jobs.py says why)."""

from pristan.exports import jobs
from pristan.jobs.services import job


@job(when_lost=jobs.lost)  # a worker that died mid-file: failed, never retried half-way
def export_cases_task(job_id: str) -> None:
    from pristan.exports.services import export_job_write  # imported here: that module enqueues this task

    jobs.run(job_id, export_job_write)


@job(retries_when_lost=1)  # deleting expired files and failing stalled jobs is safe to repeat
def export_files_sweep_run() -> dict[str, int]:
    """Finished files not downloaded in time are deleted and their keys destroyed, promptly rather
    than at the next daily retention run."""
    swept = jobs.sweep()
    return {"expired": swept.expired, "interrupted": swept.interrupted, "orphaned": swept.orphaned}
