"""Confirming identity again before an export: the password and a second-step code, counted and
locked like signing in, audited, and holding for PRISTAN_REAUTH_SECONDS."""

import time

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from conftest import PASSWORD, authenticator_of, current_code, wrong_code
from pristan.accounts import services
from pristan.accounts.models import LoginAttempt
from pristan.accounts.sessions import SessionStore
from pristan.core.models import AuditEntry

CONFIRM = reverse("reauthenticate")
NEXT = "/exports/new/"
WRONG = "The password or the code is not right."
LOCKED = "Too many failed attempts to sign in"


def _confirm(client: Client, password: str, code: str, next_url: str = NEXT):
    return client.post(CONFIRM, {"password": password, "code": code, "next": next_url})


def _confirmed(client: Client) -> bool:
    request = RequestFactory().get("/")
    request.session = client.session
    return services.recently_reauthenticated(request)


def _failures(user) -> list[str]:
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN_FAILED, object_id=str(user.pk))
    return list(entries.order_by("sequence").values_list("detail", flat=True))


def test_the_page_asks_for_the_password_and_a_code(ana, client_of):
    body = client_of(ana).get(f"{CONFIRM}?next={NEXT}").content.decode()
    assert 'name="password"' in body
    assert 'autocomplete="current-password"' in body
    assert 'name="code"' in body
    assert f'name="next" value="{NEXT}"' in body


def test_the_password_and_a_current_code_confirm_identity_and_are_audited(ana, client_of):
    client = client_of(ana)
    before = client.session.session_key
    assert not _confirmed(client)
    response = _confirm(client, PASSWORD, current_code(authenticator_of(ana)))
    assert response.status_code == 302
    assert response.url == NEXT
    assert _confirmed(client)
    assert client.session.session_key != before  # the session gained a privilege: a new key
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN, actor=ana).latest("sequence")
    assert entry.detail == "re-authenticated: password and authenticator app"
    assert entry.ip == "127.0.0.1"


def test_a_recovery_code_works_once(ana, client_of):
    device = StaticDevice.objects.create(user=ana, name="Recovery codes")
    StaticToken.objects.create(device=device, token=services.recovery_digest("abcdefghijklmnopqrstuvwx"))
    assert _confirm(client_of(ana), PASSWORD, "abcd-efgh-ijkl-mnop-qrst-uvwx").status_code == 302
    assert _confirm(client_of(ana), PASSWORD, "abcd-efgh-ijkl-mnop-qrst-uvwx").status_code == 422
    details = AuditEntry.objects.filter(actor=ana, action=AuditEntry.Action.SIGN_IN).values_list("detail", flat=True)
    assert "re-authenticated: password and recovery code" in details


def test_confirmation_expires(ana, settings):
    request = RequestFactory().get("/")
    request.session = SessionStore()
    assert not services.recently_reauthenticated(request)
    stamp = time.time()
    request.session[services.REAUTHENTICATED_AT] = stamp
    assert services.recently_reauthenticated(request, now=stamp + 300)
    assert not services.recently_reauthenticated(request, now=stamp + 301)
    assert not services.recently_reauthenticated(request, now=stamp - 60)  # a stamp from the future is not trusted
    settings.PRISTAN_REAUTH_SECONDS = 60
    assert not services.recently_reauthenticated(request, now=stamp + 61)


def test_a_wrong_password_is_refused_counted_and_audited(ana, client_of):
    client = client_of(ana)
    response = _confirm(client, "not my password", current_code(authenticator_of(ana)))
    assert response.status_code == 422
    body = response.content.decode()
    assert WRONG in body
    assert "not my password" not in body
    assert not _confirmed(client)
    assert _failures(ana) == ["re-authentication: wrong password"]
    assert LoginAttempt.objects.filter(username="ana", succeeded=False, refused=False).count() == 1


def test_a_wrong_code_is_refused_counted_and_audited(ana, client_of):
    device = authenticator_of(ana)
    client = client_of(ana)
    response = _confirm(client, PASSWORD, wrong_code(device))
    assert response.status_code == 422
    assert WRONG in response.content.decode()  # the same message: which one was wrong is not said
    assert not _confirmed(client)
    assert _failures(ana) == ["re-authentication: wrong code"]
    assert LoginAttempt.objects.filter(username="ana", succeeded=False).count() == 1


def test_empty_answers_are_asked_for_again_without_counting(ana, client_of):
    response = _confirm(client_of(ana), "", "")
    assert response.status_code == 422
    assert not LoginAttempt.objects.exists()


def test_failures_lock_like_sign_in_and_even_right_answers_are_then_refused(ana, client_of):
    device = authenticator_of(ana)
    client = client_of(ana)
    for _ in range(services.PAIR_FAILURES - 1):
        assert WRONG in _confirm(client, "not my password", "000000").content.decode()
    assert LOCKED in _confirm(client, "not my password", "000000").content.decode()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOCKED_OUT, object_id=str(ana.pk)).count() == 1
    assert LOCKED in _confirm(client, PASSWORD, current_code(device)).content.decode()
    assert not _confirmed(client)
    assert _failures(ana)[-1] == "refused: locked"
    # the lock is the sign-in page's own: signing in from this address is locked too
    signin = Client().post(reverse("login"), {"username": "ana", "password": PASSWORD})
    assert LOCKED in signin.content.decode()


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/"])
def test_next_must_stay_on_the_site(ana, client_of, next_url):
    response = _confirm(client_of(ana), PASSWORD, current_code(authenticator_of(ana)), next_url=next_url)
    assert response["Location"] == reverse("home")


def test_only_signed_in_users_reach_the_page():
    assert Client().get(CONFIRM)["Location"].startswith(reverse("login"))
