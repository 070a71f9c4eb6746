"""The research page's preview, counted by a job: how many of the cases a user's research draws on
share each combination of quasi-identifier values.

Making those counts builds every CTDC row of the user's reach (each date of birth opened for the
age band): a minute and more at 100,000 cases, too long for a request. A job of `pristan worker`
counts them (`research_counts_count`) and keeps them in one ResearchCounts row per user, with what
k-anonymisation does for the usual values of k (PRESET_K) and for each other k asked for. Deciding
that from the counts (anonymity.plan) is itself seconds at 100,000 cases (20,000 combinations), so
the job does that too: the page only reads a report, or asks the job for the k it lacks and polls.

- One job per user at a time: `research_counts_start` claims the row with a conditional update
  (COUNTING_STALLED_AFTER frees a claim whose job never ended), in the transaction that enqueues the
  job; asked for more while it runs (another k, counting again), it leaves that on the row, and the
  job, which releases its claim only under the row's lock, does it before it stops. The job writes
  only while its claim still holds: a count whose user's roles changed meanwhile (the row deleted,
  signals.py) is thrown away.
- Access: the job checks `access.may_research` when it starts and when it writes; a user who lost
  the role gets nothing and their counts are deleted.
- Nothing is audited but refusals, as for the preview counted in the request before: the counts
  are counts (never which case), and only the file that leaves (services.ctdc_export_write) is a
  disclosure.
"""

import dataclasses
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from pristan.core import access
from pristan.research.anonymity import DEFAULT_K, AnonymityReport, Generalisation, Values, plan
from pristan.research.models import ResearchCounts
from pristan.research.services import check_k, ctdc_counts

PRESET_K = (5, 10, DEFAULT_K, 20, 50, 100)  # decided with every count: the page shows them at once
COUNTING_STALLED_AFTER = timedelta(hours=6)  # a count claimed this long ago will not end: another may start
KEEP = timedelta(days=7)  # counts older than this are deleted (`research_counts_prune`); the page counts again


def research_counts_for(*, user: User | AnonymousUser) -> ResearchCounts | None:
    """The user's stored counts (or the count under way), for a user who may make research data."""
    access.require_research(user)
    return ResearchCounts.objects.filter(actor_id=user.pk).defer("counts").first()  # the reports are what a page reads


def is_counting(row: ResearchCounts, *, now: datetime | None = None) -> bool:
    return row.counting_since is not None and row.counting_since > (now or timezone.now()) - COUNTING_STALLED_AFTER


def research_counts_preview(*, row: ResearchCounts, k: int) -> AnonymityReport | None:
    """What k-anonymisation would do with k, as decided by the job from the stored counts
    (`services.ctdc_preview` as it was when they were counted); None while not decided for this k."""
    check_k(k)
    stored = row.reports.get(str(k)) if row.computed_at is not None else None
    return _report_from_json(stored) if stored is not None else None


def _report_to_json(report: AnonymityReport) -> dict[str, Any]:
    return dataclasses.asdict(report)


def _report_from_json(data: dict[str, Any]) -> AnonymityReport:
    return AnonymityReport(**{
        **data,
        "generalisations": tuple(Generalisation(**item) for item in data["generalisations"]),
        "quasi_identifiers": tuple(data["quasi_identifiers"]),
    })  # fmt: skip


def research_counts_start(*, actor: User, k: int | None = None, recount: bool = False) -> ResearchCounts:
    """Ask a worker to count the actor's combinations (again, with `recount`), or to decide what a
    k not yet decided would do; unless its job is already under way, which then does it too."""
    from pristan.research.tasks import research_counts_task  # the task runs this module's research_counts_count

    access.require_research(actor)
    if k is not None:
        check_k(k)
    now = timezone.now()
    with transaction.atomic():
        ResearchCounts.objects.get_or_create(actor=actor)
        row = ResearchCounts.objects.select_for_update().get(actor=actor)
        if k is not None and k not in PRESET_K and k not in row.wanted:
            row.wanted = [*row.wanted, k]
        row.recount = row.recount or (recount and row.computed_at is not None)
        row.save(update_fields=["wanted", "recount"])
        free = Q(counting_since__isnull=True) | Q(counting_since__lte=now - COUNTING_STALLED_AFTER)
        if ResearchCounts.objects.filter(free, pk=row.pk).update(counting_since=now, failed=False):
            research_counts_task.enqueue(actor_id=actor.pk)
    row.refresh_from_db()
    return row


def research_counts_count(*, actor_id: int) -> None:
    """The job's part: count the combinations with the actor's access as it is now, then decide the
    values of k wanted, while the claim made by `research_counts_start` holds; it ends (releasing
    the claim, under the row's lock) when nothing more is asked."""
    claim = ResearchCounts.objects.filter(actor_id=actor_id).values_list("counting_since", flat=True).first()
    actor = User.objects.filter(pk=actor_id).first()
    if claim is None or actor is None:  # nothing asked for any more (the row deleted with a role, or done)
        return
    try:
        while _next_step(actor, claim):
            pass
    except PermissionDenied:
        ResearchCounts.objects.filter(actor_id=actor_id).delete()
    except Exception:
        ResearchCounts.objects.filter(actor_id=actor_id, counting_since=claim).update(counting_since=None, failed=True)
        raise  # @job logs it and gives the queue only its class


def _claimed(actor: User, claim: datetime) -> ResearchCounts | None:
    """The row, locked, while the job's claim holds and the actor may still make research data (in a transaction)."""
    row = ResearchCounts.objects.select_for_update().filter(actor_id=actor.pk, counting_since=claim).first()
    if row is not None and not access.may_research(actor):  # the role went while counting
        raise PermissionDenied(access.RESEARCH_NOT_GRANTED)
    return row


def _next_step(actor: User, claim: datetime) -> bool:
    """Count, or decide the values of k not decided yet, or release the claim; whether there is more."""
    with transaction.atomic():
        row = _claimed(actor, claim)
        if row is None:
            return False
        count = row.recount or row.computed_at is None
        missing = sorted({*PRESET_K, *row.wanted} - {int(k) for k in row.reports})
        if not count and not missing:
            row.counting_since, row.wanted = None, []
            row.save(update_fields=["counting_since", "wanted"])
            return False
        if count:
            row.recount = False
            row.save(update_fields=["recount"])
        stored = row.counts
    if count:
        counts = ctdc_counts(actor=actor)
        with transaction.atomic():
            row = _claimed(actor, claim)
            if row is None:
                return False
            row.counts = [[list(values), number] for values, number in sorted(counts.items())]
            row.cases, row.computed_at, row.reports = counts.total(), timezone.now(), {}
            row.save(update_fields=["counts", "cases", "computed_at", "reports"])
        return True
    table: Counter[Values] = Counter({tuple(values): number for values, number in stored})
    decided = {str(k): _report_to_json(plan(table, k=k).report) for k in missing}
    with transaction.atomic():
        row = _claimed(actor, claim)
        if row is None:
            return False
        if row.recount:  # counted again meanwhile: these reports are of the old counts
            return True
        row.reports = {**row.reports, **decided}
        row.save(update_fields=["reports"])
    return True


def research_counts_lost(actor_id: int) -> None:
    """Its worker died and the queue gave it up (pristan/jobs calls this): the page says so."""
    ResearchCounts.objects.filter(actor_id=actor_id, counting_since__isnull=False).update(counting_since=None, failed=True)


def research_counts_forget(*, user_id: int) -> int:
    """Delete a user's counts: their roles changed, so their research may reach other cases or none."""
    deleted, _by_model = ResearchCounts.objects.filter(actor_id=user_id).delete()
    return deleted


def research_counts_prune(*, now: datetime | None = None) -> int:
    """Delete the counts older than KEEP and those of users who may no longer make research data; how many."""
    moment = now or timezone.now()
    deleted, _by_model = ResearchCounts.objects.filter(
        Q(computed_at__lt=moment - KEEP) | Q(computed_at__isnull=True, counting_since__isnull=True),
        Q(counting_since__isnull=True) | Q(counting_since__lte=moment - COUNTING_STALLED_AFTER),
    ).delete()
    for row in ResearchCounts.objects.select_related("actor"):
        if not access.may_research(row.actor):
            deleted += research_counts_forget(user_id=row.actor_id)
    return deleted
