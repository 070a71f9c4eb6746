"""The CTDC research file's task on the queue: its one argument is the job's id (exports/jobs.py)."""

from pristan.exports import jobs
from pristan.jobs.services import job


@job(when_lost=jobs.lost)  # a worker that died mid-file: failed, never retried half-way
def ctdc_export_task(job_id: str) -> None:
    from pristan.research.services import ctdc_export_job_write  # imported here: that module enqueues this task

    jobs.run(job_id, ctdc_export_job_write)
