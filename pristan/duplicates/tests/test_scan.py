from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from pristan.core.models import AuditEntry, Office
from pristan.duplicates.models import CandidatePair, MatchModel
from pristan.duplicates.scan import match_version, scan_all
from pristan.duplicates.tasks import duplicates_scan_run
from pristan.jobs.schedule import PERIODIC
from pristan.people.models import Person
from pristan.people.services import person_register

Status = CandidatePair.Status


@pytest.fixture
def register(ana: User, sofia: Office) -> Callable[..., Person]:
    def make(given: str, family: str, born: date | None, **data: object) -> Person:
        values = {"given_name": given, "family_name": family, "date_of_birth": born, "gender": "Feminine", **data}
        return person_register(actor=ana, office=sofia, data=values)

    return make


@pytest.fixture
def world(register: Callable[..., Person]) -> dict[str, Person]:
    """Two persons registered twice (other script; swapped names, day and month transposed) and others."""
    return {
        "jelena": register("Јелена", "Петровић", date(1994, 5, 7)),
        "jelena_latin": register("Jelena", "Petrovic", date(1994, 5, 7)),
        "yana": register("Яна", "Стоянова", date(2001, 2, 11)),
        "yana_swapped": register("Stoyanova", "Yana", date(2001, 11, 2)),
        "marija": register("Марија", "Илић", date(1988, 9, 23)),
        "ana": register("Ana", "Kovač", date(1979, 12, 1)),
        "ivana": register("Ivana", "Horvat", None),
    }


def _pair(first: Person, second: Person) -> CandidatePair:
    a, b = sorted((first.pk, second.pk))
    return CandidatePair.objects.get(person_a_id=a, person_b_id=b)


def test_the_scan_writes_the_pairs_with_their_reasons(world: dict[str, Person], boris: User) -> None:
    result = scan_all(actor=boris)
    assert result.persons == 7
    assert result.pairs == result.new_pairs == 2
    assert set(result.stages) == {"extract", "train", "predict", "persist"}
    jelena = _pair(world["jelena"], world["jelena_latin"])
    assert jelena.found_by == CandidatePair.FoundBy.SCAN
    assert jelena.status == Status.OPEN
    assert jelena.probability >= 0.8
    assert {"field": "name", "level": "exact"} in jelena.reasons
    assert {"field": "date_of_birth", "level": "exact"} in jelena.reasons
    yana = _pair(world["yana"], world["yana_swapped"])
    assert {"field": "name", "level": "swapped"} in yana.reasons
    assert {"field": "date_of_birth", "level": "transposed"} in yana.reasons
    assert jelena.model == yana.model == MatchModel.objects.get()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.GENERATE)
    assert entry.actor == boris
    assert "2 pairs" in entry.detail


def test_a_scan_again_keeps_the_decisions_and_marks_pairs_not_found_again_stale(world: dict[str, Person]) -> None:
    scan_all()
    decided = _pair(world["jelena"], world["jelena_latin"])
    CandidatePair.objects.filter(pk=decided.pk).update(status=Status.NOT_SAME, probability=0.5)
    unrelated, asked = (
        CandidatePair.objects.create(
            person_a=min(first, second, key=lambda person: person.pk), person_b=max(first, second, key=lambda person: person.pk),
            probability=0.9, match_weight=3.0, found_by=found_by,
        )
        for first, second, found_by in (
            (world["marija"], world["ana"], CandidatePair.FoundBy.SCAN),
            (world["marija"], world["ivana"], CandidatePair.FoundBy.REGISTRATION),
        )
    )  # fmt: skip
    result = scan_all()
    assert result.new_pairs == 0
    assert result.stale_pairs == 1
    decided.refresh_from_db()
    assert (decided.status, decided.probability) == (Status.NOT_SAME, 0.5)
    unrelated.refresh_from_db()
    asked.refresh_from_db()
    assert unrelated.status == Status.STALE
    assert asked.status == Status.OPEN  # found at registration: it waits for a reviewer
    assert _pair(world["yana"], world["yana_swapped"]).status == Status.OPEN
    assert MatchModel.objects.count() == 1  # the model is reused while it is current


def test_the_model_is_trained_again_when_old_or_of_another_folding(world: dict[str, Person]) -> None:
    MatchModel.objects.create(trained_at=timezone.now(), version=0, settings_json="{}")
    MatchModel.objects.create(trained_at=timezone.now() - timedelta(days=31), version=match_version(), settings_json="{}")
    result = scan_all()
    assert "train" in result.stages
    assert MatchModel.objects.count() == 3


def test_the_job_runs_the_scan_and_is_scheduled_nightly(world: dict[str, Person]) -> None:
    outcome = duplicates_scan_run.enqueue()
    assert outcome.return_value is not None
    assert outcome.return_value["pairs"] == 2
    assert CandidatePair.objects.count() == 2
    (entry,) = [entry for entry in PERIODIC if entry.name == "duplicates-scan"]
    assert entry.job == "pristan.duplicates.tasks.duplicates_scan_run"
    assert entry.daily_at == "PRISTAN_RETENTION_HOUR"


def test_a_scan_again_reopens_stale_pairs_and_rewrites_changed_ones_only(world: dict[str, Person]) -> None:
    scan_all()
    jelena, yana = _pair(world["jelena"], world["jelena_latin"]), _pair(world["yana"], world["yana_swapped"])
    moment = timezone.now() - timedelta(days=3)
    CandidatePair.objects.filter(pk=jelena.pk).update(status=Status.STALE, probability=0.1, reasons=[], updated_at=moment)
    CandidatePair.objects.filter(pk=yana.pk).update(updated_at=moment)
    result = scan_all()
    assert (result.pairs, result.new_pairs, result.stale_pairs) == (2, 0, 0)
    again = CandidatePair.objects.get(pk=jelena.pk)
    assert (again.status, again.probability, again.reasons, again.model) == (
        Status.OPEN, jelena.probability, jelena.reasons, jelena.model
    )  # fmt: skip
    assert again.updated_at > moment
    assert CandidatePair.objects.get(pk=yana.pk).updated_at == moment  # found again unchanged: not written
