"""What the tests of the duplicates pages share: the persons proposed as possible matches.

The engine's `pristan.duplicates.propose.candidates` is used when it is there. Until the engine's
branch is merged, a stand-in with the same signature proposes every person (not erased, not merged)
whose folded names are the same as those typed, in any order and script: probability 0.99 when the
date of birth is the same too, 0.85 otherwise. Only for these tests; never in product code."""

import importlib
import sys
from collections.abc import Collection
from types import ModuleType

import pytest

from pristan.core.names import search_tokens
from pristan.duplicates.types import Candidate, PersonData, Reason
from pristan.keystore.services import key_scope
from pristan.people.models import Person


def _candidates(*, data: PersonData, exclude: Collection[int] = (), limit: int = 20) -> list[Candidate]:
    typed = set(search_tokens(data.given_name, data.family_name))
    found = []
    with key_scope():
        for person in Person.objects.filter(erased_at__isnull=True, merged_into__isnull=True).exclude(pk__in=list(exclude)):
            if not typed or set(search_tokens(person.given_name, person.family_name)) != typed:
                continue
            same_date = data.date_of_birth is not None and data.date_of_birth == person.date_of_birth
            reasons = (Reason("name", "exact"), Reason("date_of_birth", "exact" if same_date else "missing"))
            found.append(Candidate(person.pk, 0.99 if same_date else 0.85, 9.0 if same_date else 3.0, reasons))
    return sorted(found, key=lambda candidate: -candidate.probability)[:limit]


def propose_module() -> ModuleType | None:
    """The engine's module, or None when its branch is not merged yet."""
    try:
        return importlib.import_module("pristan.duplicates.propose")
    except ModuleNotFoundError:
        return None


@pytest.fixture(autouse=True)
def proposals(monkeypatch: pytest.MonkeyPatch) -> None:
    if propose_module() is None:
        stand_in = ModuleType("pristan.duplicates.propose")
        stand_in.candidates = _candidates  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "pristan.duplicates.propose", stand_in)
