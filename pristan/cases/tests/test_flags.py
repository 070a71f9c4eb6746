"""Flags on a case: who sets and removes them, what is kept, who sees them, and the case list."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pristan.cases import services
from pristan.cases.models import Case, CaseFlag, FlagKind
from pristan.cases.selectors import flags_in_force, flags_on_cases
from pristan.core.models import AuditEntry, Role
from pristan.core.services import membership_grant
from pristan.referrals.models import Referral

REASON = "Her former employer called the shelter twice this week."


def _set(actor: User, case: Case, kind: str = FlagKind.SECURITY_RISK, **extra: Any) -> CaseFlag:
    return services.flag_set(actor=actor, case=case, kind=kind, reason=extra.pop("reason", REASON), **extra)


def test_a_flag_keeps_who_set_it_when_and_why_sealed_and_audited(active_case, ana):
    flag = _set(ana, active_case, expires_on=timezone.localdate() + timedelta(days=30))
    flag.refresh_from_db()
    assert (flag.set_by, flag.reason, flag.kind) == (ana, REASON, FlagKind.SECURITY_RISK)
    stored = CaseFlag.objects.filter(pk=flag.pk).values_list("reason", flat=True).get()
    assert REASON.encode() not in bytes(stored)  # sealed at rest under the person's key
    entry = AuditEntry.objects.get(object_type="cases.caseflag", object_id=str(flag.pk))
    assert (entry.action, entry.actor, entry.case_id) == (AuditEntry.Action.CREATE, ana, active_case.pk)
    assert entry.detail == "security_risk"


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"reason": "  "}, "reason"), ({"expires_on": date(2000, 1, 1)}, "expires_on"), ({"kind": "nonsense"}, "kind")],
)
def test_bad_input_says_where_and_writes_nothing(active_case, ana, extra, field):
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        _set(ana, active_case, **extra)
    assert field in error.value.message_dict
    assert not CaseFlag.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_the_same_flag_is_not_raised_twice_while_in_force(active_case, ana, boris):
    _set(ana, active_case)
    with pytest.raises(ValidationError) as error:
        _set(boris, active_case)
    assert "kind" in error.value.message_dict
    _set(boris, active_case, kind=FlagKind.MEDICAL_URGENCY)  # another kind is fine
    assert CaseFlag.objects.count() == 2


def test_only_the_cases_caseworkers_and_supervisors_flag_it(active_case, ana, boris, marko, movement_officer):
    _set(boris, active_case)  # a supervisor of the office
    with pytest.raises(PermissionDenied):  # sees the case, changes it, but does not flag it
        _set(movement_officer, active_case, kind=FlagKind.INTERPRETER_NEEDED)
    with pytest.raises(PermissionDenied):  # another office
        _set(marko, active_case, kind=FlagKind.INTERPRETER_NEEDED)
    flag = CaseFlag.objects.get()
    for outsider in (movement_officer, marko):
        with pytest.raises(PermissionDenied):
            services.flag_remove(actor=outsider, flag=flag, reason="No longer true.")
    assert CaseFlag.objects.get().removed_at is None


def test_a_removed_flag_stays_on_record_with_why_and_is_no_longer_shown(active_case, ana, boris):
    flag = _set(ana, active_case)
    with pytest.raises(ValidationError) as error:
        services.flag_remove(actor=boris, flag=flag, reason=" ")
    assert "removal_reason" in error.value.message_dict
    services.flag_remove(actor=boris, flag=flag, reason="The employer was arrested.")
    flag.refresh_from_db()
    assert (flag.removed_by, flag.removal_reason) == (boris, "The employer was arrested.")
    assert flags_in_force(user=ana, case=active_case, today=timezone.localdate()) == []
    entry = AuditEntry.objects.filter(object_type="cases.caseflag", action=AuditEntry.Action.UPDATE).get()
    assert (entry.actor, sorted(entry.fields)) == (boris, ["removal_reason", "removed_at"])
    with pytest.raises(ValidationError):  # removed once only
        services.flag_remove(actor=ana, flag=flag, reason="Again.")
    _set(ana, active_case)  # and it can be raised again
    assert CaseFlag.objects.count() == 2


def test_an_expired_flag_is_no_longer_in_force(active_case, ana):
    today = timezone.localdate()
    _set(ana, active_case, expires_on=today)
    assert len(flags_in_force(user=ana, case=active_case, today=today)) == 1
    assert flags_in_force(user=ana, case=active_case, today=today + timedelta(days=1)) == []
    assert flags_on_cases(user=ana, cases=[active_case], today=today + timedelta(days=1)) == {}


def test_a_reader_without_the_section_does_not_see_the_flag_anywhere(active_case, ana, movement_officer, client_of):
    _set(ana, active_case, kind=FlagKind.MEDICAL_URGENCY)  # health
    _set(ana, active_case, kind=FlagKind.TRAFFICKER_IN_CONTACT)  # security risk
    _set(ana, active_case, kind=FlagKind.CHILD_WITHOUT_GUARDIAN)  # the summary: every reader
    today = timezone.localdate()
    seen = [flag.kind for flag in flags_in_force(user=movement_officer, case=active_case, today=today)]
    assert seen == [FlagKind.CHILD_WITHOUT_GUARDIAN]
    assert flags_on_cases(user=movement_officer, cases=[active_case], today=today) == {
        active_case.pk: [FlagKind.CHILD_WITHOUT_GUARDIAN]
    }
    assert len(flags_on_cases(user=ana, cases=[active_case], today=today)[active_case.pk]) == 3
    client = client_of(movement_officer)
    page = client.get(reverse("case_summary", args=[active_case.reference])).content.decode()
    listed = client.post(reverse("case_list"), {}).content.decode()
    for body in (page, listed):
        assert "Child without a guardian" in body
        assert "Medical urgency" not in body
        assert "Trafficker in contact" not in body
    # Nor can it filter by them: the choice is not offered, and asking for it filters nothing.
    response = client.post(reverse("case_list"), {"flag": FlagKind.MEDICAL_URGENCY})
    assert "flag" in response.context["form"].errors


@pytest.fixture
def skopje_supervisor(skopje, django_user_model):
    """A supervisor of the Skopje office: reads a Sofia case while it is referred to Skopje."""
    user = django_user_model.objects.create_user("stefan", first_name="Stefan")
    membership_grant(actor=None, user=user, office=skopje, role=Role.SUPERVISOR, child_clearance=True)
    return user


def test_a_case_reached_only_through_a_referral_shows_only_its_summary_flags(active_case, ana, skopje_supervisor, skopje):
    marko = skopje_supervisor
    Referral.objects.create(
        case=active_case, direction="outgoing", office=skopje, reason="Other", referred_on=timezone.localdate()
    )
    _set(ana, active_case, kind=FlagKind.SECURITY_RISK)
    _set(ana, active_case, kind=FlagKind.INTERPRETER_NEEDED)
    assert flags_on_cases(user=marko, cases=[active_case], today=timezone.localdate()) == {
        active_case.pk: [FlagKind.INTERPRETER_NEEDED]
    }
    assert [flag.kind for flag in flags_in_force(user=marko, case=active_case, today=timezone.localdate())] == [
        FlagKind.INTERPRETER_NEEDED
    ]


def test_the_case_list_filters_by_flag(open_case, ana, skopje_supervisor, skopje, client_of):
    flagged, plain = open_case(given_name="Flagged"), open_case(given_name="Plain")
    _set(ana, flagged)
    response = client_of(ana).post(reverse("case_list"), {"flag": FlagKind.SECURITY_RISK})
    assert [case.pk for case in response.context["page"].cases] == [flagged.pk]
    assert plain.reference not in response.content.decode()
    # A case another office reads through a referral: its security risk is not theirs to see, nor to find.
    Referral.objects.create(case=flagged, direction="outgoing", office=skopje, reason="Other", referred_on=timezone.localdate())
    client = client_of(skopje_supervisor)
    assert [case.pk for case in client.post(reverse("case_list"), {}).context["page"].cases] == [flagged.pk]
    response = client.post(reverse("case_list"), {"flag": FlagKind.SECURITY_RISK})
    assert response.context["page"].cases == []
    assert response.context["page"].count == 0


def test_the_case_list_shows_flags_in_one_query_whatever_the_page_holds(open_case, ana, client_of, settings):
    settings.PRISTAN_CASES_PER_PAGE = 5
    cases = [open_case(given_name=f"Person{index}") for index in range(6)]
    client = client_of(ana)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.post(reverse("case_list"), {})
        return len(captured)

    _set(ana, cases[-1])
    one = queries()
    for case in cases[:-1]:
        _set(ana, case, kind=FlagKind.MEDICAL_URGENCY)
        _set(ana, case, kind=FlagKind.INTERPRETER_NEEDED)
    body = client.post(reverse("case_list"), {}).content.decode()
    assert body.count('data-flag="medical_urgency"') == 4  # the newest five: four of them with it
    assert queries() == one


def test_the_case_page_shows_the_band_and_sets_and_removes_flags(active_case, ana, client_of):
    client = client_of(ana)
    url = reverse("flag_create", args=[active_case.reference])
    response = client.post(url, {"kind": FlagKind.SECURITY_RISK, "reason": ""})
    assert response.status_code == 422
    assert not CaseFlag.objects.exists()
    response = client.post(url, {"kind": FlagKind.SECURITY_RISK, "reason": REASON}, follow=True)
    body = response.content.decode()
    assert "Security risk" in body
    assert REASON in body
    assert "Set by Ana" in body
    flag = CaseFlag.objects.get()
    remove = reverse("flag_remove", args=[active_case.reference])
    assert client.post(remove, {"flag": flag.pk, "removal_reason": ""}).status_code == 422
    response = client.post(remove, {"flag": flag.pk, "removal_reason": "Moved to a safe house."}, follow=True)
    assert REASON not in response.content.decode()
    flag.refresh_from_db()
    assert flag.removed_at is not None


def test_wrong_users_are_refused_on_the_flag_routes(active_case, open_case, ana, marko, movement_officer, client_of):
    create = reverse("flag_create", args=[active_case.reference])
    data = {"kind": FlagKind.INTERPRETER_NEEDED, "reason": "Speaks only Romani."}
    assert client_of(marko).post(create, data).status_code == 404  # another office: no such case
    assert client_of(movement_officer).post(create, data).status_code == 403  # sees it, does not flag it
    flag = _set(ana, active_case)
    remove = reverse("flag_remove", args=[active_case.reference])
    assert client_of(marko).post(remove, {"flag": flag.pk, "removal_reason": "x"}).status_code == 404
    assert client_of(movement_officer).post(remove, {"flag": flag.pk, "removal_reason": "x"}).status_code == 403
    # A flag of another case, through this case's address: not there.
    other = _set(ana, open_case(given_name="Other"))
    assert client_of(ana).post(remove, {"flag": other.pk, "removal_reason": "x"}).status_code == 404
    assert CaseFlag.objects.filter(removed_at__isnull=False).count() == 0


def test_a_focal_point_reads_summary_flags_but_does_not_set_them(active_case, ana, sofia, django_user_model, client_of):
    focal = django_user_model.objects.create_user("fiona")
    membership_grant(actor=None, user=focal, office=sofia, role=Role.FOCAL_POINT, child_clearance=True)
    _set(ana, active_case, kind=FlagKind.WHEREABOUTS_UNKNOWN)
    body = client_of(focal).get(reverse("case_summary", args=[active_case.reference])).content.decode()
    assert "Whereabouts unknown" in body
    assert "Flag this case" not in body
    assert "Remove this flag" not in body
    with pytest.raises(PermissionDenied):
        _set(focal, active_case, kind=FlagKind.INTERPRETER_NEEDED)
