"""Need to know: a user sees only the cases of offices where they hold a membership."""

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from pristan.assistance.services import service_add
from pristan.cases.models import Case
from pristan.cases.selectors import CaseFilters, case_search
from pristan.cases.services import consent_override, consent_record, note_add, task_add
from pristan.core import access
from pristan.core.models import Office, Role
from pristan.core.services import membership_grant
from pristan.core.tests.test_matrix import MATRIX
from pristan.referrals.services import referral_send

PUBLIC = {"login", "set_language"}


def _case_url_names() -> list[str]:
    """Every named URL that takes a case reference, read from the URL configuration itself."""
    names = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif (
                isinstance(pattern, URLPattern)
                and pattern.name
                and "<str:reference>" in prefix + str(pattern.pattern)
                and not pattern.pattern.converters  # the case's reference only (an attachment's routes: attachments/tests)
                and not pattern.name.startswith("api_")  # the API answers 401, not a sign-in page: pristan/api/tests
            ):
                names.append(pattern.name)

    walk(get_resolver().url_patterns)
    return names


def _all_urls(case: Case, task_id: int, service_id: int) -> list[str]:
    return [url for _name, url in _named_urls(case, task_id, service_id)]


def _named_urls(case: Case, task_id: int, service_id: int) -> list[tuple[str, str]]:
    urls = [(name, reverse(name, args=[case.reference])) for name in _case_url_names()]
    urls += [
        ("task_done", reverse("task_done", args=[task_id])),
        ("service_status", reverse("service_status", args=[service_id])),
    ]
    return urls


def _never_served(name: str, method: str) -> bool:
    """Whether the authorization matrix says nobody signed in is served this method on the route
    (a page that only reads refuses a POST before it looks anything up, so 405 tells nothing)."""
    expected = MATRIX[name][method]
    return all(outcome == "method" for persona, outcome in expected.items() if persona != "anonymous")


def _refusal(name: str, method: str) -> int:
    return 405 if _never_served(name, method) else 404


@pytest.fixture
def objects(active_case, ana):
    task = task_add(actor=ana, case=active_case, title="Visit", due_on=date(2026, 1, 1))
    service = service_add(actor=ana, case=active_case, data={"kind": "medical"})
    note_add(actor=ana, case=active_case, text="Met at the shelter")
    return active_case, task, service


def test_the_walk_covers_every_case_section():
    assert {"case_summary", "case_consent", "case_screening", "case_experience", "case_assistance", "case_notes",
            "case_history", "stage_change", "note_create", "service_create"} <= set(_case_url_names())  # fmt: skip


def test_every_page_requires_sign_in(client, objects):
    case, task, service = objects
    for url in [*_all_urls(case, task.pk, service.pk), reverse("my_cases"), reverse("case_list"), reverse("register")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_another_office_gets_404_for_every_object(objects, marko, client_of):
    case, task, service = objects
    client = client_of(marko)
    for name, url in _named_urls(case, task.pk, service.pk):
        assert client.get(url).status_code == _refusal(name, "get"), url
        assert client.post(url, {"text": "x", "status": "delivered", "stage": "closed"}).status_code == _refusal(name, "post"), (
            url
        )
    case.refresh_from_db()
    assert case.notes.count() == 1
    assert case.stage == "assistance"


@pytest.mark.parametrize("role", [Role.OFFICE_ADMIN, Role.AUDITOR, Role.ANALYST, Role.SYSTEM_ADMIN])
def test_roles_without_case_content_see_no_case(objects, sofia, role, django_user_model, client_of):
    case, task, service = objects
    user = django_user_model.objects.create_user(f"u-{role}")
    membership_grant(actor=None, user=user, office=sofia, role=role, scope="office", child_clearance=True)
    client = client_of(user)
    for name, url in _named_urls(case, task.pk, service.pk):
        assert client.get(url).status_code == _refusal(name, "get"), url
        assert client.post(url, {"text": "x"}).status_code == _refusal(name, "post"), url
    assert access.cases_for(user).count() == 0
    assert case.reference not in client.get(reverse("case_list")).content.decode()


def _person_of_role(django_user_model: type[User], office: Office, role: str, **grant: Any) -> User:
    user = django_user_model.objects.create_user(f"u-{role}-{django_user_model.objects.count()}")
    membership_grant(actor=None, user=user, office=office, role=role, **grant)
    return user


def test_a_focal_point_reads_consent_and_history_only(objects, sofia, django_user_model, client_of):
    case, _task, _service = objects
    client = client_of(_person_of_role(django_user_model, sofia, Role.FOCAL_POINT, child_clearance=True))
    for name in ("case_summary", "case_consent", "case_history"):
        assert client.get(reverse(name, args=[case.reference])).status_code == 200, name
    for name in ("case_screening", "case_experience", "case_assistance", "case_notes"):
        assert client.get(reverse(name, args=[case.reference])).status_code == 403, name
    response = client.post(reverse("note_create", args=[case.reference]), {"text": "x"})
    assert response.status_code == 403
    assert "does not include this part of the case" in response.content.decode()
    assert client.post(reverse("case_consent", args=[case.reference]), {"purpose": "referral", "given": "yes"}).status_code == 403


def test_sensitive_sections_stay_hidden_from_a_movement_officer(objects, ana, sofia, django_user_model, client_of):
    case, _task, medical = objects
    service_add(actor=ana, case=case, data={"kind": "accommodation"})
    client = client_of(_person_of_role(django_user_model, sofia, Role.MOVEMENT_OFFICER, child_clearance=True))
    page = client.get(reverse("case_assistance", args=[case.reference]))
    assert page.status_code == 200
    kinds = {service.kind for service in page.context["services"]}
    assert kinds == {"accommodation"}  # the medical service belongs to the health section
    assert "medical" not in dict(page.context["service_form"].fields["kind"].choices)
    assert client.get(reverse("case_screening", args=[case.reference])).status_code == 403
    assert client.post(reverse("service_status", args=[medical.pk]), {"status": "delivered"}).status_code == 404
    medical.refresh_from_db()
    assert medical.status == "planned"


def test_a_caseworker_sees_own_and_assigned_cases_only(case, ana, boris, sofia, django_user_model, client_of):
    colleague = _person_of_role(django_user_model, sofia, Role.CASEWORKER, child_clearance=True)
    url = reverse("case_summary", args=[case.reference])
    assert client_of(colleague).get(url).status_code == 404
    assert access.cases_for(colleague).count() == 0
    task_add(actor=boris, case=case, title="Cover the visit", due_on=date(2026, 1, 1), assignee=colleague)
    assert client_of(colleague).get(url).status_code == 200
    assert access.cases_for(colleague).count() == 1


def test_a_childs_case_does_not_exist_without_clearance(open_case, nina, ana, client_of):
    child = open_case(given_name="Ема", born=date.today().replace(year=date.today().year - 12))
    adult = open_case(given_name="Мила")
    assert set(access.cases_for(nina)) == {adult}
    assert case_search(user=nina, filters=CaseFilters(query="Ema")).count() == 0
    assert case_search(user=nina, filters=CaseFilters(minors=True)).count() == 0
    assert client_of(nina).get(reverse("case_summary", args=[child.reference])).status_code == 404
    assert child.reference not in client_of(nina).get(reverse("case_list")).content.decode()
    assert set(access.cases_for(ana)) == {child, adult}


def test_a_minor_at_exploitation_is_protected_too(case, nina, ana):
    from pristan.experience.services import experience_update

    assert case in access.cases_for(nina)
    experience_update(actor=ana, case=case, data={"age_when_trafficked": 15})
    assert case not in access.cases_for(nina)


def test_a_partner_sees_a_referred_case_only_while_consent_holds(objects, ana, boris, partner, partner_user, client_of):
    case, _task, _service = objects
    summary = reverse("case_summary", args=[case.reference])
    consent_override(actor=boris, case=case, purpose="referral", reason="Referred in an emergency, consent to follow.")
    referral_send(actor=ana, case=case, organisation=partner, reason="AdditionalServicesRequired")
    assert client_of(partner_user).get(summary).status_code == 404  # an override lets the referral go, not the partner in
    consent_record(actor=ana, case=case, purpose="referral", given=True)
    client = client_of(partner_user)
    assert client.get(summary).status_code == 200
    assert client.get(reverse("case_assistance", args=[case.reference])).status_code == 200
    for name in ("case_screening", "case_experience", "case_notes", "case_history"):
        assert client.get(reverse(name, args=[case.reference])).status_code == 403, name
    assert client.post(reverse("note_create", args=[case.reference]), {"text": "x"}).status_code == 403
    consent_record(actor=ana, case=case, purpose="referral", given=False)
    client = client_of(partner_user)
    assert client.get(summary).status_code == 404  # withdrawing consent cuts access at once
    assert access.cases_for(partner_user).count() == 0


def test_lists_search_and_counts_never_leak(objects, marko, ana, client_of):
    case, _task, _service = objects
    assert case_search(user=marko, filters=CaseFilters()).count() == 0
    assert case_search(user=marko, filters=CaseFilters(query="Ivan")).count() == 0
    assert case_search(user=ana, filters=CaseFilters(query="Ivan")).count() == 1
    assert access.persons_for(marko).count() == 0
    for body in (
        client_of(marko).post(reverse("case_list"), {"q": "Ivan"}).content.decode(),
        client_of(marko).get(reverse("case_list")).content.decode(),
        client_of(marko).get(reverse("my_cases")).content.decode(),
    ):
        assert case.reference not in body
        assert "Петров" not in body
    assert case.reference in client_of(ana).post(reverse("case_list"), {"q": "Petrov"}).content.decode()


def test_a_user_without_membership_sees_nothing(objects, django_user_model, client_of):
    loner = django_user_model.objects.create_user("loner", password="x" * 12)
    assert access.cases_for(loner).count() == 0
    assert client_of(loner).get(reverse("case_summary", args=[objects[0].reference])).status_code == 404


def test_an_inactive_user_loses_access(objects, ana):
    ana.is_active = False
    assert access.cases_for(ana).count() == 0


def test_global_and_regional_scopes_reach_beyond_the_office(open_case, sofia, skopje, organisation, django_user_model):
    from pristan.core.models import Office

    sofia_case = open_case()
    zagreb = Office.objects.create(organisation=organisation, code="ZAG", name="Zagreb", country="HR")
    everywhere = _person_of_role(django_user_model, skopje, Role.SUPERVISOR, scope="global", child_clearance=True)
    assert list(access.cases_for(everywhere)) == [sofia_case]
    regional = _person_of_role(django_user_model, zagreb, Role.SUPERVISOR, scope="region", region_offices=[sofia])
    assert list(access.cases_for(regional)) == [sofia_case]
    elsewhere = _person_of_role(django_user_model, zagreb, Role.SUPERVISOR, scope="region", region_offices=[skopje])
    assert list(access.cases_for(elsewhere)) == []
