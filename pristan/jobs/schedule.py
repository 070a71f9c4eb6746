"""Pristan's own schedule of periodic work, run by `pristan worker` (no cron needed).

Add a periodic job with one line in PERIODIC: a name (its key in the database), the dotted path of
a job (`@job` in some `tasks.py`, taking no arguments), and either `every=timedelta(...)` or
`daily_at=` the name of a setting holding the local hour (settings.TIME_ZONE).

Each worker looks at the schedule between jobs (a read of one small table: it takes no write
lock). A job that is due is enqueued by the worker that first moves its next time on, with a
conditional update in the same transaction as the enqueueing: with several workers it is enqueued
once, and a restart neither loses nor repeats it. Work missed while no worker ran (the machine was
off at the hour) runs once when a worker starts again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import Task

from pristan.jobs.models import ScheduledRun


@dataclass(frozen=True)
class Periodic:
    name: str
    job: str  # dotted path of a @job taking no arguments
    every: timedelta | None = None
    daily_at: str | None = None  # the name of the setting that holds the hour (0–23, local time)

    def next_after(self, moment: datetime) -> datetime:
        if self.every is not None:
            return moment + self.every
        assert self.daily_at is not None
        local = timezone.localtime(moment)
        at = datetime.combine(local.date(), time(int(getattr(settings, self.daily_at))), tzinfo=local.tzinfo)
        if at <= local:
            at = datetime.combine(local.date() + timedelta(days=1), at.timetz())
        return at

    def first(self, moment: datetime) -> datetime:
        """When a job never seen before is first due: a daily one at its next hour, another at once."""
        return moment if self.every is not None else self.next_after(moment)


PERIODIC: list[Periodic] = [
    Periodic("retention", "pristan.erasure.tasks.retention_run", daily_at="PRISTAN_RETENTION_HOUR"),
    Periodic("finished-jobs-prune", "pristan.jobs.tasks.finished_jobs_prune_run", daily_at="PRISTAN_RETENTION_HOUR"),
    Periodic("overdue-notify", "pristan.notifications.tasks.overdue_notify_run", daily_at="PRISTAN_OVERDUE_HOUR"),
    Periodic("export-files-sweep", "pristan.exports.tasks.export_files_sweep_run", every=timedelta(minutes=15)),
    Periodic("audit-chain", "pristan.core.tasks.audit_chain_run", every=timedelta(minutes=1)),
    Periodic("audit-partitions", "pristan.core.tasks.audit_partitions_run", daily_at="PRISTAN_RETENTION_HOUR"),
    Periodic("research-counts-prune", "pristan.research.tasks.research_counts_prune_run", daily_at="PRISTAN_RETENTION_HOUR"),
    Periodic("duplicates-scan", "pristan.duplicates.tasks.duplicates_scan_run", daily_at="PRISTAN_RETENTION_HOUR"),
]


def schedule_tick(*, now: datetime | None = None, periodic: list[Periodic] | None = None) -> list[str]:
    """Enqueue the periodic jobs that are due; the names of those enqueued."""
    moment = now or timezone.now()
    entries = PERIODIC if periodic is None else periodic
    known = dict(ScheduledRun.objects.filter(name__in=[entry.name for entry in entries]).values_list("name", "next_at"))
    enqueued = []
    for entry in entries:
        due = known.get(entry.name)
        if due is None:
            due = _first_seen(entry, moment)
        if due > moment:
            continue
        with transaction.atomic():
            claimed = ScheduledRun.objects.filter(name=entry.name, next_at=due).update(
                next_at=entry.next_after(moment), last_enqueued_at=moment
            )
            if claimed:  # another worker moved it on first otherwise
                job: Task[[], object] = import_string(entry.job)
                job.enqueue()
                enqueued.append(entry.name)
    return enqueued


def _first_seen(entry: Periodic, moment: datetime) -> datetime:
    try:
        with transaction.atomic():
            return ScheduledRun.objects.create(name=entry.name, next_at=entry.first(moment)).next_at
    except IntegrityError:  # another worker saw it first
        return ScheduledRun.objects.get(name=entry.name).next_at
