"""The daily run that tells people of their overdue tasks and visits, as a job of `pristan worker`
(pristan/jobs/schedule.py); `pristan notifications overdue` does the same from cron or by hand."""

from pristan.jobs.services import job
from pristan.notifications.services import notification_emails_send, notifications_overdue


@job(retries_when_lost=1)  # idempotent: nobody is told twice of the same task or visit
def overdue_notify_run() -> dict[str, int]:
    """Counts only: they stay in the queue's table for a week."""
    run = notifications_overdue()
    return {"tasks": run.tasks, "visits": run.visits}


@job()  # not retried when its worker dies: an e-mail twice is worse than the notification alone
def notification_emails_run(user_ids: list[int]) -> int:
    return notification_emails_send(user_ids=user_ids)
