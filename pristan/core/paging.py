"""Bounded pages of the lists that grow without end (tasks, history, the audit trail, notifications).

Two shapes, each costing the same on the first page and on a deep one:
- `numbered_page`: a page by its number, for lists a person works through (My cases), with a count
  that stops at `COUNT_CAP` so that counting never reads more than that many rows;
- `keyset_page`: newest first by a unique, indexed key (an audit entry's sequence), moving with
  `before`/`after` a key rather than an offset, so a deep page reads only the rows it shows.
Page numbers and keys are the only things these put in an address: never a name.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import Model, QuerySet

T = TypeVar("T", bound=Model)

COUNT_CAP = 1000  # beyond this, "more than 1,000": an exact figure would cost a scan of them all
MAX_PAGE_NUMBER = 10_000  # an offset beyond this is no browsing anyone does; it is refused to bound the work


@dataclass(frozen=True)
class NumberedPage(Generic[T]):
    rows: list[T]
    number: int
    count: int  # at most COUNT_CAP + 1: see `count_capped`
    count_capped: bool  # there are more than COUNT_CAP rows; `count` says only "more than COUNT_CAP"
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def cap(self) -> int:
        return COUNT_CAP


def page_number(params: Mapping[str, str], name: str) -> int:
    """The page number asked for under `name`: a positive whole number, 1 for anything else."""
    try:
        number = int(params.get(name, "1"))
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE_NUMBER)


def numbered_page(rows: QuerySet[T], *, number: int, size: int) -> NumberedPage[T]:
    """One page of an ordered queryset, and its count up to COUNT_CAP: two queries, whatever the length."""
    start = (number - 1) * size
    # The page's keys first, then its rows: so the planner orders and cuts the bare rows by their
    # index and joins what the page shows (the case, the person) for those rows only.
    page_keys = rows.values("pk")[start : start + size + 1]  # one more than shown: whether there is a next page
    found = list(rows.filter(pk__in=page_keys))
    count = capped_count(rows)
    return NumberedPage(
        rows=found[:size], number=number, count=count.count, count_capped=count.capped, has_next=len(found) > size
    )


@dataclass(frozen=True)
class CappedCount:
    count: int  # at most COUNT_CAP
    capped: bool  # there are more than COUNT_CAP

    @property
    def cap(self) -> int:
        return COUNT_CAP


def capped_count(rows: QuerySet[T]) -> CappedCount:
    """How many rows, counting no further than COUNT_CAP + 1 of them: one query, bounded work."""
    count = rows.order_by().values("pk")[: COUNT_CAP + 1].count()  # which rows are counted does not matter below the cap
    return CappedCount(count=min(count, COUNT_CAP), capped=count > COUNT_CAP)


@dataclass(frozen=True)
class KeysetPage(Generic[T]):
    rows: list[T]
    newer: int | None  # the key to ask `after` for the page of newer rows; None on the newest page
    older: int | None  # the key to ask `before` for the page of older rows; None on the oldest page

    @property
    def has_other_pages(self) -> bool:
        return self.newer is not None or self.older is not None


def keyset_page(
    rows: QuerySet[T], *, key: str, size: int, before: int | None = None, after: int | None = None,
    value: Callable[[T], int] | None = None,
) -> KeysetPage[T]:  # fmt: skip
    """A page of rows newest first by `key` (unique and indexed): the newest, those just older than
    `before`, or those just newer than `after`. One query; the index leads straight to the page."""
    read: Callable[[T], int] = value or (lambda row: int(getattr(row, key)))
    if after is not None:
        found = list(rows.filter(**{f"{key}__gt": after}).order_by(key)[: size + 1])
        has_newer, has_older = len(found) > size, True
        found = found[:size][::-1]
    else:
        chosen = rows.filter(**{f"{key}__lt": before}) if before is not None else rows
        found = list(chosen.order_by(f"-{key}")[: size + 1])
        has_newer, has_older = before is not None, len(found) > size
        found = found[:size]
    return KeysetPage(
        rows=found,
        newer=read(found[0]) if has_newer and found else None,
        older=read(found[-1]) if has_older and found else None,
    )


def key_param(params: Mapping[str, str], name: str) -> int | None:
    """A key asked for under `name` (`before`, `after`): a non-negative whole number, or None."""
    try:
        key = int(params.get(name, ""))
    except ValueError:
        return None
    return key if key >= 0 else None
