"""Name search in every mode, for one office and for every office, beside the same token lookup by hand.

Timed: `case_list_page` as the case list runs it, the count and the first page of 25 with the
persons' names opened. The bound: the same blind-index lookup written as two plain SQL queries
(the count, and the page's case and person rows, names left sealed), with the same token hashes.
The supervisor of one office looks for people of that office; the global reader for anyone.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from suite.context import Context
from suite.plans import check_plans
from suite.results import Result, p95_at_most, ratio_at_most, time_each, timed

PAGE = 25
TARGETS = [p95_at_most(100), ratio_at_most(3)]
MODES = ("full name, Latin", "full name, as written", "surname prefix", "one typo")


def _typo(rng: random.Random, name: str) -> str:
    """The name with one letter of its longest word changed (a word of four letters or more, as the
    blind index needs for a typo to match)."""
    words = name.split()
    longest = max(range(len(words)), key=lambda index: len(words[index]))
    word = words[longest]
    position = len(word) // 2
    replacement = rng.choice([letter for letter in "aeioukmnrst" if letter != word[position].lower()])
    words[longest] = word[:position] + replacement + word[position + 1 :]
    return " ".join(words)


def queries(persons: Any, count: int, rng: random.Random) -> dict[str, list[str]]:
    from pristan.core.names import to_latin
    from pristan.keystore.services import key_scope

    ids = list(persons.values_list("id", flat=True))
    picked = rng.sample(ids, min(count, len(ids)))
    with key_scope():  # names are sealed: read through the model, which opens them
        names = [(person.given_name, person.family_name) for person in persons.model.objects.filter(id__in=picked)]
    latin = [to_latin(f"{given} {family}") for given, family in names]
    return {
        "full name, Latin": latin,
        "full name, as written": [f"{given} {family}" for given, family in names],
        "surname prefix": [name.split()[-1][:4] for name in latin if name.split()],
        "one typo": [_typo(rng, name) for name in latin if name.split()],
    }


def _search(user: Any) -> Callable[[str], int]:
    from pristan.cases.selectors import CaseFilters, PageRequest, case_list_page
    from pristan.keystore.services import key_scope, preload_for

    def run(query: str) -> int:
        with key_scope():  # one request, as the case list runs it: the first page and the count
            page = case_list_page(user=user, filters=CaseFilters(query=query), page=PageRequest(), per_page=PAGE)
            preload_for(page.cases)  # as the case list does: the page's keys in one query
            for case in page.cases:
                _ = case.person.full_name
        return page.count

    return run


def _bare_sql(office_id: int | None) -> Callable[[str], int]:
    from django.db import connection

    from pristan.cases.selectors import MAX_SEARCH_WORDS
    from pristan.core.blind_index import query_hashes, query_words
    from pristan.keystore.services import keyring

    def run(query: str) -> int:
        conditions, params = [], []
        if office_id is not None:
            conditions.append("c.office_id = %s")
            params.append(office_id)
        for word in query_words(query, MAX_SEARCH_WORDS):
            hashes = sorted(query_hashes(keyring(), word))
            marks = ", ".join(["%s"] * len(hashes))
            conditions.append(f"c.person_id IN (SELECT t.person_id FROM people_nametoken t WHERE t.token IN ({marks}))")  # noqa: S608
            params += hashes
        where = " AND ".join(conditions) or "TRUE"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM cases_case c WHERE {where}", params)  # noqa: S608 - placeholders only
            (count,) = cursor.fetchone()
            cursor.execute(
                f"SELECT c.*, p.* FROM cases_case c JOIN people_person p ON p.id = c.person_id WHERE {where} "  # noqa: S608
                f"ORDER BY c.opened_on DESC, c.id DESC LIMIT {PAGE}",
                params,
            )
            cursor.fetchall()
        return int(count)

    return run


def measure_search(context: Context) -> list[Result]:
    from pristan.core.models import Office
    from pristan.people.models import Person

    rng = random.Random(7)  # noqa: S311 - a reproducible choice of names, not a secret
    office = Office.objects.get(code="SOF")
    scopes = (
        ("one office", context.supervisor, queries(Person.objects.filter(office=office), context.samples, rng), office.pk),
        ("global", context.global_reader, queries(Person.objects.all(), context.samples, rng), None),
    )
    results = []
    for scope, user, sets, office_id in scopes:
        search, bound = _search(user), _bare_sql(office_id)
        for mode in MODES:
            if not sets[mode]:
                continue
            timings, found = time_each(search, sets[mode])
            bound_timings, bound_found = time_each(bound, sets[mode])
            result = timed(
                f"search {scope}: {mode}", timings, bound=timed("", bound_timings).p50, bound_name="the same token lookup in SQL",
                targets=list(TARGETS), extra={"found_median": sorted(found)[len(found) // 2],
                                              "bound_found_median": sorted(bound_found)[len(bound_found) // 2]},
            )  # fmt: skip
            if context.postgresql:
                result.plan_problems = check_plans(lambda search=search, query=sets[mode][0]: search(query))
            results.append(result.judge())
    return results
