"""Matching a file: `pristan duplicates match --input PERSONS.csv --output PAIRS.csv`.

PERSONS.csv has a ``record_id`` column and HTCDS person columns (``prs_FirstName``,
``prs_LastName``, ``prs_Birthdate`` as YYYY-MM-DD or empty, ``prs_Gender`` as HTCDS value names,
optional ``prs_Citizenship`` (ISO codes separated by ``;``, ``,`` or spaces) and
``prs_IdentityNumber``). The model is trained on the file itself; PAIRS.csv gets
``record_id_a,record_id_b,probability`` for every pair at or above the threshold. No database and
no keys are used: the records live in memory only.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from django.utils.translation import gettext as _

from pristan.core import vocabularies
from pristan.duplicates import matching
from pristan.duplicates.types import PersonData

__all__ = ["MatchFileError", "link", "match_csv", "read_persons"]

REQUIRED = ("record_id", "prs_FirstName", "prs_LastName", "prs_Birthdate", "prs_Gender")
_SEPARATORS_RE = re.compile(r"[;,\s]+")


class MatchFileError(ValueError):
    """What is wrong with the file, and where, in the reader's language."""


def link(records: Sequence[tuple[str, PersonData]], *, threshold: float) -> list[tuple[str, str, float]]:
    """The pairs of records the model, trained on them, judges the same person: (record id a,
    record id b, probability), a < b, best first."""
    if len(records) < 2:
        return []
    table = matching.records_table((index, data) for index, (_record_id, data) in enumerate(records))
    model = matching.train(table)
    pairs = []
    for pair in matching.predict(table, model, threshold=threshold):
        a, b = sorted((records[pair.a][0], records[pair.b][0]))
        pairs.append((a, b, pair.probability))
    pairs.sort(key=lambda found: (-found[2], found[0], found[1]))
    return pairs


def _gender(value: str, line: int) -> str:
    if not value:
        return ""
    known = {code.casefold(): code for code in vocabularies.code_set("prs_Gender")}
    known |= {vocabularies.english_label("prs_Gender", code).casefold(): code for code in vocabularies.code_set("prs_Gender")}
    code = known.get(value.strip().casefold())
    if code is None:
        raise MatchFileError(
            _("Line %(line)d: prs_Gender is %(value)s, which is not an HTCDS gender (%(codes)s).")
            % {"line": line, "value": value, "codes": ", ".join(vocabularies.codes("prs_Gender"))}
        )
    return code


def _birthdate(value: str, line: int) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise MatchFileError(
            _("Line %(line)d: prs_Birthdate is %(value)s; write it as YYYY-MM-DD or leave it empty.")
            % {"line": line, "value": value}
        ) from None


def read_persons(path: Path) -> list[tuple[str, PersonData]]:
    """The records of a PERSONS.csv; MatchFileError says what is wrong and where."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            reader = csv.DictReader(file)
            missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
            if missing:
                raise MatchFileError(
                    _("%(file)s lacks the columns %(columns)s.") % {"file": path.name, "columns": ", ".join(missing)}
                )
            records: list[tuple[str, PersonData]] = []
            seen: set[str] = set()
            for row in reader:
                line = reader.line_num
                record_id = (row.get("record_id") or "").strip()
                if not record_id:
                    raise MatchFileError(_("Line %(line)d has no record_id.") % {"line": line})
                if record_id in seen:
                    raise MatchFileError(
                        _("Line %(line)d: the record_id %(id)s is used twice.") % {"line": line, "id": record_id}
                    )
                seen.add(record_id)
                citizenships = tuple(code.upper() for code in _SEPARATORS_RE.split(row.get("prs_Citizenship") or "") if code)
                number = (row.get("prs_IdentityNumber") or "").strip()
                data = PersonData(
                    given_name=(row.get("prs_FirstName") or "").strip(),
                    family_name=(row.get("prs_LastName") or "").strip(),
                    date_of_birth=_birthdate(row.get("prs_Birthdate") or "", line),
                    gender=_gender(row.get("prs_Gender") or "", line),
                    citizenships=citizenships,
                    document_numbers=(number,) if number else (),
                )
                records.append((record_id, data))
    except UnicodeDecodeError:
        raise MatchFileError(_("%(file)s is not a UTF-8 text file.") % {"file": path.name}) from None
    except csv.Error as error:
        raise MatchFileError(
            _("%(file)s is not a readable CSV file (%(error)s).") % {"file": path.name, "error": error}
        ) from None
    except OSError as error:
        raise MatchFileError(_("%(file)s cannot be read (%(error)s).") % {"file": path, "error": error.strerror}) from None
    return records


def match_csv(*, input: Path, output: Path, threshold: float) -> int:
    """Match the persons of ``input`` and write the pairs to ``output``; how many were written."""
    pairs = link(read_persons(input), threshold=threshold)
    try:
        with output.open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["record_id_a", "record_id_b", "probability"])
            writer.writerows((a, b, f"{probability:.6f}") for a, b, probability in pairs)
    except OSError as error:
        raise MatchFileError(_("%(file)s cannot be written (%(error)s).") % {"file": output, "error": error.strerror}) from None
    return len(pairs)
