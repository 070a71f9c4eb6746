"""Sessions: an absolute lifetime, sign-out everywhere, and deactivation ends every session."""

import time

from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from conftest import sign_in_verified
from pristan.accounts.models import UserSession
from pristan.accounts.services import SIGNED_IN_AT
from pristan.accounts.sessions import stored_session_key
from pristan.core.models import AuditEntry

MY_CASES = "/cases/mine/"


def test_sign_in_stamps_the_session_and_records_it(ana, client_of):
    client = client_of(ana)
    assert abs(client.session[SIGNED_IN_AT] - time.time()) < 60
    assert UserSession.objects.filter(user=ana, session_key=stored_session_key(client.session.session_key)).exists()


def test_a_session_ends_at_its_absolute_lifetime_however_active(ana, client_of, settings):
    client = client_of(ana)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.PRISTAN_SESSION_MAX_SECONDS + 60
    session.save()
    assert client.get(MY_CASES).status_code == 200  # still within twelve hours

    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.PRISTAN_SESSION_MAX_SECONDS - 1
    session.save()
    response = client.get(MY_CASES)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    page = client.get(response.url)
    assert "you are signed out after a long session" in page.content.decode()
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_OUT).get()
    assert (entry.actor, entry.detail) == (ana, "session reached its maximum lifetime")


def test_a_session_without_a_stamp_is_ended(ana, client_of):
    client = client_of(ana)
    session = client.session
    del session[SIGNED_IN_AT]
    session.save()
    assert client.get(MY_CASES).status_code == 302


def test_signing_out_ends_every_session_of_the_user(ana, boris, client_of):
    office, home, colleague = client_of(ana), client_of(ana), client_of(boris)
    assert home.get(MY_CASES).status_code == 200
    response = office.post(reverse("logout"), follow=True)
    assert "You are signed out, on this device and on any other." in response.content.decode()
    assert office.get(MY_CASES).status_code == 302
    assert home.get(MY_CASES).status_code == 302  # the other browser is signed out too
    assert colleague.get(MY_CASES).status_code == 200  # nobody else is
    assert not UserSession.objects.filter(user=ana).exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_OUT)
    assert (entry.actor, entry.object_id, entry.ip) == (ana, str(ana.pk), "127.0.0.1")


def test_deactivating_a_user_ends_all_their_sessions(ana, client_of):
    clients = [client_of(ana), client_of(ana)]
    keys = [stored_session_key(client.session.session_key) for client in clients]
    assert Session.objects.filter(session_key__in=keys).count() == 2
    ana.is_active = False
    ana.save()
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=ana).exists()
    for client in clients:
        assert client.get(MY_CASES).status_code == 302


def test_sessions_that_ended_are_forgotten_at_the_next_sign_in(ana):
    first = sign_in_verified(Client(), ana)
    Session.objects.filter(session_key=stored_session_key(str(first.session.session_key))).delete()  # e.g. expired and cleared
    second = sign_in_verified(Client(), ana)
    assert list(UserSession.objects.filter(user=ana).values_list("session_key", flat=True)) == [
        stored_session_key(str(second.session.session_key))
    ]
