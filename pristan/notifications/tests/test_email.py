"""E-mail through a real SMTP server started by the test: only that something awaits, in the
reader's language, never a name, a reference or anything of the case; a failing server breaks nothing."""

import email
import email.policy
import socket
from collections.abc import Iterator
from datetime import date
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from pristan.cases.models import Case, ConsentPurpose
from pristan.cases.services import consent_record, task_add
from pristan.core.audit_witness import is_witness
from pristan.core.models import Organisation
from pristan.notifications.models import Notification, NotificationPreference
from pristan.notifications.services import EMAIL_BODY, EMAIL_SUBJECT
from pristan.notifications.tasks import notification_emails_run
from pristan.referrals.models import Referral
from pristan.referrals.services import referral_send

BASE_URL = "https://pristan.example.org"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox(settings) -> Iterator[Inbox]:
    """A real SMTP server on this machine, and Pristan's settings pointing at it."""
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", controller.port, False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL, settings.PRISTAN_BASE_URL = "pristan@example.org", BASE_URL
    try:
        yield received
    finally:
        controller.stop()


def _subject(message: EmailMessage) -> str:
    return str(message["Subject"]).strip()  # a long encoded subject is folded onto its own line


def _text(message: EmailMessage) -> str:
    """The subject and the body, decoded."""
    return _subject(message) + "\n" + str(message.get_content()).replace("\r\n", "\n")  # SMTP ends lines with CRLF


def _refer(case: Case, ana: User, partner: Organisation) -> Referral:
    consent_record(actor=ana, case=case, purpose=ConsentPurpose.REFERRAL, given=True)
    return referral_send(actor=ana, case=case, organisation=partner, reason="AdditionalServicesRequired")


def test_the_email_says_only_that_something_awaits(
    inbox, active_case, ana, partner, partner_user, django_capture_on_commit_callbacks
):
    partner_user.email = "petra@animus.example.org"
    partner_user.save()
    NotificationPreference.objects.create(user=partner_user, language="bg")
    with django_capture_on_commit_callbacks(execute=True):
        _refer(active_case, ana, partner)
    assert Notification.objects.filter(user=partner_user).exists()
    [message] = inbox.messages
    assert message["To"] == "petra@animus.example.org"
    assert message["Content-Language"] == "bg"
    text = _text(message)
    assert _subject(message) == "Нещо ви очаква в Пристан"
    assert "Влезте, за да видите какво" in text  # the body, in Bulgarian too
    assert f"{BASE_URL}{reverse('notifications')}" in text
    person = active_case.person
    for secret in (active_case.reference, person.given_name, person.family_name, partner_user.username, partner.name,
                   "referral", "AdditionalServicesRequired", str(active_case.office.name)):  # fmt: skip
        assert secret.lower() not in text.lower(), secret


def test_one_email_until_the_reader_looks(inbox, active_case, ana, boris, django_capture_on_commit_callbacks):
    boris.email = "boris@example.org"
    boris.save()
    with django_capture_on_commit_callbacks(execute=True):
        task_add(actor=ana, case=active_case, title="Sign the plan", due_on=date(2026, 3, 1), assignee=boris)
        task_add(actor=ana, case=active_case, title="Call the shelter", due_on=date(2026, 3, 1), assignee=boris)
    [message] = inbox.messages
    assert message["Content-Language"] == "en"  # no language chosen: the organisation's
    text = _text(message)
    with translation.override("en"):
        assert _subject(message) == str(EMAIL_SUBJECT)
        assert str(EMAIL_BODY) % {"url": f"{BASE_URL}/notifications/"} in text
    for secret in ("Sign the plan", "Call the shelter", active_case.reference, "task"):
        assert secret not in text
    Notification.objects.filter(user=boris).update(read_at=timezone.now())  # he looked
    with django_capture_on_commit_callbacks(execute=True):
        task_add(actor=ana, case=active_case, title="Visit the family", due_on=date(2026, 3, 1), assignee=boris)
    assert len(inbox.messages) == 2


def test_who_turned_email_off_or_has_no_address_gets_none(inbox, active_case, ana, boris, nina,
                                                          django_capture_on_commit_callbacks):  # fmt: skip
    boris.email = "boris@example.org"
    boris.save()
    NotificationPreference.objects.create(user=boris, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        task_add(actor=ana, case=active_case, title="Sign the plan", due_on=date(2026, 3, 1), assignee=boris)
        task_add(actor=ana, case=active_case, title="Call the shelter", due_on=date(2026, 3, 1), assignee=nina)
    assert Notification.objects.filter(user__in=[boris, nina]).count() == 2
    assert inbox.messages == []


def test_a_failing_mail_server_breaks_nothing(settings, active_case, ana, boris, django_capture_on_commit_callbacks, caplog):
    boris.email = "boris@example.org"
    boris.save()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", _free_port(), False  # nobody listens
    with django_capture_on_commit_callbacks(execute=True):
        task = task_add(actor=ana, case=active_case, title="Sign the plan", due_on=date(2026, 3, 1), assignee=boris)
    assert task.pk
    assert Notification.objects.filter(user=boris).exists()
    assert "Notification e-mails to 1 users not sent" in caplog.text
    assert "boris@example.org" not in caplog.text


def test_the_email_is_a_job_of_the_action_that_holds_only_user_ids(settings, inbox, active_case, ana, boris):
    """On the real queue: enqueued in the action's transaction, sent only when a worker runs it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    boris.email = "boris@example.org"
    boris.save()
    task_add(actor=ana, case=active_case, title="Sign the plan", due_on=date(2026, 3, 1), assignee=boris)
    [queued] = DBTaskResult.objects.filter(task_path="pristan.notifications.tasks.notification_emails_run")
    assert queued.args_kwargs == {"args": [], "kwargs": {"user_ids": [boris.pk]}}  # no address, no case
    assert inbox.messages == []  # nothing leaves in the request
    notification_emails_run.call(**queued.args_kwargs["kwargs"])  # what the worker does with it
    [message] = inbox.messages
    assert message["To"] == "boris@example.org"


def test_no_mail_server_no_email(settings, active_case, ana, boris, django_capture_on_commit_callbacks, mailoutbox):
    settings.EMAIL_HOST = ""
    boris.email = "boris@example.org"
    boris.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        task_add(actor=ana, case=active_case, title="Sign the plan", due_on=date(2026, 3, 1), assignee=boris)
    assert mailoutbox == []
    assert [callback for callback in callbacks if not is_witness(callback)] == []  # the audit chain's witness aside
