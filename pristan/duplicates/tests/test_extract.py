"""Opening every person for the scan (extract.py): the sealed columns read raw and opened directly,
in this process or in forked workers, must give what opening each person through her model
instance gives; erased and merged persons are left out; a value that does not open stops the scan."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from pristan.cases import services as case_services
from pristan.core.models import Office
from pristan.duplicates import extract
from pristan.duplicates.keys import persons_opened
from pristan.duplicates.matching import records_table
from pristan.erasure.services import person_erase
from pristan.keystore.services import key_scope
from pristan.people.models import Person
from pristan.people.services import document_add, person_register

NAMES = [
    ("Јелена", "Петровић", date(1994, 5, 7)),
    ("Jelena", "Petrovic", date(1994, 5, 7)),
    ("Яна", "Стоянова", None),
    ("Ана-Марија", "O'Brien", date(2011, 1, 1)),
    ("Ivana", "Horvat", date(1979, 12, 1)),
    ("Марко", "", None),
    ("Ѓорѓи", "Трајковски", date(1988, 9, 23)),
]


@pytest.fixture
def register(ana: User, sofia: Office) -> list[Person]:
    persons = []
    for index, (given, family, born) in enumerate(NAMES):
        data = {
            "given_name": given,
            "family_name": family,
            "date_of_birth": born,
            "date_of_birth_estimated": index == 3,
            "gender": "Feminine" if index % 2 else "",
            "citizenships": ["RS", "BG"] if index == 0 else [],
            "other_names": "Лена" if index == 0 else "",
            "aliases": "Jela" if index == 1 else "",
        }
        persons.append(person_register(actor=ana, office=sofia, data=data))
    case = case_services.case_open(actor=ana, person=persons[0], office=sofia)
    document_add(actor=ana, case=case, data={"kind": "passport", "number": "AB 123"})
    document_add(actor=ana, case=case, data={"kind": "national_id", "number": "cd-456"})
    return persons


def _expected() -> list[dict[str, object]]:
    """The table as opening each live person through her model instance gives it."""
    with key_scope():
        live = Person.objects.filter(erased_at__isnull=True, merged_into__isnull=True).order_by("pk")
        return records_table((person.pk, data) for person, data in persons_opened(list(live))).to_pylist()


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_opening_raw_in_workers_gives_what_the_model_instances_give(register: list[Person], workers: int) -> None:
    expected = _expected()
    assert len(expected) == len(NAMES)
    assert any(row["documents"] == ["AB123", "CD456"] for row in expected)
    # Batches of two: several batches per worker, returned in order.
    assert extract.open_persons(batch=2, workers=workers).to_pylist() == expected


def test_erased_and_merged_persons_are_not_opened(register: list[Person], ana: User) -> None:
    person_erase(actor=None, person=register[1], reason="test")
    Person.objects.filter(pk=register[2].pk).update(merged_into=register[0], merged_at=timezone.now())
    for workers in (0, 2):
        ids = extract.open_persons(batch=3, workers=workers).column("unique_id").to_pylist()
        assert ids == [person.pk for person in register if person not in (register[1], register[2])]


def test_a_value_that_does_not_open_stops_the_scan(register: list[Person]) -> None:
    # A sealed value moved to another column does not open there (its additional data names the column).
    given, family = Person.objects.filter(pk=register[4].pk).values_list("given_name", "family_name").get()
    Person.objects.filter(pk=register[4].pk).update(given_name=bytes(family), family_name=bytes(given))
    with pytest.raises(RuntimeError, match="SealError"):
        extract.open_persons(batch=2, workers=2)
    with pytest.raises(Exception, match="altered, moved or sealed with another key"):
        extract.open_persons(batch=2, workers=0)


def test_the_scan_opens_in_workers_from_parallel_from_persons(register: list[Person], monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    original = extract._Workers.__init__

    def counting(self: extract._Workers, opening: extract._Opening, count: int) -> None:
        started.append(count)
        original(self, opening, count)

    monkeypatch.setattr(extract._Workers, "__init__", counting)
    extract.open_persons()
    assert started == []
    monkeypatch.setattr(extract, "PARALLEL_FROM", len(NAMES))
    assert extract.open_persons().num_rows == len(NAMES)
    assert started == [extract.WORKERS]
