"""`pristan worker`'s loop: django-tasks' database worker, run Pristan's way.

Between jobs the worker, in this order: proves it is alive (presence.py), recovers the jobs of
workers that died (every SWEEP_EVERY seconds, and at start), enqueues the periodic work that is due
(schedule.py), and takes the next job. It runs one job at a time; run more workers for more at once.

Polling takes no write lock: the worker first *reads* whether a job is ready, and only then opens
the short write transaction that claims it (SQLite admits one writer, which the web server needs).
A first SIGTERM or SIGINT lets the running job finish and then stops; a second one stops at once
(the job's transaction is rolled back, and the job is recovered as lost). A SIGINT ignored by the
parent (a worker started in the background of `make serve`) stays ignored.
"""

from __future__ import annotations

import logging
import signal
import time
from typing import Any

from django.db import OperationalError, close_old_connections
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from pristan.jobs import presence
from pristan.jobs.schedule import schedule_tick
from pristan.jobs.services import lost_jobs_recover

logger = logging.getLogger("pristan.jobs")
SWEEP_EVERY = 30.0  # seconds between looks for jobs whose worker died


class Worker(DatabaseWorker):
    def __init__(self, *, worker_id: str, interval: float = 1.0, batch: bool = False, max_tasks: int | None = None) -> None:
        super().__init__(
            queue_names=["*"], excluded_queue_names=[], interval=interval, batch=batch, backend_name="default",
            startup_delay=False, max_tasks=max_tasks, worker_id=worker_id,
        )  # fmt: skip
        self._swept_at: float | None = None  # never yet: the first look is at start

    def configure_signals(self) -> None:
        sigint_ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        super().configure_signals()
        if sigint_ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    def run(self) -> None:
        with presence.Presence(self.worker_id) as here:
            logger.info("Worker %s started.", self.worker_id)
            while self.running:
                close_old_connections()
                here.check()
                self._housekeeping()
                result = self._claim()
                if result is not None:
                    self.run_task(result)
                elif self.batch:
                    return
                if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                    return
                if result is None and self.running:
                    time.sleep(self.interval)

    def _housekeeping(self) -> None:
        """Recovering lost jobs and enqueueing periodic ones never stops the worker: an error is logged, and tried again."""
        try:
            if self._swept_at is None or time.monotonic() - self._swept_at >= SWEEP_EVERY:
                self._swept_at = time.monotonic()
                lost = lost_jobs_recover()
                if lost.retried or lost.failed:
                    logger.warning("Jobs lost with their worker: %d to run again, %d failed.", lost.retried, lost.failed)
            for name in schedule_tick():
                logger.info("Periodic job %s enqueued.", name)
        except Exception:
            logger.exception("Housekeeping failed; the worker goes on.")

    def _claim(self) -> DBTaskResult[Any, Any] | None:
        ready = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not ready.exists():  # a read: an idle worker never takes the write lock
            return None
        try:
            with exclusive_transaction(ready.db):
                result = ready.get_locked()
                if result is not None:
                    result.claim(self.worker_id)  # in the transaction: no other worker takes it
                return result
        except OperationalError as error:
            if is_locked_database_exception(error):  # SQLite busy with a long write: try again later
                return None
            raise
