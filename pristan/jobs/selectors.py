"""The queue's health, for /health/ and for pages that wait on a job."""

from dataclasses import dataclass

from django.db import DatabaseError
from django_tasks_db.models import DBTaskResult

from pristan.jobs import presence


@dataclass(frozen=True)
class QueueHealth:
    reachable: bool  # the queue's table answers
    worker_alive: bool  # at least one `pristan worker` is running now


def queue_health() -> QueueHealth:
    try:
        DBTaskResult.objects.filter(pk__isnull=True).exists()
    except DatabaseError:
        return QueueHealth(reachable=False, worker_alive=False)
    return QueueHealth(reachable=True, worker_alive=worker_running())


def worker_running() -> bool:
    """Whether a worker is alive to run what is queued (a page says so when none is)."""
    try:
        return presence.any_alive()
    except (DatabaseError, OSError):
        return False
