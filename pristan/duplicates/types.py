"""The shapes passed between the parts of duplicate finding: what was typed or opened, the reasons a
pair was proposed, and what a scan did. Reasons carry level codes only, never a value."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext_lazy as _

# What agreed between two records, and how: one level per compared field, from the model's
# comparison levels (matching.py). The codes are stored in CandidatePair.reasons; the labels are
# what a reviewer reads.
FIELD_LABELS = {
    "name": _("Name"),
    "date_of_birth": _("Date of birth"),
    "gender": _("Gender"),
    "citizenship": _("Citizenship"),
    "document": _("Identity document"),
}
LEVEL_LABELS = {
    "name": {
        "exact": _("the same after spelling and script are set aside"),
        "swapped": _("the same with given and family name swapped"),
        "same_parts": _("the same name parts in another arrangement"),
        "similar": _("very similar spelling"),
        "close": _("similar spelling"),
        "one_part": _("one name the same, the other similar"),
        "different": _("different"),
        "missing": _("missing on one side"),
    },
    "date_of_birth": {
        "exact": _("the same"),
        "estimated": _("the same, estimated on one side"),
        "transposed": _("day and month swapped"),
        "year_slip": _("the same day and month, the year one apart"),
        "same_year_estimated": _("the same year, estimated on one side"),
        "year_apart": _("within a year"),
        "within_five_estimated": _("within five years, estimated on one side"),
        "different": _("different"),
        "missing": _("missing on one side"),
    },
    "gender": {
        "same": _("the same"),
        "different": _("different"),
        "missing": _("missing on one side"),
    },
    "citizenship": {
        "shared": _("a citizenship in common"),
        "different": _("different"),
        "missing": _("missing on one side"),
    },
    "document": {
        "exact": _("the same number"),
        "one_off": _("numbers one character apart"),
        "different": _("different"),
        "missing": _("missing on one side"),
    },
}


@dataclass(frozen=True)
class Reason:
    field: str  # a key of FIELD_LABELS
    level: str  # a key of LEVEL_LABELS[field]

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "level": self.level}


@dataclass(frozen=True)
class PersonData:
    """A person's values as compared: typed at registration, read from an import row or a file, or
    opened from a record inside a job. Held in memory only."""

    given_name: str = ""
    family_name: str = ""
    other_names: str = ""
    aliases: str = ""
    date_of_birth: date | None = None
    date_of_birth_estimated: bool = False
    gender: str = ""  # Person.gender's values
    citizenships: tuple[str, ...] = ()  # ISO 3166-1 alpha-2
    document_numbers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """A person who may be the one described, with the model's verdict."""

    person_id: int
    probability: float
    match_weight: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Pair:
    """Two records the model judges may be one person (a < b)."""

    a: int
    b: int
    probability: float
    match_weight: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class StageFigure:
    seconds: float
    peak_rss_mb: float


@dataclass
class ScanResult:
    persons: int = 0
    pairs: int = 0
    new_pairs: int = 0
    stale_pairs: int = 0
    stages: dict[str, StageFigure] = field(default_factory=dict)
