"""Reads and refusals are recorded; the trail is searchable by those who audit, and only them."""

import pytest
from django.apps import apps
from django.urls import reverse

from pristan.core.audit import field_labels
from pristan.core.models import AuditEntry, Role
from pristan.core.services import membership_grant
from pristan.core.trail import TrailFilters, trail_search, viewers_of


@pytest.fixture
def auditor(sofia, django_user_model):
    user = django_user_model.objects.create_user("auditor")
    membership_grant(actor=None, user=user, office=sofia, role=Role.AUDITOR)
    return user


def test_every_read_of_a_case_is_recorded_with_where_from(case, ana, client_of):
    client_of(ana).get(reverse("case_screening", args=[case.reference]), REMOTE_ADDR="10.1.2.3")
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.VIEW).get()
    assert (entry.actor, entry.case, entry.fields, entry.ip) == (ana, case, ["screening"], "10.1.2.3")


def test_a_refused_request_is_recorded_without_names(case, marko, client_of):
    assert client_of(marko).get(reverse("case_summary", args=[case.reference])).status_code == 404
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.DENIED).get()
    assert entry.actor == marko
    assert case.reference in entry.detail
    assert "Петров" not in entry.detail


def test_who_has_seen_this_record(case, ana, boris, client_of):
    client_of(boris).get(reverse("case_summary", args=[case.reference]))
    client_of(boris).get(reverse("case_notes", args=[case.reference]))
    client_of(ana).get(reverse("case_summary", args=[case.reference]))
    seen = {viewer.username: viewer.times for viewer in viewers_of(case)}
    assert seen == {"boris": 2, "ana": 1}
    page = client_of(boris).get(reverse("case_history", args=[case.reference])).content.decode()
    assert "Who has seen this record" in page
    assert "(ana)" in page


def test_an_auditor_searches_the_trail_of_their_office(case, ana, auditor, marko, skopje, client_of):
    client_of(ana).get(reverse("case_summary", args=[case.reference]))
    response = client_of(auditor).get(reverse("audit_trail"), {"action": "view", "reference": case.reference})
    assert response.status_code == 200
    assert response.context["count"].count == 1
    assert trail_search(user=auditor, filters=TrailFilters(office="SKP")).count() == 0
    assert "Петров" not in response.content.decode()  # field names and references only


def test_the_trail_is_closed_to_those_who_do_not_audit(ana, marko, client_of):
    assert client_of(ana).get(reverse("audit_trail")).status_code == 404
    assert client_of(marko).get(reverse("audit_trail")).status_code == 404


def test_an_auditor_of_one_office_does_not_see_another(case, ana, skopje, django_user_model):
    other = django_user_model.objects.create_user("auditor-skp")
    membership_grant(actor=None, user=other, office=skopje, role=Role.AUDITOR)
    assert trail_search(user=other, filters=TrailFilters(reference=case.reference)).count() == 0


@pytest.mark.parametrize(
    ("tab", "label"),
    [("case_notes", "Notes and tasks"), ("case_referrals", "referrals"), ("case_experience", "Trafficking experience")],
)
def test_the_trail_shows_reads_of_tabs_named_like_a_reverse_relation(tab, label, active_case, ana, auditor, client_of):
    # "notes", "referrals", "experience" are the names of reverse relations of a case, which have no verbose name.
    assert client_of(ana).get(reverse(tab, args=[active_case.reference])).status_code == 200
    response = client_of(auditor).get(reverse("audit_trail"), {"action": "view"})
    assert response.status_code == 200
    assert response.context["count"].count == 1
    assert f"<td>{label}</td>" in response.content.decode()


def test_every_kind_of_field_of_every_model_has_a_label():
    # Forward, many-to-many, generic and reverse relations alike: whatever a write or a read may name.
    for model in apps.get_models():
        object_type = f"{model._meta.app_label}.{model._meta.model_name}"
        for field in model._meta.get_fields(include_hidden=True):
            if field.name.endswith("+"):  # a hidden reverse relation has no name to record
                continue
            [label] = field_labels(object_type, [field.name])
            assert isinstance(label, str), (object_type, field.name)
            assert label, (object_type, field.name)


def test_a_read_is_labelled_by_the_section_read_and_a_write_by_its_fields():
    assert field_labels("cases.case", ["notes", "experience"], read=True) == ["Notes and tasks", "Trafficking experience"]
    assert field_labels("cases.case", ["referrals"], read=True) == ["referrals"]  # a tab that is no section: the relation
    assert field_labels("cases.case", ["notes", "experience"]) == ["case notes", "trafficking experience"]
    assert field_labels("cases.casenote", ["unknown-field"]) == ["unknown-field"]
    assert field_labels("no.such", ["x"]) == ["x"]
