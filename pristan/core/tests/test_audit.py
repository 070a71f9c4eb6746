"""Every create and change writes an audit entry in the same transaction, with field names only."""

from datetime import date

import pytest
from django.db import transaction
from django.urls import reverse

from pristan.assistance.services import objective_add, service_add, service_change_status
from pristan.cases import services
from pristan.cases.models import Case
from pristan.core.audit import audit_record
from pristan.core.models import AuditEntry
from pristan.experience.services import event_add, experience_update, perpetrator_add
from pristan.people.services import person_update


def _entries(case: Case) -> list[tuple[str, str]]:
    return list(AuditEntry.objects.filter(case=case).order_by("id").values_list("action", "object_type"))


def test_the_journey_leaves_a_trail(active_case, ana):
    trail = _entries(active_case)
    assert trail == [
        ("create", "cases.case"),
        ("create", "cases.consentevent"),
        ("create", "screening.screening"),
        ("transition", "cases.case"),
    ]
    assert AuditEntry.objects.filter(object_type="people.person", object_id=str(active_case.person_id), action="create").exists()


def test_every_service_writes_an_entry(active_case, ana):
    before = AuditEntry.objects.count()
    person_update(actor=ana, case=active_case, data={"phone": "+359 88 123 4567"})
    experience_update(actor=ana, case=active_case, data={"types_of_exploitation": ["ForcedLabour"]})
    event_add(actor=ana, case=active_case, data={"event_type": "Recruitment", "country": "BG", "city": "Pleven"})
    perpetrator_add(actor=ana, case=active_case, data={"name": "Boss", "roles": ["Exploiter"]})
    objective = objective_add(actor=ana, case=active_case, data={"plan_type": "Health", "objectives": "Recover"})
    service = service_add(actor=ana, case=active_case, data={"kind": "medical", "objective": objective})
    service_change_status(actor=ana, service=service, status="delivered")
    services.note_add(actor=ana, case=active_case, text="Seen today")
    task = services.task_add(actor=ana, case=active_case, title="Call", due_on=date(2026, 1, 1))
    services.task_complete(actor=ana, task=task)
    assert AuditEntry.objects.count() - before == 10
    assert all(entry.actor == ana for entry in AuditEntry.objects.order_by("-id")[:10])


def test_an_entry_names_the_changed_fields_never_their_values(case, ana):
    person_update(actor=ana, case=case, data={"given_name": "Иван", "phone": "+359 88 123 4567"})
    entry = AuditEntry.objects.filter(object_type="people.person", action="update").get()
    assert entry.fields == ["phone"]
    assert "123" not in str(entry.fields) + entry.detail


def test_an_unchanged_save_writes_nothing(case, ana):
    before = AuditEntry.objects.count()
    person_update(actor=ana, case=case, data={"given_name": case.person.given_name})
    assert AuditEntry.objects.count() == before


def test_a_failed_change_leaves_neither_data_nor_entry(case, ana):
    before = AuditEntry.objects.count()

    def add_then_fail() -> None:
        with transaction.atomic():
            services.note_add(actor=ana, case=case, text="Will be rolled back")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        add_then_fail()
    assert AuditEntry.objects.count() == before
    assert case.notes.count() == 0


@pytest.mark.django_db(transaction=True)
def test_audit_refuses_to_run_outside_a_transaction(case, ana):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=ana, action="create", obj=case)


def test_the_history_tab_shows_the_trail(active_case, ana, client_of):
    body = client_of(ana).get(reverse("case_history", args=[active_case.reference])).content.decode()
    assert "Screening" in body
    assert "Assistance" in body  # the transition, shown with its stage labels
    assert "ana" in body.lower()
