"""When monitoring visits are due, and when they are overdue: pure date arithmetic."""

import calendar
from datetime import date, timedelta

SCHEDULE_MONTHS = (3, 6, 12)  # months after arrival
GRACE = timedelta(days=14)  # a visit not done by its due date plus this is overdue


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day where that month is shorter (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_dates(arrival_on: date, months: tuple[int, ...] = SCHEDULE_MONTHS) -> dict[int, date]:
    """Months after arrival → the date the visit is due."""
    return {offset: add_months(arrival_on, offset) for offset in months}


def overdue_from(due_on: date) -> date:
    """The first day on which a visit still not done is overdue."""
    return due_on + GRACE + timedelta(days=1)


def is_overdue(due_on: date, *, done: bool, today: date) -> bool:
    return not done and today >= overdue_from(due_on)


def overdue_cutoff(today: date) -> date:
    """Visits due before this date and still planned are overdue today (for queries)."""
    return today - GRACE
