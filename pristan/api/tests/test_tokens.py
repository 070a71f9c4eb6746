"""Personal access tokens: shown once, kept as a digest, expiring, revocable, scoped, audited."""

import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pristan.accounts.services import REAUTHENTICATED_AT
from pristan.api.models import AccessToken
from pristan.api.tokens import digest_of, token_create, token_revoke
from pristan.core.models import AuditEntry

CASES = "/api/v1/cases/"


def _bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_it_works(ana, case, token_of):
    response = _bearer(token_of(ana)).get(CASES)
    assert response.status_code == 200
    assert [row["reference"] for row in response.json()["results"]] == [case.reference]


def test_the_secret_is_stored_only_as_a_digest(ana, token_of):
    secret = token_of(ana)
    token = AccessToken.objects.get()
    assert secret.startswith(f"pristan_{token.prefix}_")
    assert token.digest == digest_of(secret) != secret
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_accesstoken")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert secret not in row
    # The random part may itself hold "_" (URL-safe base64): cut the known head off, do not split.
    assert secret.removeprefix(f"pristan_{token.prefix}_") not in row


def test_without_credentials_the_api_answers_401_not_a_sign_in_page(case):
    response = Client().get(CASES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {"errors": {"detail": ["Sign in, or send a personal access token in the Authorization header."]}}


@pytest.mark.parametrize("reason", ["expired", "revoked", "user deactivated", "wrong secret"])
def test_a_dead_token_is_refused_and_the_refusal_audited(ana, case, token_of, reason):
    secret = token_of(ana)
    token = AccessToken.objects.get()
    if reason == "expired":
        AccessToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif reason == "revoked":
        token_revoke(actor=ana, token=token)
    elif reason == "user deactivated":
        ana.is_active = False
        ana.save()
    else:
        secret = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    before = AuditEntry.objects.count()
    response = _bearer(secret).get(CASES)
    assert response.status_code == 401
    assert AuditEntry.objects.count() == before + 1  # the refusal, once; no use
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.DENIED).latest("sequence")
    assert entry.object_type == "api.accesstoken"
    assert entry.object_id == str(token.pk)
    assert f"API token {token.prefix} refused ({reason})" in entry.detail
    assert secret not in entry.detail


def test_an_unknown_token_is_refused_and_audited(case):
    response = _bearer("pristan_aaaaaaaaaaaa_" + "x" * 43).get(CASES)
    assert response.status_code == 401
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.DENIED).latest("sequence")
    assert "refused (unknown)" in entry.detail
    assert "xxxx" not in entry.detail


def test_every_use_is_one_audit_entry_with_the_prefix_never_the_secret(ana, case, token_of):
    secret = token_of(ana)
    token = AccessToken.objects.get()
    before = AuditEntry.objects.count()
    assert _bearer(secret).get(CASES + "?stage=assistance").status_code == 200
    entries = list(AuditEntry.objects.order_by("sequence")[before:])
    assert len(entries) == 1
    assert entries[0].actor == ana
    assert entries[0].object_id == str(token.pk)
    assert entries[0].detail == f"API token {token.prefix}: GET {CASES}"  # no query string, no secret
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_read_only_token_cannot_change_anything(ana, active_case, token_of):
    client = _bearer(token_of(ana, writes=False))
    url = f"{CASES}{active_case.reference}/consents/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"purpose": "research", "given": True}, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"errors": {"detail": ["This access token does not allow changing consent."]}}
    search = client.post(f"{CASES}search/", {"q": "Ivan"}, content_type="application/json")
    assert search.status_code == 200  # a search only reads


def test_a_token_reaches_only_its_resources(ana, active_case, token_of):
    client = _bearer(token_of(ana, resources=["cases"]))
    assert client.get(f"{CASES}{active_case.reference}/").status_code == 200
    response = client.get(f"{CASES}{active_case.reference}/screenings/")
    assert response.status_code == 403
    assert response.json()["errors"]["detail"] == ["This access token does not allow reading screening."]
    assert client.get("/api/v1/persons/").status_code == 403


def test_a_token_lasts_at_most_90_days(ana):
    with pytest.raises(ValidationError) as refused:
        token_create(actor=ana, name="x", reads=True, writes=False, resources=["cases"],
                     expires_on=timezone.localdate() + timedelta(days=91))  # fmt: skip
    assert "expires_on" in refused.value.message_dict
    with pytest.raises(ValidationError):
        token_create(actor=ana, name="x", reads=True, writes=False, resources=["cases"], expires_on=timezone.localdate())


def test_a_session_must_have_passed_the_second_step(ana, case):
    client = Client()
    client.force_login(ana)  # password only
    assert client.get(CASES).status_code != 200


def test_a_session_posts_only_with_its_csrf_token(ana, active_case, client_of):
    client = client_of(ana)
    client.handler.enforce_csrf_checks = True
    url = f"{CASES}{active_case.reference}/consents/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"purpose": "research", "given": True}, content_type="application/json").status_code == 403


# --- the token page -----------------------------------------------------------------------------


def test_creating_a_token_asks_who_you_are_first(ana, client_of):
    response = client_of(ana).get(reverse("api_token_create"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('reauthenticate')}?next=%2Faccounts%2Fapi-tokens%2Fnew%2F"


def _confirmed(client: Client) -> Client:
    session = client.session
    session[REAUTHENTICATED_AT] = time.time()
    session.save()
    return client


def test_the_token_is_shown_once_then_only_its_prefix(ana, client_of):
    client = _confirmed(client_of(ana))
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    data = {"name": "Shelter intake", "reads": "on", "resources": ["cases", "persons"], "expires_on": expires}
    response = client.post(reverse("api_token_create"), data)
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = AccessToken.objects.get()
    assert (token.name, token.reads, token.writes, token.resources) == ("Shelter intake", True, False, ["cases", "persons"])
    listing = client.get(reverse("api_tokens")).content.decode()
    assert token.prefix in listing
    assert secret not in listing
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CREATE, object_type="api.accesstoken").exists()


def test_a_token_form_with_errors_says_which(ana, client_of):
    client = _confirmed(client_of(ana))
    response = client.post(reverse("api_token_create"), {"name": "x", "resources": ["cases"], "expires_on": "2020-01-01"})
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"writes", "expires_on"}
    assert not AccessToken.objects.exists()


def test_users_revoke_their_own_tokens_only(ana, boris, client_of, token_of):
    token_of(ana)
    token = AccessToken.objects.get()
    assert client_of(boris).post(reverse("api_token_revoke"), {"token": token.pk}).status_code == 404
    assert client_of(ana).post(reverse("api_token_revoke"), {"token": token.pk}).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
