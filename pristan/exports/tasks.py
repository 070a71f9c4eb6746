"""The export's task on the queue: its one argument is the job's id (exports/jobs.py says why)."""

from django_tasks import task

from pristan.exports import jobs


@task()
def export_cases_task(job_id: str) -> None:
    from pristan.exports.services import export_job_write  # imported here: that module enqueues this task

    jobs.run(job_id, export_job_write)
