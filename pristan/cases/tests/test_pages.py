"""The pages a caseworker uses, through Django's test client (the browser tests drive the same flow)."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from pristan.cases.models import Case
from pristan.cases.services import task_add
from pristan.core import geography
from pristan.screening.indicators import IndicatorList, indicators_for


def test_errors_are_shown_beside_the_field_and_nothing_is_saved(ana, client_of):
    response = client_of(ana).post(
        reverse("register"), {"office": ana.memberships.get().office_id, "given_name": "", "date_of_birth": "2999-01-01"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "This field is required." in body
    assert Case.objects.count() == 0


def test_a_future_birth_date_is_refused_with_its_reason(ana, client_of):
    response = client_of(ana).post(
        reverse("register"), {"office": ana.memberships.get().office_id, "given_name": "Ana", "date_of_birth": "2999-01-01"}
    )
    assert "The date of birth cannot be in the future." in response.content.decode()
    assert Case.objects.count() == 0


def test_leaving_screening_without_consent_explains_why(case, ana, client_of):
    response = client_of(ana).post(reverse("stage_change", args=[case.reference]), {"stage": "assistance"})
    assert response.status_code == 422
    assert "has not consented to case management" in response.content.decode()


def test_the_suggestion_follows_the_ticked_indicators(case, ana, client_of):
    url = reverse("screening_suggestion", args=[case.reference])
    items = indicators_for(IndicatorList.ADULT_LABOUR)
    strong = {
        d.value: [i.key for i in items if i.dimension == d and i.strength == "strong"] for d in {i.dimension for i in items}
    }
    medium = {
        d.value: [i.key for i in items if i.dimension == d and i.strength == "medium"] for d in {i.dimension for i in items}
    }
    chosen = strong["deceptive_recruitment"][:1] + medium["deceptive_recruitment"][:1]
    chosen += (strong["exploitation"] + medium["exploitation"])[:2]
    chosen += (strong["coercion_destination"] + medium["coercion_destination"])[:2]
    positive = client_of(ana).post(url, {"indicator_list": "adult_labour", "indicators": chosen}).content.decode()
    negative = client_of(ana).post(url, {"indicator_list": "adult_labour", "indicators": chosen[:2]}).content.decode()
    assert "point to a presumed victim" in positive
    assert "do not point to a presumed victim" in negative


def test_my_cases_shows_due_and_overdue_tasks(case, ana, client_of):
    today = timezone.localdate()
    task_add(actor=ana, case=case, title="Accompany to the clinic", due_on=today - timedelta(days=2))
    task_add(actor=ana, case=case, title="Call the guardian", due_on=today + timedelta(days=1))
    body = client_of(ana).get(reverse("my_cases")).content.decode()
    assert "1 overdue task" in body
    assert "Accompany to the clinic" in body
    assert "Call the guardian" in body
    assert case.reference in body


def test_case_sections_render(active_case, ana, client_of):
    client = client_of(ana)
    for name in ("case_summary", "case_consent", "case_screening", "case_experience", "case_assistance", "case_notes",
                 "case_history", "person_edit"):  # fmt: skip
        response = client.get(reverse(name, args=[active_case.reference]))
        assert response.status_code == 200, name
        assert response["Cache-Control"] == "no-store"


def test_adding_a_service_with_a_cost_needs_a_currency(active_case, ana, client_of):
    url = reverse("service_create", args=[active_case.reference])
    response = client_of(ana).post(url, {"svc-kind": "medical", "svc-status": "planned", "svc-cost": "120.50"})
    assert response.status_code == 422
    assert "three-letter code" in response.content.decode()
    assert active_case.services.count() == 0
    response = client_of(ana).post(
        url, {"svc-kind": "medical", "svc-status": "planned", "svc-cost": "120.50", "svc-currency": "bgn"}
    )
    assert response.status_code == 302
    assert active_case.services.get().currency == "BGN"


def test_case_list_paginates_in_few_queries(open_case, ana, client_of, settings):
    settings.PRISTAN_CASES_PER_PAGE = 5
    for index in range(12):
        open_case(given_name=f"Person{index}")
    client = client_of(ana)
    counts, page = [], ""
    for _number in (1, 2, 3):  # five rows, five, then two: the number of queries must not grow with the rows
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("case_list"), {"page": page} if page else {})
        counts.append(len(queries))
        page = str(response.context["page"].next_page)
    # 14, one for the flags of the page, one for the caseworker filter's choices, and 8 that record which
    # cases it showed (trail.record_listing: a savepoint, the ids, one insert, the chain's head and its
    # chaining), however many rows
    assert counts[0] == counts[1] == counts[2] <= 24
    assert "Page 3 of 3" in response.content.decode()
    assert len(response.context["page"].cases) == 2
    assert not response.context["page"].has_next


def test_the_experience_records_a_minor_at_exploitation(active_case, ana, client_of):
    url = reverse("case_experience", args=[active_case.reference])
    response = client_of(ana).post(url, {"types_of_exploitation": ["SexualExploitation"], "age_when_trafficked": "16"})
    assert response.status_code == 302
    active_case.refresh_from_db()
    assert active_case.minor_at_exploitation
    response = client_of(ana).post(url, {"types_of_exploitation": ["NotACode"]})
    assert response.status_code == 422


def test_route_steps_must_be_in_order(active_case, ana, client_of):
    url = reverse("event_create", args=[active_case.reference])
    response = client_of(ana).post(url, {"event-event_type": "Transit", "event-country": "RS", "event-started_on": "2025-05-02",
                                         "event-ended_on": "2025-05-01"})  # fmt: skip
    assert response.status_code == 422
    assert "The end cannot be before the start." in response.content.decode()
    assert active_case.events.count() == 0


def test_dates_follow_the_language(case, ana, client_of):
    client = client_of(ana)
    client.post(reverse("set_language"), {"language": "bg", "next": "/"})
    body = client.get(reverse("case_summary", args=[case.reference])).content.decode()
    assert '<html lang="bg">' in body
    with translation.override("bg"):
        assert formats.date_format(date(1996, 5, 4), "DATE_FORMAT") in body
        assert geography.country_name("BG") == "България"
        assert "България" in body
    assert "May 4, 1996" not in body


def test_an_unknown_currency_is_refused(active_case, ana, client_of):
    url = reverse("service_create", args=[active_case.reference])
    response = client_of(ana).post(url, {"svc-kind": "medical", "svc-status": "planned", "svc-cost": "5", "svc-currency": "XYZ"})
    assert response.status_code == 422
    assert active_case.services.count() == 0


def test_a_bogus_service_status_is_explained(active_case, ana, client_of):
    from pristan.assistance.services import service_add

    service = service_add(actor=ana, case=active_case, data={"kind": "medical"})
    response = client_of(ana).post(reverse("service_status", args=[service.pk]), {"status": "bogus"}, follow=True)
    assert "Choose the new status from the list." in response.content.decode()
    service.refresh_from_db()
    assert service.status == "planned"


def test_a_very_long_name_is_kept_whole(ana, client_of):
    name = "Щ" * 150
    response = client_of(ana).post(
        reverse("register"), {"office": ana.memberships.get().office_id, "given_name": name, "family_name": name}
    )
    assert response.status_code == 302
    assert Case.objects.get().person.given_name == name


def test_a_name_searched_never_goes_into_the_address(case, ana, client_of):
    client = client_of(ana)
    found = client.post(reverse("case_list"), {"q": "Ivan Petrov"}).content.decode()
    assert case.reference in found
    assert "?q=" not in found
    ignored = client.get(reverse("case_list"), {"q": "Nobody"}).content.decode()
    assert case.reference in ignored  # a name in the address is not used as a search


def test_a_task_is_assigned_to_a_colleague_chosen_by_name(case, ana, boris, client_of):
    ana.first_name, ana.last_name = "Ана", "Петрова"
    ana.save(update_fields=["first_name", "last_name"])
    boris.first_name, boris.last_name = "", ""
    boris.save(update_fields=["first_name", "last_name"])
    page = client_of(ana).get(reverse("case_notes", args=[case.reference])).content.decode()
    assert f'<option value="{ana.pk}" selected>Ана Петрова (ana)</option>' in page
    assert f'<option value="{boris.pk}">boris</option>' in page  # no name entered: the username stands in


def test_the_country_and_language_lists_of_a_form_are_in_the_reader_s_language(ana, client_of):
    client = client_of(ana)
    client.post(reverse("set_language"), {"language": "mk", "next": "/"})
    page = client.get(reverse("register")).content.decode()
    assert "Северна Македонија" in page
    assert "North Macedonia" not in page
    assert "Англиски" in page
    # English is named in English only in the language selector, where each language bears its own name.
    assert page.count(">English<") == 1
    assert '<option value="en" lang="en" >English</option>' in page
