"""The pages of possible duplicates: matches while registering (who sees what), opening a new case for a
returning person, asking for a check, the review queue, a pair and its decision."""

import itertools
from datetime import date

import pytest
from django.urls import reverse

from conftest import member
from pristan.cases.models import Case
from pristan.cases.services import case_open
from pristan.core.models import AuditEntry, Office, Role, Scope
from pristan.duplicates import services
from pristan.duplicates.models import CandidatePair, CheckRequest, MergeRecord, PairDecision
from pristan.notifications.models import Notification, NotificationKind
from pristan.people.models import Person
from pristan.people.services import person_register

BORN = date(1990, 3, 14)
DJORDJE = {"given_name": "Đorđe", "family_name": "Jovanović", "date_of_birth": "1990-03-14"}
ELSEWHERE = "A possible match exists elsewhere."


def registration(office: Office, **typed: object) -> dict[str, object]:
    return {"office": office.pk, **typed}


@pytest.fixture
def djordje(open_case):
    """Ђорђе Јовановић, registered in Sofia (Cyrillic)."""
    return open_case(given_name="Ђорђе", family_name="Јовановић", born=BORN)


@pytest.fixture
def djordje_in_skopje(marko, skopje):
    person = person_register(
        actor=marko, office=skopje, data={"given_name": "Ђорђе", "family_name": "Јовановић", "date_of_birth": BORN}
    )
    return case_open(actor=marko, person=person, office=skopje)


@pytest.fixture
def gala(sofia, skopje):
    """A supervisor over every office: she sees both Sofia's and Skopje's persons."""
    return member("gala", sofia, Role.SUPERVISOR, scope=Scope.GLOBAL, child_clearance=True)


def pair_of(first: Person, second: Person, **extra: object) -> CandidatePair:
    a, b = sorted((first.pk, second.pk))
    values = {"probability": 0.97, "match_weight": 9.0, "found_by": "scan", "reasons": [{"field": "name", "level": "swapped"}]}
    return CandidatePair.objects.create(person_a_id=a, person_b_id=b, **(values | extra))


# --- while registering ---------------------------------------------------------------------------


def test_a_person_she_sees_is_shown_as_a_card_in_its_own_script(client_of, ana, sofia, djordje):
    response = client_of(ana).post(reverse("duplicates:possible_matches"), registration(sofia, **DJORDJE))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ђорђе Јовановић" in page
    assert "Đorđe Jovanović" in page
    assert djordje.reference in page
    assert "Sofia (SOF)" in page
    assert "1990" in page
    assert "the same after spelling and script are set aside" in page  # the reason, as a reader reads it
    assert "Open a new case for this person" in page
    assert ELSEWHERE not in page


def test_a_person_she_may_not_see_is_only_said_to_exist_elsewhere(client_of, ana, sofia, djordje_in_skopje):
    response = client_of(ana).post(reverse("duplicates:possible_matches"), registration(sofia, **DJORDJE))
    page = response.content.decode()
    assert ELSEWHERE in page
    for leak in ("Ђорђе", djordje_in_skopje.reference, "Skopje", "SKP", "0.99", "Open a new case"):
        assert leak not in page


def test_a_weak_match_elsewhere_is_not_mentioned(client_of, ana, sofia, djordje_in_skopje):
    """Without the date of birth agreeing the stand-in proposes at 0.85: below "elsewhere"'s 0.95."""
    typed = DJORDJE | {"date_of_birth": ""}
    page = client_of(ana).post(reverse("duplicates:possible_matches"), registration(sofia, **typed)).content.decode()
    assert ELSEWHERE not in page


def test_every_look_up_is_audited_without_what_was_typed(client_of, ana, sofia, djordje):
    client_of(ana).post(reverse("duplicates:possible_matches"), registration(sofia, **DJORDJE))
    entry = AuditEntry.objects.get(actor=ana, detail=services.LOOKUP_DETAIL)
    assert entry.action == AuditEntry.Action.VIEW
    assert entry.fields == ["possible_matches"]
    assert "Jovanovi" not in str(entry.__dict__)
    assert "1990" not in str(entry.__dict__)


def test_nothing_is_looked_up_before_a_name_is_typed(client_of, ana, sofia):
    client_of(ana).post(reverse("duplicates:possible_matches"), registration(sofia, given_name="Đ"))
    assert not AuditEntry.objects.filter(detail=services.LOOKUP_DETAIL).exists()


def test_look_ups_are_limited_per_user(client_of, ana, boris, sofia, djordje_in_skopje, monkeypatch):
    monkeypatch.setattr(services, "LOOKUPS_PER_WINDOW", 2)
    client = client_of(ana)
    pages = [
        client.post(reverse("duplicates:possible_matches"), registration(sofia, **DJORDJE)).content.decode() for _ in range(3)
    ]
    assert ELSEWHERE in pages[0]
    assert ELSEWHERE in pages[1]
    assert ELSEWHERE not in pages[2]
    assert "too often" in pages[2]
    assert AuditEntry.objects.filter(actor=ana, detail=services.LOOKUP_DETAIL).count() == 2
    assert (
        ELSEWHERE
        in client_of(boris).post(reverse("duplicates:possible_matches"), registration(sofia, **DJORDJE)).content.decode()
    )


def test_who_registers_nowhere_looks_up_nothing(client_of, sofia, movement_officer, partner_user, djordje):
    for user in (movement_officer, partner_user, member("alek", sofia, Role.ANALYST)):
        response = client_of(user).post(reverse("duplicates:possible_matches"), registration(sofia, **DJORDJE))
        assert response.status_code == 403


def test_open_a_new_case_for_a_person_she_sees(client_of, ana, sofia, djordje):
    response = client_of(ana).post(
        reverse("duplicates:open_case"), registration(sofia, **DJORDJE) | {"person": djordje.person_id}
    )
    new = Case.objects.exclude(pk=djordje.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("case_consent", args=[new.reference])
    assert new.person_id == djordje.person_id
    assert Person.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CREATE, object_id=str(new.pk)).exists()


def test_no_new_case_for_a_person_she_may_not_see(client_of, ana, sofia, djordje_in_skopje):
    response = client_of(ana).post(reverse("duplicates:open_case"), {"office": sofia.pk, "person": djordje_in_skopje.person_id})
    assert response.status_code == 404
    assert Case.objects.count() == 1


def test_no_new_case_for_a_child_without_clearance(client_of, open_case, sofia):
    nina = member("nina2", sofia, Role.CASEWORKER, child_clearance=False, scope="office")
    child = open_case(given_name="Марија", family_name="Петрова", born=date.today().replace(year=date.today().year - 10))
    response = client_of(nina).post(reverse("duplicates:open_case"), {"office": sofia.pk, "person": child.person_id})
    assert response.status_code == 404


def test_no_new_case_in_an_office_she_does_not_register_in(client_of, ana, skopje, djordje):
    response = client_of(ana).post(reverse("duplicates:open_case"), {"office": skopje.pk, "person": djordje.person_id})
    assert response.status_code == 403
    assert Case.objects.count() == 1


def test_without_scripts_the_matches_are_shown_once_before_creating(client_of, ana, sofia, djordje):
    client = client_of(ana)
    response = client.post(reverse("register"), registration(sofia, **DJORDJE))
    assert response.status_code == 200
    assert Person.objects.count() == 1
    page = response.content.decode()
    assert "Ђорђе Јовановић" in page
    assert "Register as a new person anyway" in page
    response = client.post(reverse("register"), registration(sofia, **DJORDJE) | {"anyway": "1"})
    assert response.status_code == 302
    assert Person.objects.count() == 2


def test_without_matches_registration_goes_on_at_once(client_of, ana, sofia):
    response = client_of(ana).post(reverse("register"), registration(sofia, given_name="Мила", family_name="Колева"))
    assert response.status_code == 302
    assert Person.objects.count() == 1


def test_a_check_is_asked_of_those_who_see_both(client_of, ana, boris, gala, sofia, djordje_in_skopje):
    client = client_of(ana)
    assert ELSEWHERE in client.post(reverse("register"), registration(sofia, **DJORDJE)).content.decode()
    response = client.post(reverse("register"), registration(sofia, **DJORDJE) | {"anyway": "1", "ask_check": "1"})
    assert response.status_code == 302
    new = Person.objects.exclude(pk=djordje_in_skopje.person_id).get()
    check = CheckRequest.objects.get()
    pair = check.pair
    assert {pair.person_a_id, pair.person_b_id} == {new.pk, djordje_in_skopje.person_id}
    assert pair.found_by == CandidatePair.FoundBy.REGISTRATION
    assert check.asked_by == ana
    assert check.office == sofia
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.CREATE, object_id=str(check.pk), detail="duplicate check requested"
    ).exists()
    told = Notification.objects.filter(kind=NotificationKind.DUPLICATE_CHECK)
    assert [notification.user for notification in told] == [gala]  # boris sees Sofia only, ana only her side


def test_a_check_is_recomputed_on_the_server_never_taken_from_the_form(client_of, ana, sofia, djordje, djordje_in_skopje):
    """Asked for a person she could not have been told of (the form names whom it likes): nothing."""
    typed = registration(sofia, given_name="Мила", family_name="Колева")
    typed |= {"anyway": "1", "ask_check": "1", "person": djordje_in_skopje.person_id, "pair": "1"}
    client_of(ana).post(reverse("register"), typed)
    assert not CheckRequest.objects.exists()
    assert not CandidatePair.objects.exists()


# --- the review queue and a pair ----------------------------------------------------------------


@pytest.fixture
def pairs(open_case, djordje, djordje_in_skopje):
    second = open_case(given_name="Djordje", family_name="Jovanovic", born=BORN)
    third = open_case(given_name="Jovanović", family_name="Đorđe", born=BORN)
    ours = pair_of(djordje.person, second.person, probability=0.91)
    asked = pair_of(second.person, third.person, probability=0.80, found_by="registration")
    CheckRequest.objects.create(pair=asked, asked_by=djordje.owner, office=djordje.office)
    across = pair_of(djordje.person, djordje_in_skopje.person, probability=0.99)
    return {"ours": ours, "asked": asked, "across": across}


def test_the_queue_lists_check_requests_first_then_by_probability(client_of, boris, pairs):
    response = client_of(boris).get(reverse("duplicates:queue"))
    assert response.status_code == 200
    assert [pair.pk for pair in response.context["rows"]] == [pairs["asked"].pk, pairs["ours"].pk]  # not the pair across offices


def test_the_queue_filters_by_office_and_by_how_a_pair_was_found(client_of, boris, sofia, skopje, pairs):
    client = client_of(boris)
    assert [pair.pk for pair in client.get(reverse("duplicates:queue"), {"found_by": "scan"}).context["rows"]] == [
        pairs["ours"].pk
    ]
    assert len(client.get(reverse("duplicates:queue"), {"office": sofia.pk}).context["rows"]) == 2
    refused = client.get(reverse("duplicates:queue"), {"office": skopje.pk})  # not one of hers: a filter she cannot choose
    assert "office" in refused.context["form"].errors


def test_the_queue_costs_the_same_for_a_page_of_many_pairs(client_of, boris, open_case, django_assert_max_num_queries):
    persons = [open_case(given_name=f"Ana{index}", family_name="Petrova").person for index in range(12)]
    for first, second in itertools.pairwise(persons):
        pair_of(first, second)
    client = client_of(boris)
    client.get(reverse("duplicates:queue"))  # the session and the keys, once
    with django_assert_max_num_queries(30):
        response = client.get(reverse("duplicates:queue"))
    assert len(response.context["rows"]) == 11


def test_a_pair_shows_both_records_side_by_side(client_of, boris, djordje, pairs):
    response = client_of(boris).get(reverse("duplicates:pair", args=[pairs["ours"].pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ђорђе" in page
    assert "Djordje" in page
    assert djordje.reference in page
    assert "the same with given and family name swapped" in page
    assert AuditEntry.objects.filter(actor=boris, action=AuditEntry.Action.VIEW, object_id=str(pairs["ours"].pk)).exists()


def test_a_pair_with_a_person_she_may_not_see_does_not_exist(client_of, boris, pairs):
    client = client_of(boris)
    assert client.get(reverse("duplicates:pair", args=[pairs["across"].pk])).status_code == 404
    assert client.post(reverse("duplicates:pair_decide", args=[pairs["across"].pk]), {"decision": "not_same"}).status_code == 404
    assert client.get(reverse("duplicates:merge", args=[pairs["across"].pk])).status_code == 404
    assert not PairDecision.objects.exists()


def test_a_childs_pair_does_not_exist_without_clearance(client_of, open_case, sofia):
    child = date.today().replace(year=date.today().year - 10)
    first = open_case(given_name="Марија", family_name="Петрова", born=child)
    second = open_case(given_name="Marija", family_name="Petrova", born=child)
    pair = pair_of(first.person, second.person)
    sonja = member("sonja", sofia, Role.SUPERVISOR, child_clearance=False)
    assert client_of(sonja).get(reverse("duplicates:pair", args=[pair.pk])).status_code == 404
    assert client_of(sonja).get(reverse("duplicates:queue")).context["rows"] == []


def test_who_reviews_nothing_is_refused_every_page(client_of, ana, marko, partner_user, sofia, pairs):
    analyst = member("alek", sofia, Role.ANALYST)
    pair = pairs["ours"]
    merge = MergeRecord.objects.create(survivor=pair.person_a, merged=pair.person_b, merged_by=ana)
    for user in (ana, marko, partner_user, analyst):
        client = client_of(user)
        assert client.get(reverse("duplicates:queue")).status_code == 403
        assert client.get(reverse("duplicates:pair", args=[pair.pk])).status_code == 403
        assert client.post(reverse("duplicates:pair_decide", args=[pair.pk]), {"decision": "same"}).status_code == 403
        assert client.get(reverse("duplicates:merge", args=[pair.pk])).status_code == 403
        assert client.get(reverse("duplicates:merged", args=[merge.pk])).status_code == 403
        assert client.post(reverse("duplicates:unmerge", args=[merge.pk])).status_code == 403
    assert not PairDecision.objects.exists()


def test_not_the_same_person_is_recorded_and_audited(client_of, boris, pairs):
    asked = pairs["asked"]
    response = client_of(boris).post(reverse("duplicates:pair_decide", args=[asked.pk]), {"decision": "not_same"})
    assert response.status_code == 302
    assert response["Location"] == reverse("duplicates:queue")
    asked.refresh_from_db()
    assert asked.status == CandidatePair.Status.NOT_SAME
    decision = PairDecision.objects.get()
    assert (decision.pair, decision.decided_by, decision.decision) == (asked, boris, "not_same")
    assert CheckRequest.objects.get().handled_by == boris
    assert AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE, object_id=str(asked.pk), fields=["status"]).exists()


def test_same_person_leads_to_the_merge_and_unsure_stays_in_the_queue(client_of, boris, pairs):
    client = client_of(boris)
    response = client.post(reverse("duplicates:pair_decide", args=[pairs["ours"].pk]), {"decision": "same"})
    assert response["Location"] == reverse("duplicates:merge", args=[pairs["ours"].pk])
    client.post(reverse("duplicates:pair_decide", args=[pairs["asked"].pk]), {"decision": "unsure"})
    assert pairs["asked"].pk in [pair.pk for pair in client.get(reverse("duplicates:queue")).context["rows"]]


def test_an_unknown_decision_changes_nothing(client_of, boris, pairs):
    response = client_of(boris).post(reverse("duplicates:pair_decide", args=[pairs["ours"].pk]), {"decision": "maybe"})
    assert response.status_code == 302
    assert not PairDecision.objects.exists()


def test_the_survivors_summary_links_the_records_merged_into_her(client_of, ana, boris, djordje, open_case):
    other = open_case(given_name="Djordje", family_name="Jovanovic", born=BORN)
    merge = MergeRecord.objects.create(survivor=djordje.person, merged=other.person, merged_by=boris)
    link = reverse("duplicates:merged", args=[merge.pk])
    assert link in client_of(boris).get(reverse("case_summary", args=[djordje.reference])).content.decode()
    assert link not in client_of(ana).get(reverse("case_summary", args=[djordje.reference])).content.decode()
    page = client_of(boris).get(reverse("duplicates:queue"), {"status": "merged"}).content.decode()
    assert link in page


# --- merge and unmerge -------------------------------------------------------------------------


def test_a_merge_is_confirmed_on_its_preview_and_undone_from_the_merged_record(client_of, boris, djordje, open_case):
    other = open_case(given_name="Djordje", family_name="Jovanovic", born=BORN)
    pair = pair_of(djordje.person, other.person)
    client = client_of(boris)
    preview = client.get(reverse("duplicates:merge", args=[pair.pk]), {"survivor": djordje.person_id})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert f'data-testid="consents-{djordje.reference}"' in page
    assert f'data-testid="consents-{other.reference}"' in page
    assert MergeRecord.objects.count() == 0  # a preview changes nothing

    response = client.post(reverse("duplicates:merge", args=[pair.pk]), {"survivor": djordje.person_id})
    record = MergeRecord.objects.get()
    assert response["Location"] == reverse("duplicates:merged", args=[record.pk])
    assert (record.survivor_id, record.merged_id) == (djordje.person_id, other.person_id)
    assert set(Case.objects.values_list("person_id", flat=True)) == {djordje.person_id}
    summary = client.get(reverse("case_summary", args=[other.reference])).content.decode()
    assert reverse("duplicates:merged", args=[record.pk]) in summary  # the moved case's summary leads to the unmerge

    response = client.post(reverse("duplicates:unmerge", args=[record.pk]))
    assert response["Location"] == reverse("duplicates:merged", args=[record.pk])
    record.refresh_from_db()
    assert record.state == MergeRecord.State.UNMERGED
    assert Case.objects.get(pk=other.pk).person_id == other.person_id
    again = client.post(reverse("duplicates:unmerge", args=[record.pk]), follow=True)  # a service's refusal: a message
    assert [str(message) for message in again.context["messages"]]
    record.refresh_from_db()
    assert record.state == MergeRecord.State.UNMERGED


def test_a_merge_the_reviewer_may_not_make_is_refused_with_a_message(client_of, boris, marko, skopje, djordje, open_case):
    """Boris sees both persons, but one of them has a case in Skopje too, beyond his reach: the
    merge service refuses, the page says why, and nothing changes."""
    other = open_case(given_name="Djordje", family_name="Jovanovic", born=BORN)
    case_open(actor=marko, person=djordje.person, office=skopje)
    pair = pair_of(djordje.person, other.person)
    client = client_of(boris)
    for response in (
        client.get(reverse("duplicates:merge", args=[pair.pk]), follow=True),
        client.post(reverse("duplicates:merge", args=[pair.pk]), {"survivor": djordje.person_id}, follow=True),
    ):
        assert response.redirect_chain[-1][0] == reverse("duplicates:pair", args=[pair.pk])
        assert any("every case of both" in str(message) for message in response.context["messages"])
    assert not MergeRecord.objects.exists()
    assert Case.objects.get(pk=other.pk).person_id == other.person_id
