"""The import preview's possible duplicates: rows that may be persons already in Pristan, split by
what the importer may see, linked or created as she chooses; choices that were not offered refused.

The engine (`duplicates.propose.candidates`, with its Splink model) is tested in pristan/duplicates;
here it is stood in for by its answers, so that which row matches whom is known exactly."""

import csv
import io
from collections.abc import Callable
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from pristan.cases import services as case_services
from pristan.cases.models import Case
from pristan.core.models import AuditEntry
from pristan.duplicates import propose
from pristan.duplicates.models import CandidatePair
from pristan.duplicates.types import Candidate, PersonData, Reason
from pristan.interchange import duplicates
from pristan.interchange.models import ImportedRecord, ImportJob
from pristan.people.models import Person
from pristan.people.services import person_register

HEADER = ["cas_Id", "prs_FirstName", "prs_SecondName", "prs_Birthdate", "prs_Gender", "prs_Citizenship", "cas_Status"]
ROWS = [
    ["R-1", "Đorđe", "Jovanović", "1990-04-12", "Masculine", "RS", "Active"],  # Ђорђе in Sofia: seen by ana
    ["R-2", "Gjorgji", "Trajkovski", "1985-07-01", "Masculine", "MK", "Active"],  # Ѓорѓи in Skopje: not seen
    ["R-3", "Elena", "Popa", "2001-11-30", "Feminine", "RO", "Active"],  # nobody
]
REASONS = (Reason("name", "exact"), Reason("date_of_birth", "exact"))


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """The engine's answers: the persons it proposes for a row, by the row's family name."""
    by_family: dict[str, list[int]] = {}

    def candidates(*, data: PersonData, exclude: object = (), limit: int = 20) -> list[Candidate]:
        return [Candidate(pk, 0.99, 12.5, REASONS) for pk in by_family.get(data.family_name, [])][:limit]

    monkeypatch.setattr(propose, "candidates", candidates)
    return by_family


@pytest.fixture
def world(answers, ana, marko, sofia, skopje) -> dict[str, Person]:
    """Ђорђе Јовановић registered in Sofia (ana's office), Ѓорѓи Трајковски in Skopje (marko's)."""
    seen = person_register(
        actor=ana, office=sofia, data={"given_name": "Ђорђе", "family_name": "Јовановић", "date_of_birth": date(1990, 4, 12)}
    )
    case_services.case_open(actor=ana, person=seen, office=sofia)
    hidden = person_register(
        actor=marko, office=skopje, data={"given_name": "Ѓорѓи", "family_name": "Трајковски", "date_of_birth": date(1985, 7, 1)}
    )
    case_services.case_open(actor=marko, person=hidden, office=skopje)
    answers["Jovanović"] = [seen.pk]
    answers["Trajkovski"] = [hidden.pk]
    return {"seen": seen, "hidden": hidden}


def _upload(rows: list[list[str]]) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile("cases.csv", buffer.getvalue().encode("utf-8"), content_type="text/csv")


@pytest.fixture
def checked(client_of: Callable[..., Client], ana, sofia, world) -> tuple[Client, ImportJob]:
    client = client_of(ana)
    client.post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.READY
    return client, job


def test_the_preview_offers_a_person_the_importer_sees_and_only_mentions_one_she_does_not(checked, world):
    client, job = checked
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    seen_case = Case.objects.get(person=world["seen"])
    assert 'data-testid="match-row-2"' in page  # R-1, the file's second line
    assert "Ђорђе Јовановић" in page
    assert seen_case.reference in page
    assert f'value="{world["seen"].pk}"' in page
    assert "1 row has a possible match elsewhere" in page
    hidden_case = Case.objects.get(person=world["hidden"])
    assert "Ѓорѓи" not in page
    assert "Трајковски" not in page
    assert hidden_case.reference not in page
    assert f'value="{world["hidden"].pk}"' not in page
    assert 'data-testid="match-row-3"' not in page
    assert 'data-testid="match-row-4"' not in page
    looked_up = AuditEntry.objects.get(detail__contains="looked up for possible duplicates")
    assert (looked_up.action, looked_up.actor_id) == (AuditEntry.Action.VIEW, job.actor_id)
    assert "3 rows" in looked_up.detail


def test_a_linked_row_opens_its_case_for_the_existing_person(checked, world):
    client, job = checked
    persons = Person.objects.count()
    done = client.post(reverse("import_job", args=[job.pk]), {"action": "import", "link-2": str(world["seen"].pk)}, follow=True)
    assert done.status_code == 200
    job.refresh_from_db()
    assert (job.status, job.created) == (ImportJob.Status.DONE, 3)
    assert Person.objects.count() == persons + 2  # are new; R-1 is Ђорђе
    linked = ImportedRecord.objects.get(external_id="R-1").case
    assert linked.person == world["seen"]
    assert world["seen"].cases.count() == 2  # his earlier case kept, the imported one beside it
    assert linked.person.given_name == "Ђорђе"  # his values stay as registered, not the file's


def test_a_row_matching_only_a_hidden_person_becomes_a_pair_for_the_reviewers(checked, world):
    client, job = checked
    client.post(reverse("import_job", args=[job.pk]), {"action": "import"})
    new_person = ImportedRecord.objects.get(external_id="R-2").case.person
    pair = CandidatePair.objects.get()
    assert {pair.person_a_id, pair.person_b_id} == {new_person.pk, world["hidden"].pk}
    assert pair.person_a_id < pair.person_b_id
    assert (pair.found_by, pair.status) == (CandidatePair.FoundBy.IMPORT, CandidatePair.Status.OPEN)
    assert pair.reasons == [reason.as_json() for reason in REASONS]


def test_by_default_every_row_creates_a_new_person(checked, world):
    client, job = checked
    persons = Person.objects.count()
    client.post(reverse("import_job", args=[job.pk]), {"action": "import"})
    assert Person.objects.count() == persons + 3
    assert ImportedRecord.objects.get(external_id="R-1").case.person != world["seen"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("link-3", "hidden"),  # the person of Skopje, whom ana may not see, written into the form
        ("link-2", "hidden"),  # the same, on the row that was offered another
        ("link-3", "seen"),  # a person offered, but for another row
        ("link-2", "nobody"),  # not a number
        ("link-99", "seen"),  # no such row
    ],
)
def test_a_choice_that_was_not_offered_is_refused_and_nothing_is_written(checked, world, field, value):
    client, job = checked
    persons, cases = Person.objects.count(), Case.objects.count()
    chosen = str(world[value].pk) if value in world else value
    refused = client.post(reverse("import_job", args=[job.pk]), {"action": "import", field: chosen})
    assert refused.status_code == 422
    assert "not one of the possible matches shown for it" in refused.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.READY
    assert (Person.objects.count(), Case.objects.count()) == (persons, cases)


def test_a_person_merged_after_the_check_can_no_longer_be_linked(checked, world, ana, sofia):
    client, job = checked
    survivor = person_register(actor=ana, office=sofia, data={"given_name": "Đorđe", "family_name": "Jovanović"})
    Person.objects.filter(pk=world["seen"].pk).update(merged_into=survivor)
    persons, cases = Person.objects.count(), Case.objects.count()
    refused = client.post(reverse("import_job", args=[job.pk]), {"action": "import", "link-2": str(world["seen"].pk)})
    assert refused.status_code == 422
    assert "can no longer be linked" in refused.content.decode()
    assert (Person.objects.count(), Case.objects.count()) == (persons, cases)


def test_the_matches_wait_sealed_and_go_with_the_upload(checked, world, settings):
    client, job = checked
    waiting = settings.VAR_DIR / "imports" / f"{job.pk}.matches"
    content = waiting.read_bytes()
    assert b"seen" not in content
    assert str(world["seen"].pk).encode() + b"," not in content
    assert duplicates.matches_load(job_id=job.pk, key_id=job.key_id).offered[0].external_id == "R-1"
    client.post(reverse("import_job", args=[job.pk]), {"action": "discard"})
    assert not waiting.exists()


def test_rows_beyond_the_limit_are_not_looked_up_and_the_page_says_so(client_of, ana, sofia, world, monkeypatch):
    monkeypatch.setattr(duplicates, "LOOKUP_LIMIT", 1)
    client = client_of(ana)
    client.post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    job = ImportJob.objects.get()
    matches = duplicates.matches_load(job_id=job.pk, key_id=job.key_id)
    assert (matches.looked_up, matches.left_out) == (1, 2)
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert "Only the first 1 new rows were looked up" in page
    assert "possible match elsewhere" not in page  # R-2 was never looked up


def test_a_child_without_clearance_is_a_match_elsewhere(answers, client_of, ana, nina, sofia):
    """nina works in Sofia without clearance for children: a child of her own office is hidden from her."""
    child = person_register(
        actor=ana, office=sofia, data={"given_name": "Йордан", "family_name": "Петров", "date_of_birth": date(2015, 2, 3)}
    )
    case_services.case_open(actor=ana, person=child, office=sofia)
    answers["Petrov"] = [child.pk]
    client = client_of(nina)
    rows = [["C-1", "Iordan", "Petrov", "2015-02-03", "Masculine", "BG", "Active"]]
    client.post(reverse("import_start"), {"office": sofia.pk, "file": _upload(rows)})
    job = ImportJob.objects.get()
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert "1 row has a possible match elsewhere" in page
    assert "Йордан" not in page
    assert f'value="{child.pk}"' not in page


def test_the_engine_finds_the_same_person_written_in_the_other_script(client_of, ana, sofia):
    """With the real engine (the starting model, before any scan): Đorđe Jovanović in the file is
    Ђорђе Јовановић registered in the office."""
    person = person_register(
        actor=ana,
        office=sofia,
        data={
            "given_name": "Ђорђе",
            "family_name": "Јовановић",
            "date_of_birth": date(1990, 4, 12),
            "gender": "Masculine",
            "citizenships": ["RS"],
        },
    )
    case_services.case_open(actor=ana, person=person, office=sofia)
    client = client_of(ana)
    client.post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    job = ImportJob.objects.get()
    matches = duplicates.matches_load(job_id=job.pk, key_id=job.key_id)
    assert [(row.external_id, [seen.person for seen in row.seen]) for row in matches.rows] == [("R-1", [person.pk])]


def test_a_weak_match_elsewhere_is_not_mentioned(client_of, ana, sofia, world, monkeypatch):
    """Only a strong match elsewhere (as at registration) is mentioned: a weaker one would let a file probe others' records."""

    def weak(*, data: PersonData, exclude: object = (), limit: int = 20) -> list[Candidate]:
        pk = world["hidden"].pk if data.family_name == "Trajkovski" else None
        return [] if pk is None else [Candidate(pk, 0.85, 3.0, (Reason("name", "close"), Reason("date_of_birth", "exact")))]

    monkeypatch.setattr(propose, "candidates", weak)
    client = client_of(ana)
    client.post(reverse("import_start"), {"office": sofia.pk, "file": _upload(ROWS)})
    job = ImportJob.objects.get()
    assert "possible match elsewhere" not in client.get(reverse("import_job", args=[job.pk])).content.decode()
    client.post(reverse("import_job", args=[job.pk]), {"action": "import"})
    assert not CandidatePair.objects.exists()
