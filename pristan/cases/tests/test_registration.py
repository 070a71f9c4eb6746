"""Registration as one guided flow (person → consents → screening → case), all consents on one form,
and a stage form that asks only for what the chosen stage needs."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import member
from pristan.cases import services
from pristan.cases.forms import StageForm
from pristan.cases.models import Case, ClosureReason, ConsentEvent, ConsentPurpose, Stage
from pristan.cases.registration import RegistrationStep, registration_step
from pristan.core.models import AuditEntry, Role
from pristan.screening.indicators import IndicatorList, indicators_for
from pristan.screening.services import screening_record

CURRENT_STEP = re.compile(r'<li aria-current="step">(?:<a href="[^"]*">)?([^<]+)')


def _current_step(body: str) -> list[str]:
    """The labels of the steps marked current (a page must have exactly one while registering)."""
    return CURRENT_STEP.findall(body)


def _consent_entries(case: Case) -> list[str]:
    entries = AuditEntry.objects.filter(case=case, object_type="cases.consentevent", action=AuditEntry.Action.CREATE)
    return sorted(entries.values_list("detail", flat=True))


def _screen(client, case: Case, decision: str = "ActualVictimOfTrafficking"):
    keys = [item.key for item in indicators_for(IndicatorList.ADULT_LABOUR)]
    return client.post(reverse("case_screening", args=[case.reference]), {
        "indicator_list": "adult_labour", "indicators": keys[:6], "decision": decision, "deciding_body": "NGO",
        "reason": "Recruited by deception and exploited.", "screened_on": timezone.localdate().isoformat(),
    })  # fmt: skip


# The flow, step by step ---------------------------------------------------------------------------


def test_registration_leads_from_the_person_through_consents_and_screening_to_the_case(ana, client_of):
    client = client_of(ana)
    assert _current_step(client.get(reverse("register")).content.decode()) == ["Person"]

    response = client.post(reverse("register"), {
        "office": ana.memberships.get().office_id, "given_name": "Иван", "family_name": "Петров",
        "date_of_birth": "2010-03-01", "citizenships": ["BG"], "languages": ["bg"], "gender": "Masculine",
        "guardian_name": "Мария Петрова",
    })  # fmt: skip
    case = Case.objects.get()
    assert response.url == reverse("case_consent", args=[case.reference])
    assert case.minor_at_registration
    assert case.person.name_latin == "Ivan Petrov"
    assert _current_step(client.get(response.url).content.decode()) == ["Consent"]

    today = timezone.localdate().isoformat()
    response = client.post(reverse("case_consent", args=[case.reference]), {
        "case_management": "yes", "referral": "yes", "research": "no", "export": "no", "transfer": "yes", "on": today,
    })  # fmt: skip
    assert response.url == reverse("case_screening", args=[case.reference])  # step 3, after one submit
    assert _consent_entries(case) == sorted(ConsentPurpose.values)  # one event, one audit entry, per purpose
    page = client.get(response.url).content.decode()
    assert _current_step(page) == ["Screening"]
    assert 'value="child_labour"' in page  # a child gets the child list

    response = _screen(client, case)
    assert response.url == reverse("case_summary", args=[case.reference])  # the flow ends on the new case
    page = client.get(response.url).content.decode()
    assert _current_step(page) == ["Case"]
    assert "Registration is complete." in page

    response = client.post(reverse("stage_change", args=[case.reference]), {"stage": "assistance"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.ASSISTANCE
    assert _current_step(client.get(response.url).content.decode()) == []  # registration done: no steps any more


def test_an_unfinished_registration_shows_its_steps_on_every_page_of_the_case(case, ana, client_of):
    client = client_of(ana)
    for name in ("case_summary", "case_notes", "case_history"):
        page = client.get(reverse(name, args=[case.reference])).content.decode()
        assert _current_step(page) == ["Consent"], name
        assert f'href="{reverse("case_consent", args=[case.reference])}"' in page  # the way back to where it stopped
        assert "Record the person&#x27;s decision on each purpose, in one go." in page
    services.consent_record(actor=ana, case=case, purpose=ConsentPurpose.CASE_MANAGEMENT, given=True)
    assert _current_step(client.get(reverse("case_notes", args=[case.reference])).content.decode()) == ["Screening"]


def test_the_steps_are_a_guide_for_those_who_may_write(case, sofia, client_of):
    auditor = member("una", sofia, Role.AUDITOR)
    response = client_of(auditor).get(reverse("case_summary", args=[case.reference]))
    if response.status_code == 200:  # an auditor who reads the case is shown no to-do list
        assert _current_step(response.content.decode()) == []
    else:
        assert response.status_code == 404


def test_the_step_reached_is_read_from_the_records_in_either_order(case, ana, boris):
    assert registration_step(case=case) == RegistrationStep.CONSENT
    screening_record(
        actor=ana, case=case, indicator_list="adult_labour", indicators=[], decision="NotAVictimOfTrafficking", reason="No."
    )
    assert registration_step(case=case) == RegistrationStep.CONSENT  # screened first: consent is still missing
    services.consent_override(
        actor=boris, case=case, purpose=ConsentPurpose.CASE_MANAGEMENT, reason="The person cannot decide now."
    )
    assert registration_step(case=case) == RegistrationStep.CASE
    services.case_change_stage(actor=ana, case=case, stage=Stage.CLOSED, closure_reason=ClosureReason.NOT_ELIGIBLE)
    assert registration_step(case=case) is None


def test_a_screening_recorded_before_consent_leads_to_the_consent_step(case, ana, client_of):
    response = _screen(client_of(ana), case)
    assert response.url == reverse("case_consent", args=[case.reference])


def test_screening_a_case_already_registered_stays_on_the_screening_page(active_case, ana, client_of):
    response = _screen(client_of(ana), active_case)
    assert response.url == reverse("case_screening", args=[active_case.reference])


def test_registering_writes_the_person_and_the_case_or_nothing(ana, sofia, marko):
    with pytest.raises(Exception):  # noqa: B017 - refused by the access layer, whatever its class
        services.case_register(actor=marko, office=sofia, data={"given_name": "Ана"})
    assert not Case.objects.exists()
    case = services.case_register(actor=ana, office=sofia, data={"given_name": "Ана"})
    assert AuditEntry.objects.filter(object_type="people.person", action=AuditEntry.Action.CREATE).count() == 1
    assert AuditEntry.objects.filter(case=case, object_type="cases.case", action=AuditEntry.Action.CREATE).count() == 1


# All consents on one form -------------------------------------------------------------------------


def test_every_consent_of_one_submit_is_recorded_together(case, ana):
    events = services.consents_record(
        actor=ana,
        case=case,
        decisions={ConsentPurpose.CASE_MANAGEMENT: True, ConsentPurpose.RESEARCH: False},
        note="Interpreted.",
    )
    assert [(event.purpose, event.given, event.note) for event in events] == [
        ("case_management", True, "Interpreted."), ("research", False, "Interpreted."),
    ]  # fmt: skip
    assert _consent_entries(case) == ["case_management", "research"]


def test_one_unknown_purpose_leaves_every_consent_unwritten(case, ana):
    with pytest.raises(ValidationError):
        services.consents_record(actor=ana, case=case, decisions={ConsentPurpose.CASE_MANAGEMENT: True, "marketing": True})
    assert not ConsentEvent.objects.exists()
    assert _consent_entries(case) == []


def test_a_future_date_leaves_every_consent_unwritten(case, ana):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError):
        services.consents_record(actor=ana, case=case, decisions=dict.fromkeys(ConsentPurpose.values, True), on=tomorrow)
    assert not ConsentEvent.objects.exists()


def test_a_submit_without_any_decision_is_refused_with_its_reason(case, ana, client_of):
    with pytest.raises(ValidationError):
        services.consents_record(actor=ana, case=case, decisions={})
    response = client_of(ana).post(reverse("case_consent", args=[case.reference]), {"on": timezone.localdate().isoformat()})
    assert response.status_code == 422
    assert "Record the person&#x27;s decision on at least one purpose." in response.content.decode()
    assert not ConsentEvent.objects.exists()


def test_a_bad_value_for_one_purpose_on_the_form_records_none(case, ana, client_of):
    response = client_of(ana).post(reverse("case_consent", args=[case.reference]), {
        "case_management": "yes", "referral": "maybe", "on": timezone.localdate().isoformat(),
    })  # fmt: skip
    assert response.status_code == 422
    assert "Select a valid choice." in response.content.decode()
    assert not ConsentEvent.objects.exists()


def test_a_case_past_registration_records_only_the_purposes_decided_and_stays_on_its_consent_page(active_case, ana, client_of):
    url = reverse("case_consent", args=[active_case.reference])
    page = client_of(ana).get(url).content.decode()
    for purpose in ConsentPurpose.values:  # every purpose on the one form, none decided in advance
        assert f'name="{purpose}" value="" id="id_{purpose}_0" checked' in page
    before = active_case.consent_events.count()
    response = client_of(ana).post(url, {"referral": "no", "on": timezone.localdate().isoformat(), "note": "Changed her mind."})
    assert response.url == url
    assert active_case.consent_events.count() == before + 1
    assert active_case.consent_events.latest("id").purpose == "referral"


def test_the_consent_page_of_someone_who_may_not_write_refuses_a_submit(case, marko, client_of):
    response = client_of(marko).post(reverse("case_consent", args=[case.reference]), {"case_management": "yes"})
    assert response.status_code == 404
    assert not ConsentEvent.objects.exists()


# The stage form -----------------------------------------------------------------------------------


def test_the_closure_fields_are_marked_as_closing_s_own(active_case, ana, client_of):
    page = client_of(ana).get(reverse("case_summary", args=[active_case.reference])).content.decode()
    assert re.search(r'<select name="stage"[^>]*data-stage-choice', page)
    assert re.search(r'<select name="closure_reason"[^>]*data-stage="closed"', page)
    assert re.search(r'<textarea name="closure_details"[^>]*data-stage="closed"', page)  # there without JavaScript


def test_closing_still_needs_its_reason(active_case, ana, client_of):
    url = reverse("stage_change", args=[active_case.reference])
    response = client_of(ana).post(url, {"stage": "closed", "closure_details": "Moved away."})
    assert response.status_code == 422
    assert "Choose the reason for closing the case." in response.content.decode()
    response = client_of(ana).post(url, {"stage": "closed", "closure_reason": "lost_contact", "closure_details": "Moved away."})
    assert response.status_code == 302
    active_case.refresh_from_db()
    assert (active_case.stage, active_case.closure_reason, active_case.closure_details) == (
        "closed",
        "lost_contact",
        "Moved away.",
    )


def test_closure_fields_sent_with_another_stage_are_ignored(active_case, ana, client_of):
    response = client_of(ana).post(reverse("stage_change", args=[active_case.reference]), {
        "stage": "follow_up", "closure_reason": "not-a-reason", "closure_details": "Typed, then changed my mind.",
    })  # fmt: skip
    assert response.status_code == 302
    active_case.refresh_from_db()
    assert (active_case.stage, active_case.closure_reason, active_case.closure_details) == ("follow_up", "", "")


def test_the_stage_form_drops_the_fields_of_other_stages_and_keeps_those_of_the_chosen_one():
    allowed = frozenset({Stage.FOLLOW_UP, Stage.CLOSED})
    form = StageForm({"stage": "follow_up", "closure_reason": "deceased", "closure_details": "x"}, allowed=allowed)
    assert form.is_valid()
    assert form.cleaned_data == {"stage": "follow_up", "closure_reason": "", "closure_details": ""}
    form = StageForm({"stage": "closed", "closure_reason": "bogus"}, allowed=allowed)
    assert not form.is_valid()
    assert "closure_reason" in form.errors
