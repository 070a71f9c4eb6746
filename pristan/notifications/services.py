"""Telling users that something awaits them.

Each hook is called by the service that does the thing, inside its transaction, so a notification
exists exactly when the action does. Recipients are chosen by the access layer
(pristan/core/access.py: `referral_answerers`, `transfer_deciders`, `erasure_deciders`,
`sees_section`), never by role checks here. One notification per user, kind and subject (a unique
constraint), so a hook or the daily overdue run that meets the same thing again tells nobody twice.

E-mail is optional (PRISTAN_EMAIL_HOST) and says only that something awaits the person, with a link
to the notification list: never a name, a reference or anything of a case. It is sent after the
commit, and only when the user had nothing unread before (one e-mail until they look, not one per
event). A failing mail server is logged and never breaks the action.
"""

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case, Stage, Task
from pristan.core import access
from pristan.core.audit import apply_changes, audit_record
from pristan.core.models import AuditEntry
from pristan.core.policy import Section
from pristan.duplicates.models import CandidatePair
from pristan.erasure.models import ErasureRequest
from pristan.interchange.models import ImportJob
from pristan.notifications.models import Notification, NotificationKind, NotificationPreference
from pristan.referrals.models import Referral, ReferralStatus, Transfer, TransferStatus
from pristan.reintegration import schedule
from pristan.reintegration.models import Visit, VisitStatus

logger = logging.getLogger(__name__)

EMAIL_SUBJECT = _("Something awaits you in Pristan")
EMAIL_BODY = _(
    "Something awaits you in Pristan. Sign in to see what it is:\n\n%(url)s\n\n"
    "This message says nothing more on purpose: what awaits you is shown only inside Pristan."
)
UNKNOWN_LANGUAGE = _("Choose a language from the list.")


def _notify(
    *, users: Iterable[User], kind: NotificationKind, subject: str, link: str, case: Case | None = None, section: str = ""
) -> list[User]:
    """Notify each active user once about this subject; returns those newly notified."""
    recipients = {user.pk: user for user in users if user.is_active}
    if not recipients:
        return []
    told = set(Notification.objects.filter(user_id__in=recipients, kind=kind, subject=subject).values_list("user_id", flat=True))
    new = [user for pk, user in recipients.items() if pk not in told]
    waiting = set(
        Notification.objects.filter(user_id__in=[user.pk for user in new], read_at__isnull=True).values_list("user_id", flat=True)
    )
    Notification.objects.bulk_create(
        [Notification(user=user, kind=kind, subject=subject, case=case, section=section, link=link) for user in new],
        ignore_conflicts=True,  # the same notification made at once by another transaction
    )
    _email_later([user for user in new if user.pk not in waiting])
    return new


# --- hooks: one line in the service that does the thing ---------------------------------------------


def notify_referral_sent(*, referral: Referral) -> None:
    """A referral sent: those who answer it for the partner or office it is sent to."""
    _notify(
        users=access.referral_answerers(referral), kind=NotificationKind.REFERRAL_AWAITING, subject=f"referral:{referral.pk}",
        link=reverse("referral_inbox"), case=referral.case, section=access.referral_section(referral),
    )  # fmt: skip


_REFERRAL_ANSWERS: dict[str, NotificationKind] = {
    ReferralStatus.ACCEPTED: NotificationKind.REFERRAL_ACCEPTED,
    ReferralStatus.DECLINED: NotificationKind.REFERRAL_DECLINED,
}
_TRANSFER_ANSWERS: dict[str, NotificationKind] = {
    TransferStatus.ACCEPTED: NotificationKind.TRANSFER_ACCEPTED,
    TransferStatus.DECLINED: NotificationKind.TRANSFER_DECLINED,
}
_IMPORT_ENDS: dict[str, NotificationKind] = {
    ImportJob.Status.DONE: NotificationKind.IMPORT_DONE,
    ImportJob.Status.FAILED: NotificationKind.IMPORT_FAILED,
}


def notify_referral_answered(*, referral: Referral) -> None:
    """A referral accepted or declined: the person who sent it, while they still see it (the sender
    marking it done or revoking it tells nobody)."""
    kind = _REFERRAL_ANSWERS.get(referral.status)
    sender = referral.created_by
    if kind is None or sender is None or referral.direction != Referral.Direction.OUTGOING:
        return
    section = access.referral_section(referral)
    if access.may_see(sender, referral):
        link = reverse("case_referrals", kwargs={"reference": referral.case.reference})
        _notify(users=[sender], kind=kind, subject=f"referral:{referral.pk}", link=link, case=referral.case, section=section)


def notify_transfer_requested(*, transfer: Transfer) -> None:
    """A transfer asked: the supervisors of the receiving office who may decide it."""
    _notify(
        users=access.transfer_deciders(transfer), kind=NotificationKind.TRANSFER_AWAITING, subject=f"transfer:{transfer.pk}",
        link=reverse("referral_inbox"), case=transfer.case, section=Section.SUMMARY,
    )  # fmt: skip


def notify_transfer_answered(*, transfer: Transfer) -> None:
    """A transfer accepted or declined: the person who asked for it, while they still see the case."""
    kind = _TRANSFER_ANSWERS.get(transfer.status)
    if kind is not None and access.sees_section(transfer.requested_by, transfer.case, Section.SUMMARY):
        link = reverse("case_referrals", kwargs={"reference": transfer.case.reference})
        _notify(
            users=[transfer.requested_by], kind=kind, subject=f"transfer:{transfer.pk}", link=link, case=transfer.case,
            section=Section.SUMMARY,
        )  # fmt: skip


def notify_task_assigned(*, task: Task, actor: User) -> None:
    """A task given to someone else (never to oneself), who sees the case's notes and tasks."""
    if task.assignee_id == actor.pk or not access.sees_section(task.assignee, task.case, Section.NOTES):
        return
    link = reverse("case_notes", kwargs={"reference": task.case.reference})
    _notify(
        users=[task.assignee], kind=NotificationKind.TASK_ASSIGNED, subject=f"task:{task.pk}", link=link, case=task.case,
        section=Section.NOTES,
    )  # fmt: skip


def notify_erasure_requested(*, request: ErasureRequest) -> None:
    """An erasure request: the focal points who may decide it."""
    case = request.case
    _notify(
        users=access.erasure_deciders(case, requested_by=request.requested_by), kind=NotificationKind.ERASURE_AWAITING,
        subject=f"erasure:{request.pk}", link=reverse("erasure_decide", kwargs={"reference": case.reference}), case=case,
        section=Section.SUMMARY,
    )  # fmt: skip


def notify_duplicate_check(*, pair: CandidatePair) -> None:
    """A check of a possible duplicate asked at registration: the reviewers who see both persons
    (`access.duplicate_reviewers`); the one who asked sees only one and is not told."""
    _notify(
        users=access.duplicate_reviewers(pair), kind=NotificationKind.DUPLICATE_CHECK, subject=f"duplicate:{pair.pk}",
        link=reverse("duplicates:pair", kwargs={"pair_id": pair.pk}),
    )  # fmt: skip


def notify_import_finished(*, job: ImportJob) -> None:
    """An import run that ended (imported, or failed): the person who started it. Other states tell nobody."""
    kind = _IMPORT_ENDS.get(job.status)
    if kind is not None:
        link = reverse("import_job", kwargs={"job_id": job.pk})
        _notify(users=[job.actor], kind=kind, subject=f"import:{job.pk}", link=link)


def notify_export_finished(*, user: User, export_id: object, failed: bool = False, link: str = "") -> None:
    """An export made in the background that is ready (or failed): the person who asked for it.
    `export_id` names the run (one notification per run); `link` is the page to fetch it from."""
    kind = NotificationKind.EXPORT_FAILED if failed else NotificationKind.EXPORT_DONE
    _notify(users=[user], kind=kind, subject=f"export:{export_id}", link=link or reverse("export_create"))


# --- overdue work: run daily -------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueRun:
    tasks: int  # notifications made about overdue tasks
    visits: int  # about overdue monitoring visits


def _told(kind: NotificationKind, prefix: str, user_field: str) -> Exists:
    """Whether the user was already told about this row (its subject is `prefix:<pk>`)."""
    subject = Concat(Value(f"{prefix}:"), Cast(OuterRef("pk"), output_field=CharField()))
    return Exists(Notification.objects.filter(user_id=OuterRef(user_field), kind=kind, subject=subject))


@transaction.atomic
def notifications_overdue(*, today: date | None = None) -> OverdueRun:
    """Notify once per overdue task (its assignee) and once per overdue monitoring visit (the case's
    owner, as on *My cases*), each only while that person sees the section. Running it again the
    same day, or the next, tells nobody twice. Schedule it daily."""
    today = today or timezone.localdate()
    users: dict[int, User] = {}  # one object per user, so the access layer's per-user memory serves every row

    def person(user: User) -> User:
        return users.setdefault(user.pk, user)

    tasks = (
        Task.objects.filter(done_at__isnull=True, due_on__lt=today, assignee__is_active=True)
        .exclude(_told(NotificationKind.TASK_OVERDUE, "task", "assignee_id"))
        .select_related("case", "assignee")
        .order_by("due_on", "id")
    )
    told_tasks = 0
    for task in tasks:
        assignee = person(task.assignee)
        if access.sees_section(assignee, task.case, Section.NOTES):
            link = reverse("case_notes", kwargs={"reference": task.case.reference})
            told_tasks += len(
                _notify(users=[assignee], kind=NotificationKind.TASK_OVERDUE, subject=f"task:{task.pk}", link=link,
                        case=task.case, section=Section.NOTES)
            )  # fmt: skip
    visits = (
        Visit.objects.filter(status=VisitStatus.PLANNED, due_on__lt=schedule.overdue_cutoff(today), case__owner__is_active=True)
        .exclude(case__stage=Stage.CLOSED)
        .exclude(_told(NotificationKind.VISIT_OVERDUE, "visit", "case__owner_id"))
        .select_related("case", "case__owner")
        .order_by("due_on", "id")
    )
    told_visits = 0
    for visit in visits:
        owner = person(visit.case.owner)
        if access.sees_section(owner, visit.case, Section.REINTEGRATION):
            link = reverse("case_reintegration", kwargs={"reference": visit.case.reference})
            told_visits += len(
                _notify(users=[owner], kind=NotificationKind.VISIT_OVERDUE, subject=f"visit:{visit.pk}", link=link,
                        case=visit.case, section=Section.REINTEGRATION)
            )  # fmt: skip
    return OverdueRun(tasks=told_tasks, visits=told_visits)


# --- the reader's own actions ------------------------------------------------------------------------


@transaction.atomic
def notifications_mark_read(*, user: User, ids: Collection[int] | None = None) -> int:
    """Mark the user's unread notifications read: those given (others' are left alone), or all of them."""
    unread = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=sorted(ids))
    return unread.update(read_at=timezone.now())


@transaction.atomic
def notification_preference_save(*, user: User, email: bool, language: str) -> NotificationPreference:
    """Whether the user is also told by e-mail, and in which language ("": the installation's)."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": UNKNOWN_LANGUAGE})
    preference, _created = NotificationPreference.objects.get_or_create(user=user)
    changed = apply_changes(preference, {"email": email, "language": language})
    if changed:
        preference.save(update_fields=changed)
        audit_record(actor=user, action=AuditEntry.Action.CONFIGURE, obj=preference, fields=changed)
    return preference


# --- e-mail ---------------------------------------------------------------------------------------


def _email_later(users: list[User]) -> None:
    """E-mail them through the worker: the job is enqueued in this transaction, so it is sent only
    if the action commits, and a slow mail server never holds a page. The queue keeps user ids only."""
    if not settings.EMAIL_HOST or not users:
        return
    from pristan.notifications.tasks import notification_emails_run  # the tasks module imports this one

    notification_emails_run.enqueue(user_ids=[user.pk for user in users])


def notification_emails_send(*, user_ids: list[int]) -> int:
    """Send the e-mails of one job to those of these users who still want them; how many were tried."""
    users = User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk")
    preferences = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)}
    letters = [
        (user.pk, user.email, preference.language if preference else "")
        for user in users
        for preference in [preferences.get(user.pk)]
        if user.email and (preference is None or preference.email)
    ]
    if letters:
        _send(letters)
    return len(letters)


def email_message(*, address: str, language: str) -> EmailMessage:
    """The one e-mail Pristan sends about notifications: the same for every kind, in the recipient's language."""
    language = language or settings.LANGUAGE_CODE
    url = settings.PRISTAN_BASE_URL.rstrip("/") + reverse("notifications")
    with translation.override(language):
        subject, body = str(EMAIL_SUBJECT), str(EMAIL_BODY) % {"url": url}
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address], headers={"Content-Language": language})


def _send(letters: list[tuple[int, str, str]]) -> None:
    """A mail server that fails is logged, never raised: the notification itself is in Pristan."""
    try:
        with get_connection(fail_silently=False) as connection:
            for user_id, address, language in letters:
                try:
                    connection.send_messages([email_message(address=address, language=language)])
                except Exception as error:  # one refused address must not keep the others from theirs
                    logger.warning("Notification e-mail to user %s not sent: %s", user_id, type(error).__name__)
    except Exception as error:  # the server cannot be reached at all
        logger.warning("Notification e-mails to %d users not sent: %s", len(letters), error)
