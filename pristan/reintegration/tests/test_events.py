"""Re-trafficking and re-migration: recorded as events, never overwritten; corrections are new events."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from pristan.core.models import AuditEntry
from pristan.reintegration.models import EventChangeRefused, ReintegrationEvent
from pristan.reintegration.selectors import events_of
from pristan.reintegration.services import event_record


def test_a_correction_is_a_new_event_and_the_first_stays_as_it_was(reintegration_case, ana, client_of):
    day = timezone.localdate() - timedelta(days=40)
    first = event_record(actor=ana, case=reintegration_case, data={"kind": "re_migrated", "occurred_on": day, "country": "DE",
                         "place": "Köln", "note": "Left with a cousin for seasonal work."})  # fmt: skip
    entry = AuditEntry.objects.get(object_type="reintegration.reintegrationevent", object_id=str(first.pk))
    assert "Köln" not in entry.detail
    assert set(entry.fields) == {"kind", "occurred_on", "country", "place", "note"}

    client = client_of(ana)
    response = client.post(reverse("reintegration_event_create", args=[reintegration_case.reference]), {
        "event-kind": "re_trafficked", "event-occurred_on": day.isoformat(), "event-country": "DE", "event-place": "Köln",
        "event-note": "It was not seasonal work: she was forced to work in a brothel.", "event-corrects": first.pk,
    })  # fmt: skip
    assert response.status_code == 302
    correction = ReintegrationEvent.objects.get(corrects=first)
    first.refresh_from_db()
    assert (first.kind, first.note) == ("re_migrated", "Left with a cousin for seasonal work.")  # history kept

    rows = events_of(reintegration_case)
    assert [(row.event, row.in_force) for row in rows] == [(first, False), (correction, True)]
    page = client.get(reverse("case_reintegration", args=[reintegration_case.reference])).content.decode()
    assert "Left with a cousin for seasonal work." in page
    assert "forced to work in a brothel" in page
    assert 'class="event superseded"' in page

    # An event is corrected once; a further correction refers to the correction.
    with pytest.raises(ValidationError, match="corrected already"):
        event_record(actor=ana, case=reintegration_case, data={"kind": "re_migrated", "occurred_on": day, "corrects": first})
    withdrawn = event_record(actor=ana, case=reintegration_case,
                             data={"kind": "recorded_in_error", "occurred_on": day, "corrects": correction})  # fmt: skip
    assert [row.in_force for row in events_of(reintegration_case)] == [False, False, False]
    assert withdrawn.corrects == correction


def test_events_are_never_changed_in_place(reintegration_case, ana):
    event = event_record(actor=ana, case=reintegration_case, data={"kind": "re_migrated", "occurred_on": timezone.localdate()})
    event.note = "Rewritten"
    with pytest.raises(EventChangeRefused):
        event.save()
    event.refresh_from_db()
    assert event.note == ""


def test_a_withdrawal_needs_the_event_it_withdraws_and_dates_are_not_in_the_future(reintegration_case, ana, open_case):
    with pytest.raises(ValidationError) as error:
        event_record(actor=ana, case=reintegration_case, data={"kind": "recorded_in_error", "occurred_on": timezone.localdate()})
    assert "kind" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        event_record(actor=ana, case=reintegration_case,
                     data={"kind": "re_trafficked", "occurred_on": timezone.localdate() + timedelta(days=1)})  # fmt: skip
    assert "occurred_on" in error.value.message_dict
    other = open_case(given_name="Мария", family_name="Петрова")
    elsewhere = event_record(actor=ana, case=other, data={"kind": "re_migrated", "occurred_on": timezone.localdate()})
    with pytest.raises(ValidationError) as error:
        event_record(actor=ana, case=reintegration_case,
                     data={"kind": "re_migrated", "occurred_on": timezone.localdate(), "corrects": elsewhere})  # fmt: skip
    assert "corrects" in error.value.message_dict


def test_the_event_form_shows_errors_beside_the_field(reintegration_case, ana, client_of):
    response = client_of(ana).post(reverse("reintegration_event_create", args=[reintegration_case.reference]),
                                   {"event-kind": "re_trafficked"})  # fmt: skip
    assert response.status_code == 422
    assert ReintegrationEvent.objects.count() == 0
