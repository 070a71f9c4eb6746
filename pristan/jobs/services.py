"""Declaring a job, and what becomes of jobs whose worker died.

A job is a django-tasks task declared with `@job(...)` instead of `@task`: it runs with a key
scope of its own (as a request does), leaves no personal data in the queue's table when it fails
(only the error's class; the worker's log has the whole traceback), and says what to do when its
worker dies in the middle of it:

* `retries_when_lost=N`: run it again, up to N more times. Only for work that is safe to repeat:
  a read-only pass, or work that is idempotent (retention).
* `when_lost=function`: called with the job's arguments once it is given up, inside the
  transaction that marks it failed, to mark what the job was doing as failed with a message for
  its user (an import: "stopped … nothing was imported").

A job that writes does so in one transaction, so a worker killed mid-job leaves nothing half-written.

Enqueue a job with `the_job.enqueue(**kwargs)` inside the transaction of the change that asks for
it: with the database backend the two are committed together or not at all.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from pristan.jobs import presence

P = ParamSpec("P")
T = TypeVar("T")
logger = logging.getLogger("pristan.jobs")

KEEP_FINISHED = timedelta(days=7)  # finished jobs' rows in the queue, for an operator looking into one


class JobFailed(Exception):
    """Stands in the queue's table for the error a job raised: its class only, never its message."""


class WorkerLost(Exception):
    """Recorded as the error of a job whose worker died while running it."""


@dataclass(frozen=True)
class WhenLost:
    retries: int
    hook: Callable[..., None] | None


_WHEN_LOST: dict[str, WhenLost] = {}  # by the task's module path, which the queue's rows name


def job(*, retries_when_lost: int = 0, when_lost: Callable[..., None] | None = None) -> Callable[[Callable[P, T]], Task[P, T]]:
    def declare(function: Callable[P, T]) -> Task[P, T]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            from pristan.keystore.services import key_scope

            with key_scope():
                try:
                    return function(*args, **kwargs)
                except Exception as error:
                    logger.exception("The job %s failed.", function.__qualname__)
                    raise JobFailed(type(error).__qualname__) from None

        declared = task(run)
        _WHEN_LOST[declared.module_path] = WhenLost(retries_when_lost, when_lost)
        return declared

    return declare


@dataclass(frozen=True)
class LostJobs:
    retried: int
    failed: int


def lost_jobs_recover() -> LostJobs:
    """Find the jobs marked running whose worker is dead: run again those that may be, and mark the
    others failed (calling their `when_lost`). Cheap when nothing is lost: one read, one lock check."""
    running = list(DBTaskResult.objects.running())
    workers = {row.worker_ids[-1] for row in running if row.worker_ids}
    living = presence.alive(workers)
    retried = failed = 0
    for row in running:
        worker = row.worker_ids[-1] if row.worker_ids else ""
        if not presence.is_ours(worker) or worker in living:
            continue
        if _recover(row):
            retried += 1
        else:
            failed += 1
    return LostJobs(retried=retried, failed=failed)


def _recover(row: DBTaskResult[Any, Any]) -> bool:
    """True if the job will run again, False if it was given up."""
    try:
        row.task  # imports the job's module, which declares what to do when it is lost  # noqa: B018
    except Exception:  # its code is gone: nothing to run again, nothing to call
        logger.warning("The lost job %s names no job this version of Pristan has.", row.task_path)
    when_lost = _WHEN_LOST.get(row.task_path, WhenLost(0, None))
    pending = DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING, worker_ids=row.worker_ids)
    with transaction.atomic():
        if len(row.worker_ids) <= when_lost.retries:
            if pending.update(status=TaskResultStatus.READY):
                logger.warning("Job %s (%s) lost with its worker %s: it runs again.", row.pk, row.task_path, row.worker_ids[-1])
            return True
        given_up = pending.update(
            status=TaskResultStatus.FAILED, finished_at=timezone.now(),
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"WorkerLost: the worker {row.worker_ids[-1]} died while running this job.",
        )  # fmt: skip
        if given_up and when_lost.hook is not None:
            when_lost.hook(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
    if given_up:
        logger.error("Job %s (%s) lost with its worker %s: marked failed.", row.pk, row.task_path, row.worker_ids[-1])
    return False


def finished_jobs_prune(*, now: Any = None) -> int:
    """Delete the queue's rows of jobs finished more than KEEP_FINISHED ago; how many."""
    moment = now or timezone.now()
    deleted, _by_model = DBTaskResult.objects.finished().filter(finished_at__lt=moment - KEEP_FINISHED).delete()
    return deleted
