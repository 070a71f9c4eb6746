"""Caseloads: who may be a case's caseworker, who assigns it, on the case page and in bulk (all or
none), transfers and exports of a selection, and the caseworker filter the start page links to."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from pristan.cases import services
from pristan.cases.models import Case, ConsentPurpose
from pristan.core import access
from pristan.core.models import AuditEntry, Office, Role
from pristan.core.services import membership_grant
from pristan.exports.models import ExportJob
from pristan.exports.tests.conftest import consent_to_export, just_confirmed
from pristan.exports.views import SEARCH
from pristan.people.services import person_register
from pristan.referrals.models import Transfer, TransferStatus

CHILD_BORN = date(2014, 3, 1)


def _member(username: str, office: Office, role: str) -> User:
    user = User.objects.create_user(username, first_name=username.title(), last_name="Test")
    membership_grant(actor=None, user=user, office=office, role=role, child_clearance=True)
    return user


# --- who may be assigned ---------------------------------------------------------------------------


def test_an_auditor_of_the_office_is_never_made_a_caseworker(case, boris, sofia):
    """Before: any membership in the office would do, so an auditor (no case content) owned a case."""
    auditor = _member("olga", sofia, Role.AUDITOR)
    with pytest.raises(ValidationError) as error:
        services.case_assign(actor=boris, case=case, owner=auditor)
    assert "owner" in error.value.message_dict
    case.refresh_from_db()
    assert case.owner.username == "ana"


@pytest.mark.parametrize("role", [Role.MOVEMENT_OFFICER, Role.FOCAL_POINT, Role.ANALYST, Role.OFFICE_ADMIN])
def test_only_case_owning_roles_are_assignable(case, sofia, role):
    person = _member("someone", sofia, role)
    assert not access.may_be_assigned(person, case)
    assert person not in access.assignable_people(sofia)


def test_caseworkers_and_supervisors_of_the_office_are_assignable_and_no_one_else(case, ana, boris, nina, marko, sofia):
    assert list(access.assignable_people(sofia)) == sorted(
        [ana, boris, nina], key=lambda u: (u.last_name, u.first_name, u.username)
    )
    assert not access.may_be_assigned(marko, case)  # a caseworker of Skopje
    nina.is_active = False
    nina.save()
    assert not access.may_be_assigned(nina, case)


def test_a_childs_case_goes_only_to_someone_cleared_for_children(open_case, boris, nina, ana):
    child = open_case(born=CHILD_BORN)
    assert child.is_minor
    assert not access.may_be_assigned(nina, child)  # no child-protection clearance: could not open it
    with pytest.raises(ValidationError):
        services.case_assign(actor=boris, case=child, owner=nina)
    services.case_assign(actor=boris, case=child, owner=ana)


def test_a_regional_supervisor_may_own_the_cases_of_the_offices_of_their_region(case, skopje, sofia):
    regional = User.objects.create_user("rada")
    membership_grant(actor=None, user=regional, office=skopje, role=Role.SUPERVISOR, scope="region", region_offices=[sofia])
    assert access.may_be_assigned(regional, case)


# --- who assigns -------------------------------------------------------------------------------------


def test_a_supervisor_assigns_and_it_is_audited(case, boris, nina):
    services.case_assign(actor=boris, case=case, owner=nina)
    case.refresh_from_db()
    assert case.owner == nina
    entry = AuditEntry.objects.filter(case=case, action=AuditEntry.Action.UPDATE).latest("id")
    assert (entry.actor, entry.fields) == (boris, ["owner"])


def test_a_caseworker_does_not_assign_even_their_own_case(case, ana, nina):
    with pytest.raises(PermissionDenied):
        services.case_assign(actor=ana, case=case, owner=nina)
    case.refresh_from_db()
    assert case.owner == ana


# --- bulk actions ------------------------------------------------------------------------------------


def test_bulk_assignment_is_all_or_nothing_and_names_the_cases_that_block_it(open_case, boris, nina, ana):
    adult, child = open_case(), open_case(born=CHILD_BORN)
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        services.case_assign_many(actor=boris, cases=[adult, child], owner=nina, expected=2)
    assert child.reference in str(error.value)
    assert adult.reference not in str(error.value)
    assert set(Case.objects.values_list("owner", flat=True)) == {ana.pk}  # the adult's case was not reassigned either
    assert AuditEntry.objects.count() == entries
    assert services.case_assign_many(actor=boris, cases=[adult], owner=nina, expected=1) == 1
    adult.refresh_from_db()
    assert adult.owner == nina


def test_bulk_actions_are_for_supervisors(case, ana, nina):
    with pytest.raises(PermissionDenied):
        services.case_assign_many(actor=ana, cases=[case], owner=nina, expected=1)


def test_bulk_actions_are_bounded_and_refuse_cases_not_there(case, boris, nina):
    with pytest.raises(ValidationError) as error:
        services.case_assign_many(actor=boris, cases=[case], owner=nina, expected=services.BULK_LIMIT + 1)
    assert str(services.BULK_LIMIT) in str(error.value)
    with pytest.raises(ValidationError):  # one of two selected cases is not (or no longer) there for the supervisor
        services.case_assign_many(actor=boris, cases=[case], owner=nina, expected=2)
    with pytest.raises(ValidationError):
        services.case_assign_many(actor=boris, cases=[], owner=nina, expected=0)


def test_bulk_transfer_asks_the_other_office_for_every_case_or_for_none(open_case, ana, boris, skopje):
    first, second = open_case(), open_case(given_name="Мария")
    services.consent_record(actor=ana, case=first, purpose=ConsentPurpose.TRANSFER, given=True)
    reason = "The people return home to Skopje next week."
    with pytest.raises(ValidationError) as error:
        services.case_transfer_many(actor=boris, cases=[first, second], to_office=skopje, reason=reason, expected=2)
    assert second.reference in str(error.value)  # no consent to transfer
    assert not Transfer.objects.exists()
    services.consent_record(actor=ana, case=second, purpose=ConsentPurpose.TRANSFER, given=True)
    assert services.case_transfer_many(actor=boris, cases=[first, second], to_office=skopje, reason=reason, expected=2) == 2
    assert set(Transfer.objects.values_list("case", "status")) == {
        (first.pk, TransferStatus.REQUESTED), (second.pk, TransferStatus.REQUESTED)
    }  # fmt: skip


# --- pages ------------------------------------------------------------------------------------------


def test_the_case_page_offers_assignment_to_supervisors_only(case, ana, boris, nina, client_of):
    url = reverse("case_summary", kwargs={"reference": case.reference})
    assert b'data-testid="assign-form"' in client_of(boris).get(url).content
    assert b'data-testid="assign-form"' not in client_of(ana).get(url).content
    assign = reverse("case_assign", kwargs={"reference": case.reference})
    assert client_of(ana).post(assign, {"owner": nina.pk}).status_code == 403
    response = client_of(boris).post(assign, {"owner": nina.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.owner == nina


def test_assigning_someone_not_offered_says_so_and_changes_nothing(case, boris, sofia, client_of):
    auditor = _member("olga", sofia, Role.AUDITOR)
    response = client_of(boris).post(reverse("case_assign", kwargs={"reference": case.reference}), {"owner": auditor.pk})
    assert response.status_code == 422
    assert response.context["assign_form"].errors["owner"]
    case.refresh_from_db()
    assert case.owner.username == "ana"


def test_the_list_offers_bulk_actions_to_supervisors_only(case, ana, boris, client_of):
    assert b'data-testid="bulk-form"' in client_of(boris).get(reverse("case_list")).content
    assert b'data-testid="bulk-form"' not in client_of(ana).get(reverse("case_list")).content
    assert client_of(ana).post(reverse("case_bulk"), {"selected": [case.pk], "action": "assign"}).status_code == 403


def test_bulk_assignment_from_the_list(open_case, boris, nina, client_of):
    cases = [open_case(), open_case(given_name="Мария")]
    client = client_of(boris)
    response = client.post(reverse("case_bulk"), {"selected": [c.pk for c in cases], "action": "assign", "assignee": nina.pk})
    assert response.status_code == 302
    assert set(Case.objects.values_list("owner", flat=True)) == {nina.pk}


def test_all_on_the_page_takes_the_cases_of_the_page_shown(open_case, boris, nina, client_of):
    cases = [open_case(), open_case(given_name="Мария")]
    data = {"all_on_page": "on", "page_cases": [c.pk for c in cases], "action": "assign", "assignee": nina.pk}
    client_of(boris).post(reverse("case_bulk"), data)
    assert set(Case.objects.values_list("owner", flat=True)) == {nina.pk}


def test_a_blocked_bulk_action_tells_which_case_and_changes_nothing(open_case, boris, nina, ana, client_of):
    adult, child = open_case(), open_case(born=CHILD_BORN)
    data = {"selected": [adult.pk, child.pk], "action": "assign", "assignee": nina.pk}
    response = client_of(boris).post(reverse("case_bulk"), data, follow=True)
    assert child.reference in response.content.decode()
    assert set(Case.objects.values_list("owner", flat=True)) == {ana.pk}


def test_a_case_the_supervisor_does_not_see_blocks_the_action_unnamed(case, boris, nina, marko, skopje, client_of):
    theirs = services.case_open(
        actor=marko, person=person_register(actor=marko, office=skopje, data={"given_name": "Ана"}), office=skopje
    )
    data = {"selected": [case.pk, theirs.pk], "action": "assign", "assignee": nina.pk}
    response = client_of(boris).post(reverse("case_bulk"), data, follow=True)
    assert theirs.reference not in response.content.decode()
    assert str(services.BULK_MISSING) in response.content.decode()
    case.refresh_from_db()
    assert case.owner.username == "ana"


def test_a_bulk_export_goes_the_way_of_every_export_with_the_selection(case, boris, client_of):
    client = client_of(boris)
    response = client.post(reverse("case_bulk"), {"selected": [case.pk], "action": "export"})
    assert response.status_code == 302
    assert response["Location"] == reverse("export_create")
    assert client.session[SEARCH] == {"selected": [case.pk]}


def test_the_start_page_links_each_caseload_to_that_caseworkers_cases(case, boris, client_of):
    content = client_of(boris).get(reverse("home")).content.decode()
    link = f"{reverse('case_list')}?owner={case.owner_id}"
    assert link in content
    listed = client_of(boris).get(link).context["page"].cases
    assert [c.pk for c in listed] == [case.pk]


def test_a_bulk_export_holds_the_selected_cases_and_no_others(open_case, ana, boris, client_of):
    """The selection becomes the export's search: the page describes it, the job holds exactly the
    selected cases with consent to export (each checked as every export checks it)."""
    chosen = [consent_to_export(open_case(), ana), consent_to_export(open_case(given_name="Мария"), ana)]
    consent_to_export(open_case(given_name="Елена"), ana)  # not selected
    client = just_confirmed(client_of(boris))
    client.post(reverse("case_bulk"), {"selected": [case.pk for case in chosen], "action": "export"})
    page = client.get(reverse("export_create")).content.decode()
    assert "Selected cases" in page
    started = client.post(reverse("export_create"), {"step": "confirm", "purpose": "authority"})
    assert started.status_code == 302
    assert ExportJob.objects.get().case_ids == sorted(case.pk for case in chosen)
