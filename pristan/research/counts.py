"""The research page's preview, counted by a job: how many of the cases a user's research draws on
share each combination of quasi-identifier values.

Making those counts builds every CTDC row of the user's reach (each date of birth opened for the
age band): a minute and more at 100,000 cases, too long for a request. A job of `pristan worker`
counts them (`research_counts_count`) and keeps them in one ResearchCounts row per user; the page
then turns them into what k-anonymisation would do for any k (anonymity.plan) in milliseconds.

- One count per user at a time: `research_counts_start` claims the row with a conditional update
  (COUNTING_STALLED_AFTER frees a claim whose job never ended), in the transaction that enqueues the
  job. The job writes its counts only while its claim still holds: a count whose user's roles
  changed meanwhile (the row deleted, signals.py) is thrown away.
- Access: the job checks `access.may_research` when it starts and when it writes; a user who lost
  the role gets nothing and their counts are deleted.
- Nothing is audited but refusals, as for the preview counted in the request before: the counts
  are counts (never which case), and only the file that leaves (services.ctdc_export_write) is a
  disclosure.
"""

from collections import Counter
from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from pristan.core import access
from pristan.research.anonymity import AnonymityReport, Values, plan
from pristan.research.models import ResearchCounts
from pristan.research.services import check_k, ctdc_counts

COUNTING_STALLED_AFTER = timedelta(hours=6)  # a count claimed this long ago will not end: another may start
KEEP = timedelta(days=7)  # counts older than this are deleted (`research_counts_prune`); the page counts again


def research_counts_for(*, user: User | AnonymousUser) -> ResearchCounts | None:
    """The user's stored counts (or the count under way), for a user who may make research data."""
    access.require_research(user)
    return ResearchCounts.objects.filter(actor_id=user.pk).first()


def is_counting(row: ResearchCounts, *, now: datetime | None = None) -> bool:
    return row.counting_since is not None and row.counting_since > (now or timezone.now()) - COUNTING_STALLED_AFTER


def research_counts_preview(*, row: ResearchCounts, k: int) -> AnonymityReport:
    """What k-anonymisation would do with k, from the stored counts: `services.ctdc_preview` as it was
    when they were counted."""
    check_k(k)
    counts: Counter[Values] = Counter({tuple(values): count for values, count in row.counts})
    return plan(counts, k=k).report


def research_counts_start(*, actor: User) -> ResearchCounts:
    """Ask a worker to count the actor's combinations again, unless a count is already under way."""
    from pristan.research.tasks import research_counts_task  # the task runs this module's research_counts_count

    access.require_research(actor)
    now = timezone.now()
    with transaction.atomic():
        row, _created = ResearchCounts.objects.get_or_create(actor=actor)
        free = Q(counting_since__isnull=True) | Q(counting_since__lte=now - COUNTING_STALLED_AFTER)
        if ResearchCounts.objects.filter(free, pk=row.pk).update(counting_since=now, failed=False):
            research_counts_task.enqueue(actor_id=actor.pk)
    row.refresh_from_db()
    return row


def research_counts_count(*, actor_id: int) -> None:
    """The job's part: count the combinations with the actor's access as it is now, and store them
    while the claim made by `research_counts_start` still holds."""
    claim = ResearchCounts.objects.filter(actor_id=actor_id).values_list("counting_since", flat=True).first()
    actor = User.objects.filter(pk=actor_id).first()
    if claim is None or actor is None:  # nothing asked for any more (the row deleted with a role)
        return
    mine = ResearchCounts.objects.filter(actor_id=actor_id, counting_since=claim)
    try:
        counts = ctdc_counts(actor=actor)
    except PermissionDenied:
        ResearchCounts.objects.filter(actor_id=actor_id).delete()
        return
    except Exception:
        mine.update(counting_since=None, failed=True)
        raise  # @job logs it and gives the queue only its class
    with transaction.atomic():
        if not access.may_research(actor):  # the role went while counting
            ResearchCounts.objects.filter(actor_id=actor_id).delete()
            return
        mine.update(
            counts=[[list(values), count] for values, count in sorted(counts.items())],
            cases=counts.total(), computed_at=timezone.now(), counting_since=None, failed=False,
        )  # fmt: skip


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
