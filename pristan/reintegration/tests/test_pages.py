"""The Reintegration tab and the visit page, through Django's test client, and who may see them."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from pristan.cases.models import ConsentPurpose
from pristan.cases.services import consent_record
from pristan.core.models import AuditEntry, Role
from pristan.core.policy import POLICIES, RolePolicy, Section
from pristan.core.services import membership_grant, partner_membership_grant
from pristan.reintegration.models import AssistanceItem, ItemStatus, Survey, Visit, VisitStatus
from pristan.reintegration.services import item_add, visit_record

from .conftest import answers_for


def _tab(case) -> str:
    return reverse("case_reintegration", args=[case.reference])


def _post_visit(client, case, visit, pick: dict[str, str], done_on):
    survey = Survey.objects.order_by("-version").first()
    assert survey is not None
    data = {"visit": visit.pk, "done_on": done_on.isoformat(), "note": "Met at her home."}
    data |= {f"answer_{key}": value or "" for key, value in answers_for(survey, pick).items()}
    return client.post(reverse("reintegration_visit_record", args=[case.reference]), data)


def _table_rows(page: str) -> list[list[str]]:
    table = page[page.index('id="reintegration-scores"') :]
    table = table[: table.index("</table>")]
    body = table[table.index("<tbody>") :]
    return [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_a_visit_recorded_through_the_page_shows_its_scores_in_the_chart_and_the_table(reintegration_case, ana, client_of):
    client = client_of(ana)
    form = client.get(reverse("reintegration_visit_record", args=[reintegration_case.reference])).content.decode()
    assert "Does your income cover your needs?" in form
    assert "No answer" in form

    today = timezone.localdate()
    first, second = Visit.objects.filter(case=reintegration_case).order_by("months_after")[:2]
    response = _post_visit(client, reintegration_case, first, {"economic": "best", "social": "worst"}, today - timedelta(days=30))
    assert response.status_code == 302
    response = _post_visit(client, reintegration_case, second, {"economic": "best", "social": "best", "psychosocial": "best"},
                           today)  # fmt: skip
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == VisitStatus.DONE
    assert first.note == "Met at her home."
    entry = AuditEntry.objects.filter(object_type="reintegration.visit", object_id=str(first.pk), action="transition").get()
    assert "answers" in entry.fields
    assert "Met at her home." not in entry.detail

    page = client.get(_tab(reintegration_case)).content.decode()
    # The table: one row per visit, the date then economic, social, psychosocial and composite.
    rows = _table_rows(page)
    assert [row[1:] for row in rows] == [["1.00", "0.00", "—", "0.50"], ["1.00", "1.00", "1.00", "1.00"]]
    # The chart: a line per dimension and the composite, each point at its score (y = 0 at the bottom, 1 at the top).
    svg = page[page.index('<svg class="score-chart"') : page.index("</svg>")]
    assert 'role="img"' in svg
    assert "style=" not in svg
    lines = dict(re.findall(r'data-series="(\w+)">\s*(?:<polyline points="([^"]*)"/>)?', svg))
    heights = {key: [float(point.split(",")[1]) for point in points.split()] for key, points in lines.items()}
    top, bottom = 16.0, 280 - 44.0  # y of 1 (the top of the plot) and of 0 (its bottom)
    assert heights == {"economic": [top, top], "social": [bottom, top], "psychosocial": [], "composite": [126.0, top]}
    assert svg.count("<circle") == 7  # the psychosocial score of the second visit alone is a point without a line
    assert re.search(r"<title>Composite, [^:]+: 0.50</title>", svg)


def test_the_visit_form_shows_errors_beside_the_field(reintegration_case, ana, client_of):
    visit = Visit.objects.filter(case=reintegration_case).order_by("due_on").first()
    assert visit is not None
    url = reverse("reintegration_visit_record", args=[reintegration_case.reference])
    response = client_of(ana).post(url, {"visit": visit.pk, "done_on": "", "answer_income": "all"})
    assert response.status_code == 422
    page = response.content.decode()
    assert re.search(r'<div class="field has-error">\s*<label for="id_done_on">', page)
    response = client_of(ana).post(url, {"visit": visit.pk, "done_on": timezone.localdate().isoformat()})
    assert response.status_code == 422
    assert "Answer at least one question, or mark the visit as not possible." in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == VisitStatus.PLANNED


def test_medical_and_psychosocial_assistance_do_not_exist_without_those_sections(
    reintegration_case, ana, sofia, client_of, django_user_model, monkeypatch
):
    # A role with reintegration but neither health nor psychosocial support (none ships with that today).
    monkeypatch.setitem(
        POLICIES, Role.MOVEMENT_OFFICER, RolePolicy(frozenset({Section.SUMMARY, Section.REINTEGRATION}), writes=True)
    )
    reader = django_user_model.objects.create_user("mila")
    membership_grant(actor=None, user=reader, office=sofia, role=Role.MOVEMENT_OFFICER, child_clearance=True)
    item_add(actor=ana, case=reintegration_case, data={"kind": "cash_grant", "description": "Start-up money",
             "budget": 1000, "budget_currency": "EUR"})  # fmt: skip
    medical = item_add(actor=ana, case=reintegration_case, data={"kind": "medical", "description": "Dental surgery"})
    talking = item_add(actor=ana, case=reintegration_case, data={"kind": "psychosocial", "description": "Counselling"})
    client = client_of(reader)

    page = client.get(_tab(reintegration_case)).content.decode()
    assert "Start-up money" in page
    for hidden in ("Dental surgery", "Counselling", ">Medical", ">Psychosocial<", f'name="item" value="{medical.pk}"'):
        assert hidden not in page
    assert '<option value="medical">' not in page
    assert '<option value="psychosocial">' not in page
    assert page.count('name="item" value=') == 1  # the one status form there is: no count of the others

    # Naming a hidden item in a form finds nothing, and changes nothing.
    status_url = reverse("reintegration_item_status", args=[reintegration_case.reference])
    client.post(status_url, {"item": medical.pk, "status": "cancelled"})
    pay = client.post(reverse("reintegration_payment_create", args=[reintegration_case.reference]),
                      {"pay-item": talking.pk, "pay-amount": "50", "pay-currency": "EUR",
                       "pay-paid_on": timezone.localdate().isoformat()})  # fmt: skip
    assert pay.status_code == 422
    medical.refresh_from_db()
    assert medical.status == ItemStatus.PLANNED
    assert not medical.disbursements.exists()
    # Nor may they add one.
    response = client.post(reverse("reintegration_item_create", args=[reintegration_case.reference]), {"item-kind": "medical"})
    assert response.status_code == 422
    assert AssistanceItem.objects.filter(case=reintegration_case).count() == 3

    # The caseworker, who holds every section, sees all three.
    page = client_of(ana).get(_tab(reintegration_case)).content.decode()
    assert "Dental surgery" in page
    assert "Counselling" in page


def test_assistance_moves_through_its_statuses_and_records_payments_in_any_currency(reintegration_case, ana, client_of):
    item = item_add(actor=ana, case=reintegration_case, data={"kind": "micro_business", "business_plan": "A bakery in Vratsa",
                    "budget": 2000, "budget_currency": "eur"})  # fmt: skip
    assert item.budget_currency == "EUR"
    client = client_of(ana)
    status_url = reverse("reintegration_item_status", args=[reintegration_case.reference])
    client.post(status_url, {"item": item.pk, "status": "in_progress"})
    pay_url = reverse("reintegration_payment_create", args=[reintegration_case.reference])
    for amount, currency in (("1500", "EUR"), ("300", "BGN")):
        response = client.post(pay_url, {"pay-item": item.pk, "pay-amount": amount, "pay-currency": currency,
                                         "pay-paid_on": timezone.localdate().isoformat()})  # fmt: skip
        assert response.status_code == 302
    response = client.post(pay_url, {"pay-item": item.pk, "pay-amount": "10", "pay-currency": "XYZ",
                                     "pay-paid_on": timezone.localdate().isoformat()})  # fmt: skip
    assert response.status_code == 422
    assert "three-letter code" in response.content.decode()
    client.post(status_url, {"item": item.pk, "status": "done"})
    response = client.post(status_url, {"item": item.pk, "status": "planned"}, follow=True)
    assert "Assistance that is Done cannot become Planned." in response.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE
    page = client.get(_tab(reintegration_case)).content.decode()
    assert "1,500.00 EUR" in page
    assert "300.00 BGN" in page
    assert "A bakery in Vratsa" in page

    response = client.post(reverse("reintegration_item_create", args=[reintegration_case.reference]),
                           {"item-kind": "cash_grant", "item-business_plan": "Not a business"})  # fmt: skip
    assert response.status_code == 422
    assert "Only a micro-business has a business plan." in response.content.decode()


def test_another_offices_caseworker_finds_nothing(reintegration_case, marko, client_of):
    client = client_of(marko)
    assert client.get(_tab(reintegration_case)).status_code == 404
    assert client.get(reverse("reintegration_visit_record", args=[reintegration_case.reference])).status_code == 404
    response = client.post(reverse("reintegration_plan_save", args=[reintegration_case.reference]), {"plan-arrival_on": ""})
    assert response.status_code == 404


def test_a_partner_is_refused(reintegration_case, ana, partner, client_of, django_user_model):
    from pristan.referrals.services import referral_send

    consent_record(actor=ana, case=reintegration_case, purpose=ConsentPurpose.REFERRAL, given=True)
    referral_send(actor=ana, case=reintegration_case, organisation=partner, reason="AdditionalServicesRequired")
    user = django_user_model.objects.create_user("lara")
    partner_membership_grant(actor=None, user=user, organisation=partner)
    client = client_of(user)
    assert client.get(reverse("case_summary", args=[reintegration_case.reference])).status_code == 200  # they see the case
    assert client.get(_tab(reintegration_case)).status_code == 403  # but not its reintegration
    assert client.post(reverse("reintegration_event_create", args=[reintegration_case.reference])).status_code == 403
    assert "Reintegration</a>" not in client.get(reverse("case_summary", args=[reintegration_case.reference])).content.decode()


def test_a_childs_case_does_not_exist_without_clearance(open_case, ana, nina, client_of):
    child = open_case(
        given_name="Ана", family_name="Иванова", born=timezone.localdate().replace(year=timezone.localdate().year - 15)
    )
    assert child.is_minor
    client = client_of(nina)  # a caseworker of the same office, for the whole office, without child-protection clearance
    assert client.get(_tab(child)).status_code == 404
    assert client.post(reverse("reintegration_event_create", args=[child.reference])).status_code == 404


@pytest.mark.parametrize("persona", ["movement_officer", "focal_point"])
def test_roles_without_reintegration_are_refused(reintegration_case, sofia, client_of, django_user_model, persona):
    user = django_user_model.objects.create_user(f"x-{persona}")
    membership_grant(actor=None, user=user, office=sofia, role=persona, child_clearance=True)
    assert client_of(user).get(_tab(reintegration_case)).status_code == 403


def test_the_tab_takes_few_queries_however_many_visits(reintegration_case, ana, client_of, django_assert_max_num_queries):
    survey = Survey.objects.get(version=1)
    for visit in Visit.objects.filter(case=reintegration_case):
        visit_record(actor=ana, visit=visit, done_on=timezone.localdate(), answers=answers_for(survey, {"social": "best"}))
    for kind in ("cash_grant", "housing", "schooling"):
        item_add(actor=ana, case=reintegration_case, data={"kind": kind})
    client = client_of(ana)
    with django_assert_max_num_queries(45):
        assert client.get(_tab(reintegration_case)).status_code == 200
