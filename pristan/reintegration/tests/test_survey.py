"""The survey is configuration: loaded from TOML, checked, versioned; past scores never change."""

import math
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from pristan.core.models import AuditEntry
from pristan.reintegration import survey as survey_module
from pristan.reintegration.models import Survey, Visit
from pristan.reintegration.services import visit_record
from pristan.reintegration.survey import DEFAULT_FILE, SurveyError, parse

from .conftest import answers_for

DEFAULT = DEFAULT_FILE.read_text(encoding="utf-8")


def test_the_default_survey_has_the_three_dimensions_and_their_items():
    definition = parse(DEFAULT)
    items = {dimension["key"]: [item["key"] for item in dimension["items"]] for dimension in definition["dimensions"]}
    assert items == {
        "economic": ["income", "debt", "food_security", "work", "access_to_jobs"],
        "social": ["housing", "schooling", "health_care", "documents", "justice", "safe_water"],
        "psychosocial": ["support_network", "participation", "safety", "discrimination", "distress", "wish_to_migrate"],
    }
    for dimension in definition["dimensions"]:
        for item in dimension["items"]:
            scores = [option["score"] for option in item["options"]]
            assert min(scores) == 0
            assert max(scores) == 1
            assert item["weight"] > 0


def test_the_default_survey_is_version_1_after_migrating(db):
    stored = Survey.objects.get(version=1)
    assert stored.definition == parse(DEFAULT)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('[[dimensions]]\nkey = "economic"', '[[dimensions]]\nkey = "money"'), "exactly the dimensions"),
        (("score = 0.67", "score = 1.5"), "from 0 to 1"),
        (("score = 0.0 },\n]\n\n[scales.debt]", "score = 0.1 },\n]\n\n[scales.debt]"), "scoring 0 and one scoring 1"),
        (('key = "debt"\nquestion', 'key = "income"\nquestion'), "used twice"),
        (('scale = "debt"', 'scale = "owed"'), "is not defined"),
        (("weight = 2.0", "weight = 0"), "greater than 0"),
        (('question = "Are you working at present?"\n', ""), "needs a question"),
        (("name = ", "name = [1] #"), "needs a name"),
        (("[scales.coverage]", "[scales.coverage"), "not valid TOML"),
    ],
)
def test_a_faulty_survey_is_refused_with_where_and_why(change, message):
    old, new = change
    assert old in DEFAULT
    with pytest.raises(SurveyError, match=message):
        parse(DEFAULT.replace(old, new, 1))


def test_the_translation_module_is_current():
    assert survey_module.MESSAGES_MODULE.read_text(encoding="utf-8") == survey_module.render_messages_module(), (
        "Run: python -m pristan.reintegration.survey"
    )


def test_questions_are_shown_in_the_users_language_when_translated():
    from pristan.reintegration import survey_messages

    assert "Does your income cover your needs?" in [str(message) for message in survey_messages.MESSAGES]
    with translation.override("bg"):
        # Until the catalogues have it, the English text is shown rather than nothing.
        assert translation.gettext("Does your income cover your needs?")


def test_a_new_version_leaves_past_visits_and_their_scores_alone(reintegration_case, ana, tmp_path):
    first = Survey.objects.get(version=1)
    visit = Visit.objects.get(case=reintegration_case, months_after=3)
    # Economic answered best, social worst, psychosocial not at all: (1 + 0) / 2 with equal dimension weights.
    visit_record(actor=ana, visit=visit, done_on=timezone.localdate(), answers=answers_for(first, {"economic": "best",
                 "social": "worst"}))  # fmt: skip
    visit.refresh_from_db()
    assert (visit.survey, visit.economic, visit.social, visit.psychosocial) == (first, 1.0, 0.0, None)
    assert math.isclose(visit.composite or 0, 0.5)
    assert len(visit.unanswered) == 6

    # The economic dimension now weighs three times as much in the composite.
    changed = tmp_path / "survey_2027.toml"
    changed.write_text(re.sub(r'(key = "economic"\nlabel = "Economic"\nweight = )1\.0', r"\g<1>3.0", DEFAULT), encoding="utf-8")
    call_command("survey", "load", str(changed))
    second = Survey.objects.get(version=2)
    assert second.source == "survey_2027.toml"
    assert AuditEntry.objects.filter(object_type="reintegration.survey", object_id=str(second.pk)).exists()

    visit.refresh_from_db()
    assert visit.survey == first
    assert math.isclose(visit.composite or 0, 0.5)
    later = Visit.objects.get(case=reintegration_case, months_after=6)
    visit_record(actor=ana, visit=later, done_on=timezone.localdate(), answers=answers_for(second, {"economic": "best",
                 "social": "worst"}))  # fmt: skip
    later.refresh_from_db()
    assert later.survey == second
    listing = StringIO()
    call_command("survey", "list", stdout=listing)
    assert "v1  Reintegration sustainability (Pristan default)  (1 visits" in listing.getvalue()
    assert "v2" in listing.getvalue()
    assert "from survey_2027.toml" in listing.getvalue()
    assert math.isclose(later.composite or 0, 0.75)


def test_loading_a_faulty_file_adds_no_version(db, tmp_path):
    faulty = tmp_path / "faulty.toml"
    faulty.write_text(DEFAULT.replace("score = 0.67", "score = 7", 1), encoding="utf-8")
    with pytest.raises(CommandError, match="from 0 to 1"):
        call_command("survey", "load", str(faulty))
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("survey", "load", str(tmp_path / "missing.toml"))
    assert list(Survey.objects.values_list("version", flat=True)) == [1]


@pytest.mark.parametrize("nested", ["a = " + "[" * 100_000, "a = " + "{ b = " * 100_000], ids=["arrays", "tables"])
def test_a_survey_file_nested_thousands_deep_is_refused_with_a_message(nested):
    """tomllib recurses once per level: without the catch, a RecursionError and a traceback."""
    with pytest.raises(SurveyError, match="nests arrays or tables deeper than Pristan reads"):
        parse(nested)
