"""One way of writing a date per language, on every page, in PDFs and in Python; and the language
selector that changes the language only when asked to (WCAG 3.2.2), each language named in itself."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from pristan.core.dates import day_text, moment_text, month_text
from pristan.core.models import AuditEntry

TEMPLATES = Path(settings.BASE_DIR) / "pristan"

DAY = date(2025, 12, 6)
MOMENT = datetime(2025, 12, 6, 13, 4, tzinfo=UTC)  # 15:04 in Sofia, the installation's time zone
# What a person reads in each language: padded days, no month names but in English, 24-hour times.
WRITTEN = {
    "en": ("06 Dec 2025", "06 Dec 2025, 15:04", "Dec 2025"),
    "bg": ("06.12.2025", "06.12.2025 15:04", "12.2025"),
    "mk": ("06.12.2025", "06.12.2025 15:04", "12.2025"),
    "bs": ("06.12.2025.", "06.12.2025. 15:04", "12.2025."),
    "hr": ("06.12.2025.", "06.12.2025. 15:04", "12.2025."),
    "sr": ("06.12.2025.", "06.12.2025. 15:04", "12.2025."),
    "sr-latn": ("06.12.2025.", "06.12.2025. 15:04", "12.2025."),
}
BORN = {
    "en": "04 May 1996",
    "bg": "04.05.1996",
    "mk": "04.05.1996",
    "bs": "04.05.1996.",
    "hr": "04.05.1996.",
    "sr": "04.05.1996.",
    "sr-latn": "04.05.1996.",
}
# The formats a template may ask for: the one day, the one moment, the one time and month, and
# ISO 8601 for values that are not read (a date input's value, an address).
TEMPLATE_FORMATS = {'"SHORT_DATE_FORMAT"', '"SHORT_DATETIME_FORMAT"', '"YEAR_MONTH_FORMAT"', "'Y-m-d'"}


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("templates/**/*.html"))


def test_every_language_of_the_interface_has_its_way_of_writing_dates():
    assert {code for code, _name in settings.LANGUAGES} == set(WRITTEN)


@pytest.mark.parametrize("code", sorted(WRITTEN))
def test_a_day_a_moment_and_a_month_are_written_one_way_per_language(code):
    day, moment, month = WRITTEN[code]
    with translation.override(code):
        assert (day_text(DAY), moment_text(MOMENT), month_text(DAY)) == (day, moment, month)
        assert day_text(MOMENT) == day  # a moment asked for as a day is that day where the office is
        # Whatever name a template uses, or none: the same text.
        written = Template(
            '{{ d }}|{{ d|date }}|{{ d|date:"DATE_FORMAT" }}|{{ d|date:"SHORT_DATE_FORMAT" }}|'
            '{{ m }}|{{ m|date:"DATETIME_FORMAT" }}|{{ m|date:"SHORT_DATETIME_FORMAT" }}|{{ m|time:"TIME_FORMAT" }}'
        ).render(Context({"d": DAY, "m": MOMENT}))
        assert written.split("|") == [day] * 4 + [moment] * 3 + ["15:04"]


def test_templates_ask_for_dates_by_the_one_name_each():
    asked = {
        (path.relative_to(TEMPLATES).as_posix(), shape)
        for path in _templates()
        for shape in re.findall(r"\|(?:date|time):(\"[^\"]*\"|'[^']*')", path.read_text())
    }
    assert {shape for _path, shape in asked} - TEMPLATE_FORMATS - {'"TIME_FORMAT"'} == set(), sorted(asked)


def test_no_control_changes_the_page_when_its_value_changes():
    """A select that submits on change navigates on an arrow key (WCAG 3.2.2, change on input).
    Updating a part of the page as one chooses (the screening suggestion) is no change of context."""
    offending = [
        path.relative_to(TEMPLATES).as_posix()
        for path in _templates()
        if re.search(r"data-submit-on-change|onchange=", path.read_text())
    ]
    assert offending == []
    script = (TEMPLATES / "core/static/pristan/pristan.js").read_text()
    assert ".submit()" not in script


def test_the_language_selector_names_each_language_in_itself_and_has_a_button(client):
    client.post(reverse("set_language"), {"language": "mk", "next": "/"})
    body = client.get(reverse("login")).content.decode()
    assert '<html lang="mk">' in body
    selector = body[body.index('<form action="/i18n/setlang/"') :]
    selector = selector[: selector.index("</form>")]
    for code, name in settings.LANGUAGES:
        assert f'<option value="{code}" lang="{code}"' in selector
        assert f">{name}</option>" in selector
    assert ">English</option>" in selector
    assert "Англиски" not in selector
    assert re.search(r'<button type="submit"[^>]*>[^<]+</button>', selector)
    assert "<noscript>" not in selector


def test_the_case_pages_write_dates_one_way_in_each_language(case, ana, client_of):
    client = client_of(ana)
    entry = AuditEntry.objects.filter(object_id=str(case.pk)).order_by("at").first()
    assert entry is not None
    for code, born in BORN.items():
        client.post(reverse("set_language"), {"language": code, "next": "/"})
        summary = client.get(reverse("case_summary", args=[case.reference])).content.decode()
        assert f'<html lang="{code}">' in summary
        assert born in summary, code
        history = client.get(reverse("case_history", args=[case.reference])).content.decode()
        with translation.override(code):
            assert moment_text(entry.at) in history, code
        # Django's own: American, unpadded, month names.
        wrongs = (r"May 4, 1996", r"05/04/1996", r"(?<!\d)4\.0?5\.1996", r"1996 May", r"(?i)\bmaj\b", r"(?i)мај")
        for wrong in wrongs:
            assert not re.search(wrong, summary), (code, wrong)


def test_an_imported_date_in_the_future_is_named_as_the_pages_write_it():
    from pristan.interchange.mapping import BY_NAME, Invalid, parse_value

    with translation.override("bs"), pytest.raises(Invalid) as refused:
        parse_value(BY_NAME["prs_Birthdate"], "2999-01-31")
    assert "31.01.2999." in refused.value.message
    assert "2999-01-31" not in refused.value.message
