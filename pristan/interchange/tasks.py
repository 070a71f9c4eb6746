"""The two passes of an import as jobs of `pristan worker` (jobs.py says how they fit together)."""

from pristan.interchange import jobs
from pristan.interchange.models import ImportJob
from pristan.jobs.services import job


def _import(job_id: str) -> ImportJob:
    return ImportJob.objects.select_related("actor", "office").get(pk=job_id)


def import_lost(*, job_id: str) -> None:
    jobs.lost(_import(job_id))


@job(retries_when_lost=1, when_lost=import_lost)  # the check only reads: safe to run again
def import_check_run(*, job_id: str) -> None:
    import_job = _import(job_id)
    if import_job.status == ImportJob.Status.VALIDATING:
        jobs.check(import_job)


@job(when_lost=import_lost)  # never run twice: a killed write is failed, and its user uploads again
def import_write_run(*, job_id: str) -> None:
    import_job = _import(job_id)
    if import_job.status == ImportJob.Status.IMPORTING:
        jobs.write(import_job)
