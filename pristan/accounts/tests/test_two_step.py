"""Two-step sign-in: every signed-in user passes a TOTP code or a recovery code before anything else."""

import re
from base64 import b32decode
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from conftest import PASSWORD, authenticator_of, current_code, wrong_code
from pristan.accounts import services
from pristan.accounts.models import WRONG_CODES_FORGIVEN, Authenticator, UserSession
from pristan.accounts.sessions import stored_session_key
from pristan.core.models import AuditEntry

MY_CASES = "/cases/mine/"


def _signed_in_with_password(user: User) -> Any:  # Any: redirects have .url
    client = Client()
    client.force_login(user)  # the password step only
    return client


def _recovery_codes(user: User, *codes: str) -> StaticDevice:
    device = StaticDevice.objects.create(user=user, name="Recovery codes")
    for code in codes:
        StaticToken.objects.create(device=device, token=services.recovery_digest(code))
    return device


def test_without_an_authenticator_the_user_is_sent_to_enrolment(ana):
    response = _signed_in_with_password(ana).get(MY_CASES)
    assert response.status_code == 302
    assert response.url == f"{reverse('mfa_enrol')}?next=/cases/mine/"


def test_with_an_authenticator_the_user_is_sent_to_verification(ana):
    authenticator_of(ana)
    client = _signed_in_with_password(ana)
    for url in (MY_CASES, reverse("case_list"), reverse("register"), reverse("mfa_recovery_codes")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("mfa_verify") + "?next="), url


def test_htmx_requests_are_redirected_as_a_whole_page(ana):
    response = _signed_in_with_password(ana).get(reverse("case_list"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("mfa_enrol"))


def test_only_the_second_step_sign_out_and_language_are_reachable_before_it(ana):
    authenticator_of(ana)
    client = _signed_in_with_password(ana)
    assert client.get(reverse("mfa_verify")).status_code == 200
    assert client.post(reverse("set_language"), {"language": "bs", "next": reverse("mfa_verify")}).status_code == 302
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(MY_CASES).url.startswith(reverse("login"))


def test_a_verified_user_passes(ana, client_of):
    response = client_of(ana).get(MY_CASES)
    assert response.status_code == 200


def test_the_password_step_leads_to_the_second_step(ana):
    authenticator_of(ana)
    response = Client().post(reverse("login") + "?next=/cases/", {"username": "ana", "password": PASSWORD, "next": "/cases/"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('mfa_verify')}?next=%2Fcases%2F"


def test_a_current_code_completes_sign_in_in_a_new_session(ana):
    device = authenticator_of(ana)
    client = _signed_in_with_password(ana)
    before = client.session.session_key
    response = client.post(reverse("mfa_verify"), {"code": current_code(device), "next": "/cases/"})
    assert response.status_code == 302
    assert response.url == "/cases/"
    assert client.get(MY_CASES).status_code == 200
    assert client.session.session_key != before  # a new session key once the second step is done
    assert UserSession.objects.filter(user=ana, session_key=stored_session_key(client.session.session_key)).exists()
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN, object_id=str(ana.pk)).latest("sequence")
    assert entry.detail == "second step: authenticator app"


def test_a_wrong_code_is_explained_beside_the_field(ana):
    code = wrong_code(authenticator_of(ana))
    client = _signed_in_with_password(ana)
    response = client.post(reverse("mfa_verify"), {"code": code})
    assert response.status_code == 422
    body = response.content.decode()
    field = re.search(r'<div class="field has-error">.*?id="id_code"></div>', body, re.S)
    assert field is not None
    assert "That code is not right" in field.group(0)
    assert 'aria-invalid="true"' in field.group(0)
    assert f'value="{code}"' not in field.group(0)  # a used code is not shown again
    assert client.get(MY_CASES).status_code == 302
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN_FAILED, detail="second step: wrong code").exists()


def test_a_code_cannot_be_used_twice(ana):
    device = authenticator_of(ana)
    code = current_code(device)
    assert _signed_in_with_password(ana).post(reverse("mfa_verify"), {"code": code}).status_code == 302
    assert _signed_in_with_password(ana).post(reverse("mfa_verify"), {"code": code}).status_code == 422


def test_a_wrong_code_followed_at_once_by_the_right_one_signs_in(ana):
    device = authenticator_of(ana)
    client = _signed_in_with_password(ana)
    assert client.post(reverse("mfa_verify"), {"code": wrong_code(device)}).status_code == 422
    right = current_code(device)
    response = client.post(reverse("mfa_verify"), {"code": right, "next": "/cases/"})
    assert response.status_code == 302
    assert response.url == "/cases/"
    assert client.get(MY_CASES).status_code == 200
    # the accepted code is spent: replaying it in another sign-in is refused
    replay = _signed_in_with_password(ana).post(reverse("mfa_verify"), {"code": right})
    assert replay.status_code == 422
    assert "That code is not right" in replay.content.decode()


def test_after_a_few_wrong_codes_even_the_right_one_must_wait(ana):
    device = authenticator_of(ana)
    client = _signed_in_with_password(ana)
    for _ in range(WRONG_CODES_FORGIVEN):
        response = client.post(reverse("mfa_verify"), {"code": wrong_code(device)})
        assert "That code is not right" in response.content.decode()
    response = client.post(reverse("mfa_verify"), {"code": current_code(device)})
    assert response.status_code == 422
    assert "Too many wrong codes" in response.content.decode()
    assert client.get(MY_CASES).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == WRONG_CODES_FORGIVEN  # a refusal unchecked is not counted again
    waited = timezone.now() - timedelta(seconds=2**WRONG_CODES_FORGIVEN)
    Authenticator.objects.filter(pk=device.pk).update(throttling_failure_timestamp=waited)
    assert client.post(reverse("mfa_verify"), {"code": current_code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_recovery_code_works_once(ana):
    authenticator_of(ana)
    _recovery_codes(ana, "abcdefghijklmnopqrstuvwx", "yz234567abcdefghijklmnop")
    first = _signed_in_with_password(ana)
    response = first.post(reverse("mfa_verify"), {"code": "ABCD-EFGH-IJKL-MNOP-QRST-UVWX"}, follow=True)  # in capitals
    assert response.redirect_chain[0][0] == reverse("home")  # each role's start page
    assert "You signed in with a recovery code; 1 is left." in response.content.decode()
    assert first.get(MY_CASES).status_code == 200

    second = _signed_in_with_password(ana)
    response = second.post(reverse("mfa_verify"), {"code": "abcd-efgh-ijkl-mnop-qrst-uvwx"})
    assert response.status_code == 422
    assert second.get(MY_CASES).status_code == 302
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN, object_id=str(ana.pk)).latest("sequence")
    assert entry.detail == "second step: recovery code"


def test_enrolment_shows_a_qr_code_and_the_key_then_the_recovery_codes_once(ana):
    client = _signed_in_with_password(ana)
    page = client.get(reverse("mfa_enrol") + "?next=/cases/")
    body = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'<svg width="200" height="200" role="img" aria-label="[^"]+"', body)
    shown = re.search(r'<code id="totp-secret"[^>]*>([A-Z2-7 ]+)</code>', body)
    assert shown is not None
    secret = shown.group(1)
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{4}", secret)
    key = b32decode(secret.replace(" ", ""))
    device = Authenticator.objects.get(user=ana)
    assert key == device.bin_key
    assert not device.confirmed
    assert client.get(reverse("mfa_enrol")).content.decode().count(secret) == 1  # a reload keeps the same key

    wrong = client.post(reverse("mfa_enrol"), {"code": wrong_code(device), "next": "/cases/"})
    assert wrong.status_code == 422
    assert "That code is not right" in wrong.content.decode()

    response = client.post(reverse("mfa_enrol"), {"code": f"{totp(key):06d}", "next": "/cases/"})
    assert response.status_code == 302
    assert response.url == f"{reverse('mfa_recovery_codes')}?next=%2Fcases%2F"
    codes_page = client.get(response.url)
    codes = re.findall(r"<li><code>([a-z2-7]{4}(?:-[a-z2-7]{4}){5})</code></li>", codes_page.content.decode())
    assert len(codes) == 10
    stored = set(StaticToken.objects.filter(device__user=ana).values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & {code.replace("-", "") for code in codes}  # only keyed digests are kept
    assert stored == {services.recovery_digest(code) for code in codes}
    assert client.get(reverse("mfa_recovery_codes") + "?next=/cases/").url == "/cases/"  # shown only once
    assert client.get(MY_CASES).status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action=AuditEntry.Action.MFA_ENROLLED, object_id=str(ana.pk)).count() == 1


def test_another_sessions_unconfirmed_key_is_never_reused(ana):
    first = _signed_in_with_password(ana)
    first.get(reverse("mfa_enrol"))
    key = Authenticator.objects.get(user=ana).bin_key
    _signed_in_with_password(ana).get(reverse("mfa_enrol"))
    assert Authenticator.objects.get(user=ana).bin_key != key


def test_an_authenticator_cannot_be_replaced_with_the_password_alone(ana):
    authenticator_of(ana)
    response = _signed_in_with_password(ana).get(reverse("mfa_enrol"))
    assert response.url.startswith(reverse("mfa_verify"))
    assert Authenticator.objects.filter(user=ana).count() == 1


def test_a_verified_user_may_set_up_a_new_authenticator(ana, client_of):
    client = client_of(ana)
    old = Authenticator.objects.get(user=ana)
    client.get(reverse("mfa_enrol"))
    new = Authenticator.objects.get(user=ana, confirmed=False)
    assert client.post(reverse("mfa_enrol"), {"code": current_code(new)}).status_code == 302
    assert list(Authenticator.objects.filter(user=ana)) == [new]
    assert not Authenticator.objects.filter(pk=old.pk).exists()


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/"])
def test_next_must_stay_on_the_site(ana, next_url):
    device = authenticator_of(ana)
    response = _signed_in_with_password(ana).post(reverse("mfa_verify"), {"code": current_code(device), "next": next_url})
    assert response.url == reverse("home")


def test_a_new_password_sign_in_needs_the_second_step_again(ana, client_of):
    client = client_of(ana)
    assert DEVICE_ID_SESSION_KEY in client.session
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "ana", "password": PASSWORD})
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(MY_CASES).status_code == 302
