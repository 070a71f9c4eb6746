"""Throttling and lock-out, which must never lock the whole office out."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from pristan.accounts import services
from pristan.accounts.models import LoginAttempt, SignInLock
from pristan.core.http import client_ip
from pristan.core.models import AuditEntry

LOCKED = "Too many failed attempts to sign in"
WRONG = "Please enter a correct username and password"


def _attempt(username: str, password: str, ip: str = "203.0.113.10") -> tuple[int, str]:
    response = Client(REMOTE_ADDR=ip).post(reverse("login"), {"username": username, "password": password})
    return response.status_code, response.content.decode()


def test_five_failures_lock_the_username_from_that_address_only(ana):
    for _ in range(4):
        assert WRONG in _attempt("ana", "wrong password")[1]
    status, body = _attempt("ana", "wrong password")
    assert LOCKED in body  # the fifth failure locks
    status, body = _attempt("ana", PASSWORD)
    assert status == 200
    assert LOCKED in body  # even the right password is refused while locked, without being checked
    assert LoginAttempt.objects.filter(username="ana", refused=True).count() == 1

    status, _body = _attempt("ana", PASSWORD, ip="198.51.100.7")  # the office, or home: not locked out
    assert status == 302
    assert LoginAttempt.objects.filter(username="ana", ip="198.51.100.7", succeeded=True).exists()


def test_the_lock_is_counted_on_the_normalised_username(ana):
    for name in ("ana", "Ana", " ANA", "ana ", "ＡＮＡ"):
        _attempt(name, "wrong password")
    assert LOCKED in _attempt("ana", PASSWORD)[1]


def test_an_unknown_username_gets_the_same_messages(ana):
    for _ in range(4):
        assert WRONG in _attempt("nobody", "wrong password")[1]
    assert LOCKED in _attempt("nobody", "wrong password")[1]
    assert LOCKED in _attempt("nobody", "wrong password")[1]
    locked_out = AuditEntry.objects.get(action=AuditEntry.Action.LOCKED_OUT)
    assert locked_out.object_type == "accounts.loginattempt"  # the trail names no user for an unknown name
    assert locked_out.actor is None


def test_the_lock_ends_after_fifteen_minutes_and_a_success_clears_the_count(ana):
    start = timezone.now() - timedelta(hours=1)
    for minute in range(5):
        services.record_failure(username="ana", ip="203.0.113.10", user=ana, now=start + timedelta(minutes=minute))
    locked_at = start + timedelta(minutes=4)
    assert services.sign_in_gate(username="ana", ip="203.0.113.10", now=locked_at + timedelta(minutes=14)).refused
    after = locked_at + timedelta(minutes=16)
    assert not services.sign_in_gate(username="ana", ip="203.0.113.10", now=after).refused
    # The failures before the lock no longer count: one more failure does not lock again.
    assert not services.record_failure(username="ana", ip="203.0.113.10", user=ana, now=after)

    for second in range(4):
        services.record_failure(username="ana", ip="198.51.100.1", user=ana, now=after + timedelta(seconds=second))
    with transaction.atomic():
        services.record_success(user=ana, ip="198.51.100.1", now=after + timedelta(seconds=10))
    assert not services.record_failure(username="ana", ip="198.51.100.1", user=ana, now=after + timedelta(seconds=11))


def test_an_address_with_many_failures_across_accounts_is_blocked(ana, boris):
    for index in range(services.ADDRESS_FAILURES - 1):  # 3 failures per name: no name is locked
        services.record_failure(username=f"guess{index % 10}", ip="192.0.2.66", user=None)
    assert not SignInLock.objects.exists()
    assert LOCKED in _attempt("guess9", "wrong password", ip="192.0.2.66")[1]  # the thirtieth
    assert SignInLock.objects.filter(username="", network="192.0.2.66").exists()
    assert LOCKED in _attempt("boris", PASSWORD, ip="192.0.2.66")[1]  # a sprayer's address is blocked for everyone
    assert _attempt("boris", PASSWORD, ip="192.0.2.67")[0] == 302  # but only that address
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOCKED_OUT, detail__contains="address blocked").exists()


def test_many_addresses_slow_a_username_down_but_never_lock_it(ana, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(services, "sleep", waits.append)
    for index in range(services.ACCOUNT_SLOWDOWN_AFTER + 3):
        services.record_failure(username="ana", ip=f"10.0.{index}.1", user=ana)
    gate = services.sign_in_gate(username="ana", ip="10.9.9.9")
    assert not gate.refused
    assert gate.delay == 3
    assert _attempt("ana", PASSWORD, ip="10.9.9.9")[0] == 302  # the real user still gets in, a little later
    assert waits == [3.0]
    for index in range(30):
        services.record_failure(username="ana", ip=f"10.1.{index}.1", user=ana)
    assert services.sign_in_gate(username="ana", ip="10.9.9.9").delay == services.MAX_DELAY_SECONDS


def test_sign_in_failure_and_lock_out_are_audited_with_the_address(ana):
    Client(REMOTE_ADDR="203.0.113.10").post(reverse("login"), {"username": "ana", "password": PASSWORD})
    for _ in range(5):
        _attempt("ana", "wrong password")
    entries = list(AuditEntry.objects.filter(object_type="auth.user", object_id=str(ana.pk)).order_by("sequence"))
    assert [entry.action for entry in entries] == ["sign_in"] + ["sign_in_failed"] * 5 + ["locked_out"]
    assert {entry.ip for entry in entries} == {"203.0.113.10"}
    assert entries[0].actor == ana
    assert entries[1].actor is None
    assert "wrong password" in entries[1].detail


def test_the_client_address_comes_from_trusted_proxies_only(settings):
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_ip(request) == "10.0.0.1"  # by default X-Forwarded-For is not believed
    settings.PRISTAN_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"  # what our proxy saw; the forged 6.6.6.6 is ignored
    settings.PRISTAN_TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "6.6.6.6"
    request = factory.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_ip(request) == "10.0.0.1"


@pytest.mark.parametrize(
    ("ip", "network"),
    [("203.0.113.9", "203.0.113.9"), ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"), ("::ffff:192.0.2.1", "192.0.2.1")],
)
def test_ipv6_addresses_are_counted_by_their_64_network(ip, network):
    assert services.network_of(ip) == network
