"""The research export over generated and hand-made cases: who may make it, which cases it draws
on, that it holds no identifier, that it is k-anonymous, and that each file is recorded."""

import csv
import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pristan.cases.models import Case, ConsentOverride, ConsentPurpose
from pristan.cases.selectors import consent_in_force
from pristan.cases.services import ELIGIBLE_DECISIONS, consent_record
from pristan.core.models import AuditEntry, Office, Role
from pristan.core.services import membership_grant
from pristan.demo.generate import generate
from pristan.keystore.services import key_scope
from pristan.research import ctdc
from pristan.research.anonymity import quasi_key
from pristan.research.models import ResearchExport
from pristan.research.services import ctdc_export, ctdc_export_write

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(django_user_model):
    """Generated cases in two demo offices, an analyst (global, cleared) and one without clearance,
    and a supervisor of the first office."""
    generate(cases=400, offices=2, seed=11, progress=False)
    first = Office.objects.order_by("pk")[0]
    users = {}
    for name, role, clearance in (
        ("lidia", Role.ANALYST, True),
        ("petar", Role.ANALYST, False),
        ("sonja", Role.SUPERVISOR, True),
    ):
        users[name] = django_user_model.objects.create_user(name)
        membership_grant(actor=None, user=users[name], office=first, role=role, child_clearance=clearance)
    return first, users


def _eligible(case: Case) -> bool:
    latest = case.screenings.order_by("-screened_on", "-id").first()
    return (
        consent_in_force(case, ConsentPurpose.RESEARCH)
        and latest is not None
        and latest.decision in ELIGIBLE_DECISIONS
        and case.person.erased_at is None
    )


def test_only_cases_with_consent_to_research_in_force_are_considered(generated):
    office, users = generated
    cases = list(Case.objects.select_related("person"))
    expected = [case for case in cases if _eligible(case)]
    assert 0 < len(expected) < len(cases)
    assert ctdc_export(actor=users["lidia"], k=5).report.considered == len(expected)
    # A supervisor: the cases of their office only.
    assert ctdc_export(actor=users["sonja"], k=5).report.considered == len([c for c in expected if c.office_id == office.pk])
    # Without child-protection clearance, children's cases are left out, even from the counts.
    adults = [case for case in expected if not case.is_minor]
    assert len(adults) < len(expected)
    assert ctdc_export(actor=users["petar"], k=5).report.considered == len(adults)


@pytest.mark.parametrize("k", [5, 11])
def test_no_published_combination_of_quasi_identifiers_occurs_fewer_than_k_times(generated, k):
    _office, users = generated
    result = ctdc_export(actor=users["lidia"], k=k)
    counts: dict[tuple[str, ...], int] = {}
    for row in result.rows:
        counts[quasi_key(row)] = counts.get(quasi_key(row), 0) + 1
    assert result.rows, "generated data should publish something"
    assert min(counts.values()) >= k
    assert result.report.published == len(result.rows)
    assert result.report.published + result.report.suppressed == result.report.considered


def test_no_identifier_in_the_file(generated):
    _office, users = generated
    content = ctdc_export_write(actor=users["lidia"], k=5).content.decode("utf-8")
    cells = {cell for row in csv.reader(io.StringIO(content)) for value in row for cell in value.split(";")}
    identifiers: set[str] = set()
    with key_scope():
        for case in Case.objects.select_related("person"):
            person = case.person
            for name in (person.given_name, person.family_name, person.other_names, person.aliases, person.name_latin):
                identifiers |= set(name.split())
            identifiers |= {case.reference, str(person.date_of_birth), case.opened_on.isoformat()}
    identifiers.discard("None")
    assert len(identifiers) > 100
    assert not cells & identifiers
    words = set(re.findall(r"\w+", content))
    assert not words & {name for name in identifiers if len(name) > 3}
    assert not re.search(r"\d{4}-\d{2}-\d{2}", content), "no date"
    assert not re.search(r"[A-Z]{3,8}-\d{4}-\d{5}", content), "no case reference"
    header, *rows = list(csv.reader(io.StringIO(content)))
    assert header == list(ctdc.COLUMNS)
    assert all(len(row) == 63 for row in rows)


def test_consent_withdrawn_or_overridden_does_not_count(victim, analyst, ana, boris):
    for _ in range(5):
        victim()
    withdrawn = victim()
    consent_record(actor=ana, case=withdrawn, purpose=ConsentPurpose.RESEARCH, given=False)
    overridden = victim(research=False)
    ConsentOverride.objects.create(case=overridden, purpose=ConsentPurpose.RESEARCH, reason="Study", by=boris, at=timezone.now())
    given_again = victim()
    consent_record(actor=ana, case=given_again, purpose=ConsentPurpose.RESEARCH, given=False)
    consent_record(actor=ana, case=given_again, purpose=ConsentPurpose.RESEARCH, given=True)
    victim(research=False)  # never consented
    result = ctdc_export(actor=analyst, k=5)
    assert result.report.considered == 6  # the five, and the one who gave consent again
    assert result.report.published == 6  # six adults alike: one group


def test_a_case_not_screened_as_a_victim_is_left_out(victim, analyst, ana, open_case):
    from pristan.screening.services import screening_record

    for _ in range(5):
        victim()
    not_a_victim = victim()
    screening_record(
        actor=ana, case=not_a_victim, indicator_list="adult_labour", indicators=[], decision="NotAVictimOfTrafficking",
        reason="No indicator.",
    )  # fmt: skip
    unscreened = open_case()
    consent_record(actor=ana, case=unscreened, purpose=ConsentPurpose.RESEARCH, given=True)
    assert ctdc_export(actor=analyst, k=5).report.considered == 5


@pytest.mark.parametrize("persona", ["ana", "vera", "auditor", "partner_user"])
def test_only_analysts_and_supervisors_make_research_data(persona, request):
    user: User = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        ctdc_export(actor=user)


@pytest.mark.parametrize("k", [0, 1, 4, 1001])
def test_k_is_checked(analyst, k):
    with pytest.raises(ValidationError):
        ctdc_export(actor=analyst, k=k)


def test_each_file_is_recorded_and_audited_by_counts_never_cases(victim, analyst):
    cases = [victim() for _ in range(6)]
    written = ctdc_export_write(actor=analyst, k=5, ip="192.0.2.7")
    record = ResearchExport.objects.get()
    assert (record.actor, record.k, record.records_considered, record.records_published, record.records_suppressed) == (
        analyst, 5, 6, 6, 0,
    )  # fmt: skip
    assert len(record.sha256) == 64
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).get()
    assert (entry.actor, entry.object_type, entry.case, entry.detail) == (analyst, "research.researchexport", None, "ctdc k=5")
    assert not any(case.reference in entry.detail for case in cases)
    assert written.filename.startswith("pristan-ctdc-k5-")


def test_the_queries_do_not_grow_with_the_cases(generated, django_assert_max_num_queries):
    _office, users = generated
    with django_assert_max_num_queries(8):  # memberships, cases, events, perpetrators, data keys
        assert ctdc_export(actor=users["lidia"], k=11).report.considered > 100
