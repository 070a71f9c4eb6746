"""The retention schedule as a daily job of `pristan worker` (pristan/jobs/schedule.py), doing what
`pristan retention` does; the command stays, for cron or by hand."""

from pristan.attachments.services import attachments_sweep
from pristan.erasure.services import retention_apply
from pristan.interchange.jobs import sweep
from pristan.jobs.services import job
from pristan.keystore.provisional import keys_sweep


@job(retries_when_lost=1)  # erasing is idempotent: a person erased is not due again
def retention_run() -> dict[str, int]:
    """Counts only, never a name: they stay in the queue's table for a week."""
    run = retention_apply()
    swept = sweep()
    attachment_files = attachments_sweep()
    keys = keys_sweep()
    return {
        "persons_erased": run.due_total, "erasures_finished": run.finished_total,
        "imports_cleared": swept.abandoned, "uploads_deleted": swept.orphaned, "attachment_files_deleted": attachment_files,
        "keys_destroyed": keys.destroyed, "keys_confirmed": keys.confirmed,
    }  # fmt: skip
