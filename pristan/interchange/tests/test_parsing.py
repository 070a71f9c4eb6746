"""parse_row takes shortcuts for text cells (CSV's, most of a spreadsheet's): each must give what
the general path gives, `normalised(field, parse_value(field, cell))`, problems included."""

from typing import Any

import pytest

from pristan.interchange import mapping

CELLS: list[tuple[str, Any]] = [
    ("prs_FirstName", "  Ana  "), ("prs_FirstName", "'=cmd"), ("prs_FirstName", "'Ana"), ("prs_FirstName", " \t "),
    ("prs_FirstName", ""), ("prs_MiddleName", "'+359 88"), ("prs_Birthdate", "1999-02-03"), ("prs_Birthdate", "31/02/1999"),
    ("prs_Birthdate", " "), ("prs_Gender", "Feminine"), ("prs_Gender", "feminine "), ("prs_Gender", "Femnine"),
    ("prs_Citizenship", "BG; MK"), ("prs_Citizenship", "Bulgaria"), ("prs_Citizenship", ""), ("prs_PrimaryLanguage", "bg"),
    ("con_Consent", "TRUE"), ("con_Consent", "maybe"), ("con_Consent", ""), ("vic_AgeWhenTrafficked", "17"),
    ("vic_TypeOfExploitation", "ForcedLabour; SexualExploitation"), ("vic_TypeOfExploitation", "ForcedLabour; Nonsense"),
    ("vic_TypeOfExploitation", ""), ("cas_CaseOwner", " ana "), ("cas_ReferringOrganisation", "  La Strada "),
    ("prs_FirstName", None), ("prs_Birthdate", None), ("vic_TypeOfExploitation", ["ForcedLabour"]), ("con_Consent", True),
]  # fmt: skip


def _general(name: str, raw: Any) -> tuple[str, Any]:
    field = mapping.BY_NAME[name]
    try:
        return "value", mapping.normalised(field, mapping.parse_value(field, raw))
    except mapping.Invalid as error:
        return "problem", error.message


@pytest.mark.parametrize(("name", "raw"), CELLS)
def test_a_cell_parses_as_the_general_path_parses_it(name, raw):
    record, problems = mapping.parse_row(2, {"prs_FirstName": "Ana", name: raw})
    kind, expected = _general(name, raw)
    if kind == "value":
        assert record[name] == expected
        assert type(record[name]) is type(expected)
        assert not [problem for problem in problems if "required" not in problem.message]
    else:
        assert name not in record
        assert [problem.message for problem in problems if problem.column == name] == [expected]
