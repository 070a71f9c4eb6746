"""The notification list, marking read, the count in the menu, and the e-mail preference."""

import copy
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pristan.cases.models import ConsentPurpose
from pristan.cases.services import consent_record
from pristan.core.models import AuditEntry
from pristan.notifications.models import Notification, NotificationKind, NotificationPreference
from pristan.referrals.services import referral_send

PROCESSOR = "pristan.notifications.context_processors.notifications"


@pytest.fixture
def referred(active_case, ana, partner, partner_user):
    """The case referred to the partner: Petra is told."""
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.REFERRAL, given=True)
    referral_send(actor=ana, case=active_case, organisation=partner, reason="AdditionalServicesRequired")
    return active_case


def _count_in_menu(html: str) -> str | None:
    found = re.search(r'data-testid="unread-count">(\d+)<', html)
    return found.group(1) if found else None


def test_the_list_says_what_awaits_and_where_never_a_name(referred, partner_user, client_of):
    page = client_of(partner_user).get(reverse("notifications")).content.decode()
    assert f"A referral of case {referred.reference} awaits your answer." in page
    assert f'href="{reverse("referral_inbox")}"' in page
    assert referred.person.given_name not in page
    assert referred.person.family_name not in page
    assert _count_in_menu(page) == "1"


def test_marking_one_and_all_read(referred, ana, boris, partner_user, client_of):
    from pristan.cases.services import task_add

    task_add(actor=ana, case=referred, title="Sign the plan", due_on=referred.opened_on, assignee=boris)
    task_add(actor=ana, case=referred, title="Call the shelter", due_on=referred.opened_on, assignee=boris)
    client = client_of(boris)
    first, second = Notification.objects.filter(user=boris)
    assert _count_in_menu(client.get(reverse("my_cases")).content.decode()) == "2"
    response = client.post(reverse("notification_read"), {"notification": first.pk})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None
    assert _count_in_menu(client.get(reverse("my_cases")).content.decode()) == "1"
    client.post(reverse("notifications_read_all"))
    assert not Notification.objects.filter(user=boris, read_at__isnull=True).exists()
    assert _count_in_menu(client.get(reverse("notifications")).content.decode()) is None


def test_nobody_reads_or_marks_anothers_notifications(referred, partner_user, ana, marko, client_of):
    theirs = Notification.objects.get(user=partner_user)
    for intruder in (ana, marko):
        client = client_of(intruder)
        assert client.post(reverse("notification_read"), {"notification": theirs.pk}).status_code == 404
        assert client.post(reverse("notification_read"), {"notification": "not-a-number"}).status_code == 404
        assert referred.reference not in client.get(reverse("notifications")).content.decode()
        client.post(reverse("notifications_read_all"))
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_what_the_reader_can_no_longer_see_is_not_shown(referred, ana, partner_user, client_of):
    consent_record(actor=ana, case=referred, purpose=ConsentPurpose.REFERRAL, given=False)  # the partner's access ends
    client = client_of(partner_user)
    page = client.get(reverse("notifications")).content.decode()
    assert referred.reference not in page
    assert "Nothing awaits you." in page
    assert _count_in_menu(page) is None  # set aside, so the menu no longer counts it
    assert Notification.objects.get(user=partner_user).read_at is not None


def test_imports_and_exports_are_shown_without_a_case(ana, client_of):
    Notification.objects.create(user=ana, kind=NotificationKind.EXPORT_FAILED, subject="export:1", link="/exports/new/")
    page = client_of(ana).get(reverse("notifications")).content.decode()
    assert "Your export failed: nothing was exported." in page


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_count_costs_one_query_and_nothing_for_anonymous_pages(referred, partner_user, client_of, settings):
    client = client_of(partner_user)
    url = reverse("partner_directory")
    _queries(client, url)  # warm: sessions, caches
    with_count = _queries(client, url)
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["context_processors"].remove(PROCESSOR)
    settings.TEMPLATES = templates
    without = _queries(client, url)
    assert with_count - without == 1
    anonymous = Client()
    assert _queries(anonymous, reverse("login")) == 0  # the sign-in page asks the database nothing, count or not


def test_the_email_preference_is_the_users_own_and_audited(ana, client_of, settings):
    settings.EMAIL_HOST = "mail.example.org"
    client = client_of(ana)
    assert 'name="email"' in client.get(reverse("notifications")).content.decode()
    response = client.post(reverse("notification_preferences"), {"language": "bg"})  # the box left unticked
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=ana)
    assert (preference.email, preference.language) == (False, "bg")
    entry = AuditEntry.objects.filter(object_type="notifications.notificationpreference").get()
    assert (entry.actor, entry.action, entry.fields) == (ana, AuditEntry.Action.CONFIGURE, ["email", "language"])
    refused = client.post(reverse("notification_preferences"), {"email": "on", "language": "xx"})
    assert refused.status_code == 422
    assert NotificationPreference.objects.get(user=ana).email is False


def test_without_a_mail_server_there_is_no_email_preference(ana, client_of, settings):
    settings.EMAIL_HOST = ""
    assert 'name="email"' not in client_of(ana).get(reverse("notifications")).content.decode()
