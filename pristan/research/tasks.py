"""The CTDC research file's task on the queue: its one argument is the job's id (exports/jobs.py)."""

from django_tasks import task

from pristan.exports import jobs


@task()
def ctdc_export_task(job_id: str) -> None:
    from pristan.research.services import ctdc_export_job_write  # imported here: that module enqueues this task

    jobs.run(job_id, ctdc_export_job_write)
