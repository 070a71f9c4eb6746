"""Reading notifications: the reader's own only, each shown only while its reader may still see
what it is about (the access layer decides, at display time), in the reader's language."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from pristan.core import access, paging
from pristan.core.policy import Section
from pristan.notifications.models import Notification, NotificationKind

PER_PAGE = 25  # newest first, a page at a time; every one can be marked read at once

# What each kind says, with the case's reference where it is about a case: whole sentences, never a name.
SENTENCES: dict[str, StrOrPromise] = {
    NotificationKind.REFERRAL_AWAITING: _("A referral of case %(reference)s awaits your answer."),
    NotificationKind.TRANSFER_AWAITING: _("A transfer of case %(reference)s to your office awaits your decision."),
    NotificationKind.REFERRAL_ACCEPTED: _("Your referral of case %(reference)s was accepted."),
    NotificationKind.REFERRAL_DECLINED: _("Your referral of case %(reference)s was declined."),
    NotificationKind.TRANSFER_ACCEPTED: _("Your request to transfer case %(reference)s was accepted."),
    NotificationKind.TRANSFER_DECLINED: _("Your request to transfer case %(reference)s was declined."),
    NotificationKind.TASK_ASSIGNED: _("A task on case %(reference)s was assigned to you."),
    NotificationKind.TASK_OVERDUE: _("Your task on case %(reference)s is overdue."),
    NotificationKind.VISIT_OVERDUE: _("A monitoring visit on case %(reference)s is overdue."),
    NotificationKind.ERASURE_AWAITING: _("A request to erase the identifying data of case %(reference)s awaits your decision."),
    NotificationKind.IMPORT_DONE: _("Your import has finished."),
    NotificationKind.IMPORT_FAILED: _("Your import failed: nothing was imported."),
    NotificationKind.EXPORT_DONE: _("Your export is ready."),
    NotificationKind.EXPORT_FAILED: _("Your export failed: nothing was exported."),
    NotificationKind.DUPLICATE_CHECK: _("A caseworker asked for a check of a possible duplicate."),
}


@dataclass(frozen=True)
class NotificationRow:
    notification: Notification
    text: str  # in the active language


@dataclass(frozen=True)
class NotificationList:
    rows: list[NotificationRow]
    unseen_unread: list[int]  # unread, about what the reader may no longer see: not shown, to be set aside
    page: paging.NumberedPage[Notification]


def sentence(notification: Notification) -> str:
    """The notification's sentence in the active language; the reference only of a case it is about."""
    reference = notification.case.reference if notification.case is not None else ""
    return str(SENTENCES[notification.kind]) % {"reference": reference}


def notifications_for(*, user: User, number: int = 1, size: int | None = None) -> NotificationList:
    """A page of the user's notifications, newest first (the index on user and time leads), less
    those they may no longer see: one about a case only while the user sees that case's section (a
    partner whose referral ended, a caseworker whose case moved away, no longer does); those about
    their own imports and exports always. Checked for the cases on the page only."""
    notifications = Notification.objects.filter(user_id=user.pk).select_related("case").order_by("-created_at", "-id")
    page = paging.numbered_page(notifications, number=number, size=size or PER_PAGE)
    sections: dict[int, frozenset[Section]] = {}
    rows, unseen = [], []
    for notification in page.rows:
        if notification.case is not None:
            if notification.case.pk not in sections:
                sections[notification.case.pk] = access.visible_sections(user, notification.case)
            if notification.section not in sections[notification.case.pk]:
                if notification.read_at is None:
                    unseen.append(notification.pk)
                continue
        rows.append(NotificationRow(notification, sentence(notification)))
    return NotificationList(rows=rows, unseen_unread=unseen, page=page)


def notification_for(*, user: User, pk: int) -> Notification:
    """One of the user's own notifications; anyone else's does not exist for them (404)."""
    try:
        return Notification.objects.get(pk=pk, user_id=user.pk)
    except Notification.DoesNotExist:
        raise Http404 from None


def unread_count(*, user: User | AnonymousUser) -> int:
    """The number in the menu: one query on an index, none for someone not signed in."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()
