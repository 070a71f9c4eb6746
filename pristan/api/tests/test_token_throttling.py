"""Wrong tokens are throttled by address and by prefix, as passwords are, and counted rather than
audited one by one: a flood of guesses fills neither the audit trail nor a table."""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from pristan.accounts.models import SignInLock
from pristan.accounts.services import ADDRESS_BLOCK, ADDRESS_FAILURES, PAIR_FAILURES, PAIR_LOCK
from pristan.api import tokens
from pristan.api.models import AccessToken, TokenRefusal
from pristan.core.models import AuditEntry

CASES = "/api/v1/cases/"
ATTACKER, OFFICE = "203.0.113.7", "198.51.100.20"


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moment = Clock()
    monkeypatch.setattr(tokens, "clock", moment)
    return moment


def _get(secret: str, ip: str, **headers: str):
    return Client(headers={"Authorization": f"Bearer {secret}", **headers}, REMOTE_ADDR=ip).get(CASES)


def _guess(number: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz234567"
    prefix = "".join(letters[(number >> (5 * place)) % 32] for place in range(12))
    return f"pristan_{prefix}_{'x' * 43}"


def test_a_thousand_wrong_tokens_write_a_bounded_number_of_rows(ana, case, token_of, clock):
    right = token_of(ana)
    audit_before, locks_before = AuditEntry.objects.count(), SignInLock.objects.count()
    statuses = [_get(_guess(number), ATTACKER).status_code for number in range(1000)]
    assert statuses[:ADDRESS_FAILURES] == [401] * ADDRESS_FAILURES
    assert set(statuses[ADDRESS_FAILURES:]) == {429}
    entries = AuditEntry.objects.order_by("sequence")[audit_before:]
    assert [entry.action for entry in entries] == [AuditEntry.Action.DENIED, AuditEntry.Action.LOCKED_OUT]
    assert f"{ADDRESS_FAILURES} refused API tokens from {ATTACKER}" in entries[1].detail
    assert TokenRefusal.objects.count() == 1
    assert TokenRefusal.objects.get().refused == 1000 - ADDRESS_FAILURES  # counted, not audited
    assert SignInLock.objects.count() == locks_before + 1

    # Even the right token is refused from that address until the lock ends; from another it works.
    refused = _get(right, ATTACKER, **{"Accept-Language": "en"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(int(ADDRESS_BLOCK.total_seconds()))
    assert refused.json() == {
        "errors": {"detail": ["Too many refused access tokens were sent from this address. Try again in 15 minutes."]}
    }
    assert _get(right, OFFICE).status_code == 200
    clock.now += ADDRESS_BLOCK - timedelta(minutes=5)
    assert _get(right, ATTACKER)["Retry-After"] == str(5 * 60)
    clock.now += timedelta(minutes=5)
    assert _get(right, ATTACKER).status_code == 200
    # The next burst's first entry carries the count of those refused unchecked while locked.
    assert _get(_guess(0), ATTACKER).status_code == 401
    latest = AuditEntry.objects.filter(action=AuditEntry.Action.DENIED).latest("sequence")
    assert latest.detail.endswith(f"; {1000 - ADDRESS_FAILURES} more refused unchecked while locked before")


def test_a_known_prefix_is_locked_from_one_address_not_everywhere(ana, case, token_of, clock):
    right = token_of(ana)
    wrong = right[:-4] + ("AAAA" if not right.endswith("AAAA") else "BBBB")
    prefix = AccessToken.objects.get().prefix
    audit_before = AuditEntry.objects.count()
    assert [_get(wrong, OFFICE).status_code for _ in range(PAIR_FAILURES)] == [401] * PAIR_FAILURES
    assert _get(right, OFFICE).status_code == 429  # that prefix, from that address
    assert _get(right, ATTACKER).status_code == 200  # the same token from elsewhere
    assert _get(_guess(1), OFFICE).status_code == 401  # other tokens from that address are still checked
    entries = list(AuditEntry.objects.order_by("sequence")[audit_before:].values_list("action", "detail"))
    assert entries[0] == (AuditEntry.Action.DENIED, f"API token {prefix} refused (wrong secret): GET {CASES}")
    assert entries[1][0] == AuditEntry.Action.LOCKED_OUT
    assert f"{PAIR_FAILURES} refusals of API token {prefix} from {OFFICE}" in entries[1][1]
    clock.now += PAIR_LOCK
    assert _get(right, OFFICE).status_code == 200


def test_refusals_are_audited_once_per_window(ana, case, clock):
    before = AuditEntry.objects.filter(action=AuditEntry.Action.DENIED).count()
    for number in range(3):
        assert _get(_guess(number), ATTACKER).status_code == 401
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DENIED).count() == before + 1
    assert TokenRefusal.objects.get(network=ATTACKER, prefix="?").failures == 3
    clock.now += timedelta(minutes=16)
    assert _get(_guess(4), ATTACKER).status_code == 401
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DENIED).count() == before + 2
    assert TokenRefusal.objects.get(network=ATTACKER, prefix="?").failures == 1
