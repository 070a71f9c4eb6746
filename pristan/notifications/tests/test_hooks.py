"""Each action tells the people who must act or who asked, chosen by the access layer, and nobody else."""

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from pristan.cases.models import ConsentPurpose
from pristan.cases.services import consent_record, task_add
from pristan.core.models import Office, Role
from pristan.core.services import membership_grant, partner_membership_grant
from pristan.erasure.services import erasure_request
from pristan.interchange.models import ImportJob
from pristan.notifications.models import Notification, NotificationKind
from pristan.notifications.services import notify_export_finished, notify_import_finished
from pristan.referrals.services import referral_move, referral_send, transfer_decide, transfer_request

REASON = "AdditionalServicesRequired"


def _told(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def _everyone_told() -> set[tuple[str, str]]:
    return set(Notification.objects.values_list("user__username", "kind"))


@pytest.fixture
def staff(django_user_model, sofia, skopje):
    """Beside the named world: Skopje's supervisor and an office-wide caseworker (both cleared), an
    uncleared Skopje caseworker, and Sofia's data-protection focal points (one uncleared)."""

    def member(username: str, office: Office, role: str, **grant: Any) -> User:
        user = django_user_model.objects.create_user(username)
        membership_grant(actor=None, user=user, office=office, role=role, **grant)
        return user

    return {
        "stefan": member("stefan", skopje, Role.SUPERVISOR, child_clearance=True),
        "sara": member("sara", skopje, Role.CASEWORKER, scope="office", child_clearance=True),
        "sanja": member("sanja", skopje, Role.CASEWORKER, scope="office", child_clearance=False),
        "fiona": member("fiona", sofia, Role.FOCAL_POINT, child_clearance=True),
        "filip": member("filip", sofia, Role.FOCAL_POINT, child_clearance=False),
        "kiril": member("kiril", skopje, Role.FOCAL_POINT, child_clearance=True),
    }


@pytest.fixture
def child_case(open_case, ana):
    child = open_case("Мила", "Петрова", date_of_birth=date(2015, 5, 5))
    for purpose in (ConsentPurpose.REFERRAL, ConsentPurpose.TRANSFER):
        consent_record(actor=ana, case=child, purpose=purpose, given=True)
    return child


def test_a_referral_to_a_partner_tells_its_users_only(active_case, ana, boris, nina, marko, partner, partner_user, staff,
                                                      django_user_model, organisation):  # fmt: skip
    other = type(partner).objects.create(name="Other NGO", org_type="NGO", country="BG")
    other_user = django_user_model.objects.create_user("olga")
    partner_membership_grant(actor=None, user=other_user, organisation=other)
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.REFERRAL, given=True)
    referral = referral_send(actor=ana, case=active_case, organisation=partner, reason=REASON)
    assert _everyone_told() == {("petra", NotificationKind.REFERRAL_AWAITING)}
    notification = Notification.objects.get()
    assert (notification.case, notification.link) == (active_case, reverse("referral_inbox"))
    assert referral.pk
    assert notification.subject == f"referral:{referral.pk}"


def test_a_partner_without_clearance_is_not_told_of_a_childs_case(child_case, ana, partner, partner_user, django_user_model):
    cleared = django_user_model.objects.create_user("cveta")
    partner_membership_grant(actor=None, user=cleared, organisation=partner, child_clearance=True)
    referral_send(actor=ana, case=child_case, organisation=partner, reason=REASON)
    assert _told(NotificationKind.REFERRAL_AWAITING) == {"cveta"}


def test_a_referral_to_an_office_tells_who_answers_there(child_case, active_case, ana, marko, staff):
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.REFERRAL, given=True)
    referral_send(actor=ana, case=active_case, office=staff["sara"].memberships.get().office, reason=REASON)
    # Marko's reach is his own cases: he does not answer for the office. The focal point changes no case.
    assert _told(NotificationKind.REFERRAL_AWAITING) == {"stefan", "sara", "sanja"}
    Notification.objects.all().delete()
    referral_send(actor=ana, case=child_case, office=staff["sara"].memberships.get().office, reason=REASON)
    assert _told(NotificationKind.REFERRAL_AWAITING) == {"stefan", "sara"}  # not Sanja: no child-protection clearance


def test_the_sender_is_told_of_the_answer(active_case, ana, boris, partner, partner_user):
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.REFERRAL, given=True)
    accepted = referral_send(actor=ana, case=active_case, organisation=partner, reason=REASON)
    declined = referral_send(actor=boris, case=active_case, organisation=partner, reason=REASON)
    referral_move(actor=partner_user, referral=accepted, status="accepted")
    referral_move(actor=partner_user, referral=declined, status="declined")
    assert _told(NotificationKind.REFERRAL_ACCEPTED) == {"ana"}
    assert _told(NotificationKind.REFERRAL_DECLINED) == {"boris"}
    before = Notification.objects.count()
    referral_move(actor=ana, referral=accepted, status="done")  # the sender's own move tells nobody
    assert Notification.objects.count() == before


def test_a_transfer_tells_the_receiving_supervisors_then_the_requester(active_case, open_case, ana, boris, skopje, staff):
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.TRANSFER, given=True)
    transfer = transfer_request(actor=boris, case=active_case, to_office=skopje, reason="She returns home to Skopje.")
    assert _everyone_told() == {("stefan", NotificationKind.TRANSFER_AWAITING)}
    transfer_decide(actor=staff["stefan"], transfer=transfer, accept=True)
    assert _told(NotificationKind.TRANSFER_ACCEPTED) == {"boris"}  # the sending office keeps reading the case

    other = open_case("Ана", "Маринова")
    consent_record(actor=ana, case=other, purpose=ConsentPurpose.TRANSFER, given=True)
    declined = transfer_request(actor=ana, case=other, to_office=skopje, reason="She may return home to Skopje.")
    transfer_decide(actor=staff["stefan"], transfer=declined, accept=False)
    assert _told(NotificationKind.TRANSFER_DECLINED) == {"ana"}


def test_a_requester_who_no_longer_sees_the_case_is_not_told(active_case, ana, skopje, staff):
    consent_record(actor=ana, case=active_case, purpose=ConsentPurpose.TRANSFER, given=True)
    transfer = transfer_request(actor=ana, case=active_case, to_office=skopje, reason="She returns home to Skopje.")
    transfer_decide(actor=staff["stefan"], transfer=transfer, accept=True)
    # Ana reaches her own cases only: once the case is Skopje's (and its supervisor's), it no longer exists for her.
    assert _told(NotificationKind.TRANSFER_ACCEPTED) == set()


def test_a_transfer_of_a_childs_case_skips_an_uncleared_supervisor(child_case, ana, skopje, django_user_model):
    uncleared = django_user_model.objects.create_user("sven")
    membership_grant(actor=None, user=uncleared, office=skopje, role=Role.SUPERVISOR, child_clearance=False)
    transfer_request(actor=ana, case=child_case, to_office=skopje, reason="She returns home to Skopje.")
    assert _told(NotificationKind.TRANSFER_AWAITING) == set()


def test_a_task_tells_its_assignee_never_oneself(active_case, ana, boris):
    task_add(actor=ana, case=active_case, title="Call the shelter", due_on=date(2026, 3, 1))
    assert _everyone_told() == set()
    task = task_add(actor=ana, case=active_case, title="Sign the plan", due_on=date(2026, 3, 1), assignee=boris)
    assert _everyone_told() == {("boris", NotificationKind.TASK_ASSIGNED)}
    assert Notification.objects.get().link == reverse("case_notes", kwargs={"reference": active_case.reference})
    assert Notification.objects.get().subject == f"task:{task.pk}"


def test_a_caseworker_without_clearance_is_not_told_of_a_childs_case(child_case, ana, nina):
    task_add(actor=ana, case=child_case, title="Call the school", due_on=date(2026, 3, 1), assignee=nina)
    assert _everyone_told() == set()


def test_an_erasure_request_tells_the_focal_points_who_decide_it(active_case, child_case, ana, boris, staff):
    erasure_request(actor=ana, case=active_case, reason="The person asked for it.")
    # Not Kiril: his scope is Skopje. Not the supervisor: supervisors do not decide erasure.
    assert _everyone_told() == {("fiona", NotificationKind.ERASURE_AWAITING), ("filip", NotificationKind.ERASURE_AWAITING)}
    assert Notification.objects.filter(user=staff["fiona"]).get().link == reverse(
        "erasure_decide", kwargs={"reference": active_case.reference}
    )
    Notification.objects.all().delete()
    erasure_request(actor=ana, case=child_case, reason="The guardian asked for it.")
    assert _everyone_told() == {("fiona", NotificationKind.ERASURE_AWAITING)}  # not Filip: no clearance


def test_a_focal_point_is_not_told_of_their_own_request(active_case, staff, sofia, skopje, django_user_model):
    # Dora changes Sofia's cases and decides erasure for Sofia from Skopje: she may ask, never decide her own request.
    dora = django_user_model.objects.create_user("dora")
    membership_grant(actor=None, user=dora, office=sofia, role=Role.CASEWORKER, scope="office", child_clearance=True)
    membership_grant(actor=None, user=dora, office=skopje, role=Role.FOCAL_POINT, scope="region", region_offices=[sofia])
    erasure_request(actor=dora, case=active_case, reason="The person asked for it.")
    assert _told(NotificationKind.ERASURE_AWAITING) == {"fiona", "filip"}


def test_an_import_that_ends_tells_who_started_it(ana, marko, sofia):
    done = ImportJob.objects.create(office=sofia, actor=ana, filename="a.csv", status=ImportJob.Status.DONE)
    failed = ImportJob.objects.create(office=sofia, actor=ana, filename="b.csv", status=ImportJob.Status.FAILED)
    waiting = ImportJob.objects.create(office=sofia, actor=ana, filename="c.csv", status=ImportJob.Status.READY)
    for job in (done, failed, waiting, done):  # the same run twice tells once
        notify_import_finished(job=job)
    assert _everyone_told() == {("ana", NotificationKind.IMPORT_DONE), ("ana", NotificationKind.IMPORT_FAILED)}
    assert Notification.objects.get(kind=NotificationKind.IMPORT_DONE).link == reverse("import_job", args=[done.pk])


def test_an_export_that_ends_tells_who_asked(ana):
    notify_export_finished(user=ana, export_id=7, link="/exports/7/")
    notify_export_finished(user=ana, export_id=8, failed=True)
    assert _everyone_told() == {("ana", NotificationKind.EXPORT_DONE), ("ana", NotificationKind.EXPORT_FAILED)}
    assert Notification.objects.get(kind=NotificationKind.EXPORT_DONE).link == "/exports/7/"


def test_an_import_run_from_the_page_tells_who_started_it(client_of, ana, sofia, settings, tmp_path):
    from pristan.interchange.tests.test_pages import _upload
    from pristan.interchange.tests.test_services import ROWS

    settings.PRISTAN_IMPORT_IN_BACKGROUND, settings.VAR_DIR = False, tmp_path
    client = client_of(ana)
    client.post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    job = ImportJob.objects.get()
    assert _everyone_told() == set()  # checked, waiting for her confirmation: she is on the page
    client.post(reverse("import_job", args=[job.pk]), {"action": "import"})
    assert _everyone_told() == {("ana", NotificationKind.IMPORT_DONE)}
