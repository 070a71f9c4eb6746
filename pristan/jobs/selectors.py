"""The queue's health, for /health/ and for pages that wait on a job."""

from django.db import DatabaseError
from django_tasks_db.models import DBTaskResult

from pristan.jobs import presence


def queue_reachable() -> bool:
    """Whether the queue's table answers (imports and exports are enqueued there)."""
    try:
        DBTaskResult.objects.filter(pk__isnull=True).exists()
    except DatabaseError:
        return False
    return True


def worker_running() -> bool:
    """Whether a worker is alive to run what is queued (a page says so when none is)."""
    try:
        return presence.any_alive()
    except (DatabaseError, OSError):
        return False
