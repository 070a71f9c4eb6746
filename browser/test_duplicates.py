"""Possible duplicates as people meet them: a caseworker in Serbian registering a returning person
typed in Latin who is registered in Cyrillic, and a supervisor deciding a pair in the review queue."""

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from browser.axe import assert_accessible
from browser.conftest import sign_in
from pristan.cases.models import Case
from pristan.duplicates.models import CandidatePair, PairDecision
from pristan.people.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BORN = date(1990, 3, 14)


def serbian(text: str) -> str:
    """What a person reading Pristan in Serbian (Cyrillic) reads for `text`."""
    with translation.override("sr"):
        return gettext(text)


def test_a_returning_person_typed_in_latin_gets_a_new_case_on_her_cyrillic_record(
    page: Page, live_server, ana, open_case, screenshot
):
    earlier = open_case(given_name="Ђорђе", family_name="Јовановић", born=BORN)
    sign_in(page, live_server.url, "ana", "sr")
    page.goto(f"{live_server.url}{reverse('register')}")
    page.locator("#id_given_name").focus()
    page.keyboard.type("Đorđe")
    page.locator("#id_family_name").focus()
    page.keyboard.type("Jovanović")
    page.fill("#id_date_of_birth", "1990-03-14")

    card = page.get_by_test_id("match-card")
    expect(card).to_have_count(1)
    expect(card.locator("h3")).to_have_text("Ђорђе Јовановић")  # as written, in its own script
    expect(card).to_contain_text(earlier.reference)
    expect(page.get_by_text(serbian("A possible match exists elsewhere."))).to_have_count(0)
    screenshot("card")
    assert_accessible(page)

    card.get_by_role("button", name=serbian("Open a new case for this person")).click()
    expect(page).to_have_url(re.compile(r"/cases/[^/]+/consent/$"))
    assert Person.objects.count() == 1
    assert Case.objects.filter(person=earlier.person).count() == 2
    new = Case.objects.exclude(pk=earlier.pk).get()
    expect(page).to_have_url(re.compile(re.escape(reverse("case_consent", args=[new.reference])) + "$"))


def test_a_supervisor_decides_a_pair_is_not_one_person(page: Page, live_server, boris, open_case, screenshot):
    first = open_case(given_name="Ђорђе", family_name="Јовановић", born=BORN)
    second = open_case(given_name="Jovanović", family_name="Đorđe", born=date(1991, 3, 14))
    a, b = sorted((first.person_id, second.person_id))
    pair = CandidatePair.objects.create(
        person_a_id=a, person_b_id=b, probability=0.93, match_weight=7.5, found_by="scan",
        reasons=[{"field": "name", "level": "swapped"}, {"field": "date_of_birth", "level": "year_apart"}],
    )  # fmt: skip
    sign_in(page, live_server.url, "boris", "en")
    page.get_by_role("link", name="Overview").click()
    page.get_by_role("link", name="Possible duplicates to review").click()
    expect(page.locator("h1")).to_have_text("Possible duplicates")
    assert_accessible(page)
    page.get_by_test_id("pairs").get_by_role("link").first.click()
    expect(page.get_by_test_id("reasons")).to_contain_text("the same with given and family name swapped")
    expect(page.locator("main")).to_contain_text(first.reference)
    expect(page.locator("main")).to_contain_text(second.reference)
    screenshot("pair")
    assert_accessible(page)
    page.get_by_role("button", name="Not the same person").click()
    expect(page.locator(".messages")).to_contain_text("Your decision was recorded.")
    expect(page.get_by_test_id("pairs")).to_contain_text("No possible duplicates to review.")
    pair.refresh_from_db()
    assert pair.status == CandidatePair.Status.NOT_SAME
    assert PairDecision.objects.get().decided_by == boris
