"""Past exports, for those who read the audit trail of the office: who, when, why, how many."""

from datetime import date

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.urls import reverse

from pristan.cases.models import Case
from pristan.core.models import Role
from pristan.core.services import membership_grant
from pristan.exports.models import ExportPurpose
from pristan.exports.services import ExportResult, export_cases
from pristan.exports.tests.conftest import PASSPHRASE, consent_to_export

EXPORTS = reverse("export_list")


def _export(actor: User, cases: QuerySet[Case]) -> ExportResult:
    return export_cases(actor=actor, cases=cases, purpose=ExportPurpose.TRANSFER, passphrase=PASSPHRASE, ip="127.0.0.1")


def test_supervisors_and_focal_points_see_the_exports_of_their_office(ana, boris, staff, open_case, client_of):
    consent_to_export(open_case("Иван", "Петров"), ana)
    ours = _export(ana, Case.objects.all()).record
    for user in (boris, staff("focal_point"), staff("auditor")):
        response = client_of(user).get(EXPORTS)
        assert response.status_code == 200
        body = response.content.decode()
        assert ours.sha256[:12] in body
        assert "Transfer to another case-management system" in body
        assert "Иван" not in body  # counts, never the people


def test_another_offices_exports_are_not_listed(ana, boris, marko, skopje, open_case, client_of):
    consent_to_export(open_case(), ana)
    ours = _export(ana, Case.objects.all()).record
    assert client_of(marko).get(EXPORTS).status_code == 404  # a caseworker does not read the trail
    membership_grant(actor=None, user=marko, office=skopje, role=Role.SUPERVISOR)
    assert ours.sha256[:12] not in client_of(marko).get(EXPORTS).content.decode()


def test_caseworkers_do_not_see_the_list(ana, client_of):
    assert client_of(ana).get(EXPORTS).status_code == 404


def test_an_export_with_a_childs_case_is_not_listed_for_a_reader_without_clearance(
    ana, boris, sofia, open_case, client_of, django_user_model
):
    consent_to_export(open_case("Петя", "Петрова", born=date(2014, 2, 3)), ana)
    record = _export(ana, Case.objects.all()).record
    uncleared = django_user_model.objects.create_user("focal-uncleared")
    membership_grant(actor=None, user=uncleared, office=sofia, role=Role.FOCAL_POINT, child_clearance=False)
    assert record.sha256[:12] in client_of(boris).get(EXPORTS).content.decode()
    assert record.sha256[:12] not in client_of(uncleared).get(EXPORTS).content.decode()
