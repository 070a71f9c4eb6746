"""Dates and times as a person reads them, in the active language: the one way Python code writes
them (PDFs, form choices, charts), the same as templates with `|date:"SHORT_DATE_FORMAT"` and
`|date:"SHORT_DATETIME_FORMAT"`. The patterns themselves are in pristan/formats, one per language.

Files for other programs (CSV exports, the API, the interchange formats) keep ISO 8601, which
every spreadsheet and parser reads the same in every language; they do not come here."""

from datetime import date, datetime

from django.utils import formats, timezone


def day_text(value: date) -> str:
    """A day: 06.12.2025 in Bulgarian, 06.12.2025. in Bosnian, 06 Dec 2025 in English."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def moment_text(value: datetime) -> str:
    """A moment in the installation's time zone, to the minute."""
    return formats.date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "SHORT_DATETIME_FORMAT")


def month_text(value: date) -> str:
    """A month, for charts and monthly tables: 12.2025, 12.2025., Dec 2025."""
    return formats.date_format(value, "YEAR_MONTH_FORMAT")
