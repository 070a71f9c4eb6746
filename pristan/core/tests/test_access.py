"""Need to know: a user sees only the cases of offices where they hold a membership."""

from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from pristan.assistance.services import service_add
from pristan.cases.models import Case
from pristan.cases.selectors import CaseFilters, case_search
from pristan.cases.services import note_add, task_add
from pristan.core import access

PUBLIC = {"login", "set_language"}


def _case_url_names() -> list[str]:
    """Every named URL that takes a case reference, read from the URL configuration itself."""
    names = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name and "<str:reference>" in prefix + str(pattern.pattern):
                names.append(pattern.name)

    walk(get_resolver().url_patterns)
    return names


def _all_urls(case: Case, task_id: int, service_id: int) -> list[str]:
    urls = [reverse(name, args=[case.reference]) for name in _case_url_names()]
    urls += [reverse("task_done", args=[task_id]), reverse("service_status", args=[service_id])]
    return urls


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
    for url in _all_urls(case, task.pk, service.pk):
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {"text": "x", "status": "delivered", "stage": "closed"}).status_code == 404, url
    case.refresh_from_db()
    assert case.notes.count() == 1
    assert case.stage == "assistance"


def test_an_office_administrator_may_read_but_not_write(objects, vera, client_of):
    case, task, service = objects
    client = client_of(vera)
    assert client.get(reverse("case_summary", args=[case.reference])).status_code == 200
    for url in _all_urls(case, task.pk, service.pk):
        if client.get(url).status_code == 405:  # a POST-only endpoint
            assert client.post(url, {"text": "x"}).status_code == 403, url
    response = client.post(reverse("note_create", args=[case.reference]), {"text": "x"})
    assert response.status_code == 403
    assert "lets you read this case, not change it" in response.content.decode()


def test_lists_search_and_counts_never_leak(objects, marko, ana, client_of):
    case, _task, _service = objects
    assert case_search(user=marko, filters=CaseFilters()).count() == 0
    assert case_search(user=marko, filters=CaseFilters(query="Ivan")).count() == 0
    assert case_search(user=ana, filters=CaseFilters(query="Ivan")).count() == 1
    assert access.persons_for(marko).count() == 0
    for url in (reverse("case_list") + "?q=Ivan", reverse("case_list"), reverse("my_cases")):
        body = client_of(marko).get(url).content.decode()
        assert case.reference not in body
        assert "Петров" not in body
    assert case.reference in client_of(ana).get(reverse("case_list") + "?q=Petrov").content.decode()


def test_a_user_without_membership_sees_nothing(objects, django_user_model, client_of):
    loner = django_user_model.objects.create_user("loner", password="x" * 12)
    assert access.cases_for(loner).count() == 0
    assert client_of(loner).get(reverse("case_summary", args=[objects[0].reference])).status_code == 404


def test_an_inactive_user_loses_access(objects, ana):
    ana.is_active = False
    assert access.cases_for(ana).count() == 0
