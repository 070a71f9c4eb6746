"""Realistic synthetic cases, fast enough for a million.

`generate` plans every case up front (stage, office and opening day), sorts the plan by day so
that reference numbers and ids grow with time, and writes it in batches. Each batch is written in
one transaction: reserve reference numbers and ids, build every row of every table in memory, and
insert each table at once, by COPY on PostgreSQL and a single `executemany` on SQLite (see
`pristan/core/bulk.py` for why not `bulk_create`). On PostgreSQL a thread of its own writes each
batch while the next one is built (`_BackgroundWriter`).

What is stored is what the services would store: every person has a data key of their own (in the
key store's database, committed just before the batch's cases), every sealed value of the person
and their case's records is sealed under it, and names are findable only through the keyed blind
index (`NameToken`), as `people.services.index_names` writes it.

What the data keeps consistent, because pages and reports rely on it:

* status follows stage as `cases.services` sets it; closed cases have a reason and a date;
* cases past screening have consent for case management and an eligible screening decision;
  "not a victim" only occurs in screening and in cases closed as not eligible, which have no plan;
* the screening's suggestion is what `screening.rules.assess` says about its indicators;
* minor at registration from the date of birth on the opening day, as `case_open` decides it;
  minor when exploited from the age when trafficked, as `experience_update` decides it;
* `name_latin` and the name tokens are derived as `people.services` derives them;
* every stored HTCDS code comes from its picklist (`weights.check_vocabularies`);
* records are dated within the life of their case, never in the future.
"""

from __future__ import annotations

import queue
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from itertools import repeat
from operator import itemgetter
from typing import Any, TextIO

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from tqdm import tqdm

from pristan.assistance.models import PlanObjective, ServiceItem, ServiceStatus
from pristan.cases.models import Case, CaseNote, ClosureReason, ConsentEvent, ConsentPurpose, ReferenceCounter, Stage, Task
from pristan.cases.services import status_for  # the services' own rule, so statuses cannot drift from it
from pristan.core.audit import audit_record
from pristan.core.blind_index import name_hashes
from pristan.core.bulk import IdBlock, SealingKey, Table
from pristan.core.crypto import Keyring
from pristan.core.models import AuditEntry, Office
from pristan.core.names import fold, to_latin
from pristan.demo import distributions as dist
from pristan.demo import places, texts
from pristan.demo.indicator_picks import choose_indicators
from pristan.demo.name_pools import NamePool, build_name_pools, bulgarian_patronymic
from pristan.demo.places import Nationality
from pristan.demo.weights import Weighted, between, check_vocabularies, pick
from pristan.demo.world import OfficeContext, World, ensure_world
from pristan.duplicates.keys import KeyMaker
from pristan.duplicates.models import MatchKey
from pristan.duplicates.types import PersonData
from pristan.experience.models import Perpetrator, TraffickingEvent, TraffickingExperience
from pristan.keystore.models import DataKey
from pristan.keystore.router import KEYS_DB
from pristan.keystore.services import keyring, wrapped_rows
from pristan.people.models import NameToken, Person
from pristan.referrals.models import Referral, ReferralStatus
from pristan.screening.indicators import indicator_list_for
from pristan.screening.models import Screening
from pristan.screening.rules import assess

__all__ = ["BATCH_SIZE", "GenerateResult", "generate"]

# Cases per transaction: large enough that per-statement costs vanish, small enough that a web
# server sharing the SQLite file waits well under its 20-second lock timeout for its own writes.
BATCH_SIZE = 2000


@dataclass(frozen=True)
class GenerateResult:
    cases: int
    offices: tuple[str, ...]  # codes
    seed: int
    seconds: float

    @property
    def cases_per_second(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


def _age_on(born: date, day: date) -> int:
    """Whole years, as `Person.age_on` counts them."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@cache
def _latin_part(name: str) -> str:
    return to_latin(name)


def derive_names(given: str, family: str) -> str:
    """``name_latin`` exactly as `people.services._derive_names` sets it.

    Computed per name part and cached, because parts repeat (they come from pools) while whole
    names rarely do. That gives the same string: `to_latin` reads no context across a space. The
    tests compare the result with `_derive_names` for every generated person.
    """
    return " ".join(_latin_part(part) for part in (given, family) if part)


class _NameIndex:
    """A person's blind-index entries, as `people.services.index_names` makes them.

    Cached per name part, for the same reason as `derive_names`; the union of the parts' entries is
    the person's, because each word is indexed on its own. The cache lives for one run only.
    """

    def __init__(self, ring: Keyring) -> None:
        self._ring = ring
        self._parts: dict[str, frozenset[int]] = {}
        self.match_keys = KeyMaker(ring)  # duplicate finding's keys, as `duplicates.keys.keys_refresh` writes them

    def _of_part(self, part: str) -> frozenset[int]:
        hashes = self._parts.get(part)
        if hashes is None:
            hashes = self._parts[part] = frozenset(name_hashes(self._ring, part))
        return hashes

    def hashes(self, *names: str) -> set[int]:
        return set().union(*(self._of_part(part) for part in names if part))


# --- One batch of rows ------------------------------------------------------------------------


class _Tables:
    """The rows of one batch, one `Table` per model."""

    def __init__(self, db: BaseDatabaseWrapper, keys_db: BaseDatabaseWrapper) -> None:
        self.data_keys = Table(DataKey, keys_db, with_id=True)
        self.persons = Table(Person, db, with_id=True)
        self.name_tokens = Table(NameToken, db, with_id=False)
        self.match_keys = Table(MatchKey, db, with_id=False)
        self.cases = Table(Case, db, with_id=True)
        self.objectives = Table(PlanObjective, db, with_id=True)  # services point to them
        self.services = Table(ServiceItem, db, with_id=False)
        self.consents = Table(ConsentEvent, db, with_id=False)
        self.screenings = Table(Screening, db, with_id=False)
        self.experiences = Table(TraffickingExperience, db, with_id=False)
        self.events = Table(TraffickingEvent, db, with_id=False)
        self.perpetrators = Table(Perpetrator, db, with_id=False)
        self.notes = Table(CaseNote, db, with_id=False)
        self.tasks = Table(Task, db, with_id=False)
        self.referrals = Table(Referral, db, with_id=False)
        self.cases_count = 0  # the cases whose rows these are, for the background writer to count

    def write(self) -> None:
        # In token order, the index on tokens takes them in fewer page writes: a fifth less time for the largest table.
        self.name_tokens.rows.sort(key=itemgetter(1))
        # Parents first, although the foreign keys are only checked at commit.
        for table in (
            self.data_keys, self.persons, self.name_tokens, self.match_keys, self.cases, self.objectives, self.services,
            self.consents, self.screenings, self.experiences, self.events, self.perpetrators, self.notes, self.tasks,
            self.referrals,
        ):  # fmt: skip
            table.write()


@dataclass(frozen=True)
class _Ids:
    """Ids for the rows that others point to, valid for one batch's transaction."""

    persons: IdBlock
    cases: IdBlock
    objectives: IdBlock

    @classmethod
    def reserve(cls, db: BaseDatabaseWrapper) -> _Ids:
        return cls(IdBlock(Person, db), IdBlock(Case, db), IdBlock(PlanObjective, db))


# --- One case ---------------------------------------------------------------------------------


@dataclass
class _Facts:
    """What is decided about a case before its rows are built, and what the rows share."""

    ctx: OfficeContext
    key: SealingKey  # the person's: it seals the person and every record of the case
    today: date
    stage: str
    opened_on: date
    reference: str
    nationality: Nationality
    gender: str
    feminine: bool
    born: date | None = None
    born_estimated: bool = False
    exploitation: str = ""
    exploitation_began_on: date | None = None
    age_when_trafficked: int | None = None
    decision: str = ""
    closure_reason: str = ""
    closed_on: date | None = None
    case_id: int = 0
    owner_id: int = 0

    @property
    def last_day(self) -> date:
        """The last day anything happened in the case: its closure or, while it is open, today."""
        return self.closed_on or self.today

    @property
    def language(self) -> str:
        return self.ctx.spec.language

    @property
    def minor_at_registration(self) -> bool:
        return self.born is not None and _age_on(self.born, self.opened_on) < 18

    @property
    def minor_at_exploitation(self) -> bool:
        return self.age_when_trafficked is not None and self.age_when_trafficked < 18


class _CaseFactory:
    """Builds the rows of cases. All randomness comes from one seeded `random.Random`, and nothing
    here reads the database, so the same seed gives the same cases whatever is already stored."""

    def __init__(self, rng: random.Random, pools: Mapping[str, NamePool], names: _NameIndex, today: date) -> None:
        self.rng = rng
        self.pools = pools
        self.names = names
        self.today = today
        self.now = timezone.now()
        self.zone = timezone.get_current_timezone()
        self.nationalities = tuple(places.NATIONALITIES[country] for country in places.FOREIGN_ORIGINS)

    # Days and moments

    def _day_between(self, first: date, last: date) -> date:
        if last <= first:
            return first
        return first + timedelta(days=int(self.rng.random() * ((last - first).days + 1)))

    def _at(self, day: date) -> datetime:
        """A moment in office hours on ``day``, never in the future."""
        minutes = 480 + int(self.rng.random() * 540)
        moment = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=self.zone)
        return moment if day < self.today else min(moment, self.now)

    # Deciding the facts

    def _facts(self, ctx: OfficeContext, key: SealingKey, stage: str, opened_on: date, reference: str) -> _Facts:
        rng = self.rng
        gender = dist.GENDERS.pick(rng)
        if gender in dist.FEMININE_GENDERS:
            feminine = True
        elif gender in dist.MASCULINE_GENDERS:
            feminine = False
        else:  # whatever the gender, the name was given at birth
            feminine = rng.random() < 0.5
        if rng.random() < dist.HOME_NATIONALITY_SHARE:
            nationality = places.NATIONALITIES.get(ctx.spec.country) or pick(rng, self.nationalities)
        else:
            nationality = pick(rng, self.nationalities)
        facts = _Facts(
            ctx=ctx, key=key, today=self.today, stage=stage, opened_on=opened_on, reference=reference,
            nationality=nationality, gender=gender, feminine=feminine, owner_id=ctx.caseworker.pk,
        )  # fmt: skip
        self._birth(facts)
        self._exploitation(facts)
        self._decision(facts)
        return facts

    def _birth(self, facts: _Facts) -> None:
        """Date of birth, set so that about a third of persons are minors when their case opens."""
        rng = self.rng
        if rng.random() < dist.MINOR_SHARE:
            age = dist.MINOR_AGES.pick(rng)
        elif rng.random() < dist.UNKNOWN_BIRTH_SHARE:
            return
        else:
            low, high = dist.ADULT_AGE_BANDS.pick(rng)
            age = between(rng, low, high)
        born = facts.opened_on - timedelta(days=int((age + rng.random()) * 365.2425))
        if rng.random() < dist.ESTIMATED_BIRTH_SHARE:
            facts.born, facts.born_estimated = date(born.year, 1, 1), True  # estimates are usually written as 1 January
        else:
            facts.born = born

    def _exploitation(self, facts: _Facts) -> None:
        """The type of exploitation, when it began, and how old the person was then."""
        rng = self.rng
        if facts.gender in dist.FEMININE_GENDERS:
            table = dist.EXPLOITATION_OF_WOMEN
        elif facts.gender in dist.MASCULINE_GENDERS:
            table = dist.EXPLOITATION_OF_MEN
        else:
            table = dist.EXPLOITATION_OF_OTHERS
        facts.exploitation = table.pick(rng)
        began = facts.opened_on - timedelta(days=between(rng, 20, 1500))
        if facts.born is not None:
            # Nobody in these records was trafficked before the age of seven.
            began = min(max(began, facts.born + timedelta(days=7 * 366)), facts.opened_on)
            facts.age_when_trafficked = _age_on(facts.born, began)
        facts.exploitation_began_on = began

    def _decision(self, facts: _Facts) -> None:
        """The screening decision and, for closed cases, why and when the case was closed."""
        rng = self.rng
        if facts.stage == Stage.SCREENING:
            facts.decision = dist.DECISIONS_IN_SCREENING.pick(rng)
        elif facts.stage == Stage.CLOSED:
            facts.decision = dist.DECISIONS_WHEN_CLOSED.pick(rng)
        else:
            facts.decision = dist.DECISIONS_IN_ASSISTANCE.pick(rng)
        if facts.stage != Stage.CLOSED:
            return
        if facts.decision == dist.NOT_A_VICTIM:
            facts.closure_reason, length = ClosureReason.NOT_ELIGIBLE, between(rng, 3, 45)
        else:
            facts.closure_reason, length = dist.CLOSURE_REASONS.pick(rng), between(rng, 30, 900)
        facts.closed_on = min(facts.opened_on + timedelta(days=length), self.today - timedelta(days=1))

    # The person

    def _names(self, facts: _Facts) -> tuple[str, str, str, str]:
        rng, nationality = self.rng, facts.nationality
        pool = self.pools[nationality.pool]
        given_names = pool.female_given if facts.feminine else pool.male_given
        given = pick(rng, given_names)
        family = pick(rng, pool.female_family if facts.feminine else pool.male_family)
        other_names = ""
        if nationality.pool == "bg" and rng.random() < 0.25:  # Bulgarian records often carry the father's name
            other_names = bulgarian_patronymic(pick(rng, pool.male_given), feminine=facts.feminine)
        alias = pick(rng, given_names) if rng.random() < 0.08 else ""
        return given, family, other_names, "" if alias == given else alias

    def _phone(self, country: str) -> str:
        template, groups = places.PHONE_FORMATS[country]
        return template.format(*(str(int(self.rng.random() * 10**size)).zfill(size) for size in groups))

    def _guardian(self, facts: _Facts, family: str) -> dict[str, str]:
        """A guardian for a minor: usually a parent, sharing the family name where its form allows."""
        rng = self.rng
        relation = dist.GUARDIANS.pick(rng)  # mother, father, grandmother, social worker
        pool = self.pools[facts.nationality.pool]
        if relation == 3:  # the social worker is from the office's country
            pool = self.pools.get(facts.language, pool)
        male = relation == 1
        given = pick(rng, pool.male_given if male else pool.female_given)
        # Bulgarian, Macedonian and Ukrainian surnames change with gender: a mother of a son has another form.
        shares_family = relation in (0, 1) and male != facts.feminine
        surname = family if shares_family else pick(rng, pool.male_family if male else pool.female_family)
        return {
            "guardian_name": f"{given} {surname}",
            "guardian_relationship": texts.localised(texts.GUARDIAN_RELATIONSHIPS, facts.language)[relation],
            "guardian_contact": self._phone(facts.nationality.country),
        }

    def _languages(self, facts: _Facts) -> list[str]:
        nationality, rng = facts.nationality, self.rng
        languages = [nationality.language]
        if nationality.second_language and rng.random() < nationality.second_language_share:
            languages.append(nationality.second_language)
        if facts.language not in languages and rng.random() < 0.2:  # learnt while living in the office's country
            languages.append(facts.language)
        return languages

    def _citizenships(self, nationality: Nationality) -> list[str]:
        if nationality.second_citizenship and self.rng.random() < nationality.second_citizenship_share:
            return [nationality.country, nationality.second_citizenship]
        return [nationality.country]

    def person(self, tables: _Tables, facts: _Facts, person_id: int) -> None:
        rng = self.rng
        given, family, other_names, aliases = self._names(facts)
        country = facts.nationality.country if rng.random() < 0.9 else facts.ctx.spec.country
        guardian = self._guardian(facts, family) if facts.minor_at_registration else {}
        tables.persons.add(
            facts.key,
            id=person_id,
            office_id=facts.ctx.office.pk,
            key_id=facts.key.id,
            given_name=given,
            family_name=family,
            other_names=other_names,
            aliases=aliases,
            name_latin=derive_names(given, family),
            gender=facts.gender,
            date_of_birth=facts.born,
            date_of_birth_estimated=facts.born_estimated,
            citizenships=self._citizenships(facts.nationality),
            languages=self._languages(facts),
            phone=self._phone(facts.nationality.country) if rng.random() < 0.6 else "",
            email=f"{fold(given)}.{fold(family)}{int(rng.random() * 100)}@example.org" if rng.random() < 0.1 else "",
            city=pick(rng, places.CITIES[country]),
            country=country,
            created_at=self._at(facts.opened_on),
            created_by_id=facts.owner_id,
            **guardian,
        )
        hashes = self.names.hashes(given, family, other_names, aliases)
        tables.name_tokens.add_many(("person_id", "token"), zip(repeat(person_id), hashes))
        compared = PersonData(
            given_name=given, family_name=family, other_names=other_names, aliases=aliases, date_of_birth=facts.born
        )  # the demo gives no identity documents
        tables.match_keys.add_many(("person_id", "key"), zip(repeat(person_id), self.names.match_keys.of(compared)))

    # The case and its records

    def case(self, tables: _Tables, facts: _Facts, person_id: int) -> None:
        rng, ctx = self.rng, facts.ctx
        created_at = self._at(facts.opened_on)
        referral: dict[str, Any] = {}
        if ctx.partners and rng.random() < dist.INCOMING_REFERRAL_SHARE:
            referral |= {
                "referring_organisation_id": pick(rng, ctx.partners).pk,
                "incoming_referral_date": facts.opened_on - timedelta(days=between(rng, 0, 10)),
                "incoming_referral_reason": dist.INCOMING_REASONS.pick(rng),
            }
        if facts.closure_reason == ClosureReason.REFERRED and ctx.partners:
            referral |= {
                "referred_organisation_id": pick(rng, ctx.partners).pk,
                "outgoing_referral_date": facts.closed_on,
                "outgoing_referral_reason": dist.OUTGOING_REASONS.pick(rng),
            }
        tables.cases.add(
            facts.key,
            id=facts.case_id,
            reference=facts.reference,
            person_id=person_id,
            office_id=ctx.office.pk,
            owner_id=facts.owner_id,
            status=status_for(facts.stage, facts.closure_reason),
            stage=facts.stage,
            opened_on=facts.opened_on,
            closed_on=facts.closed_on,
            closure_reason=facts.closure_reason,
            minor_at_registration=facts.minor_at_registration,
            minor_at_exploitation=facts.minor_at_exploitation,
            created_at=created_at,
            updated_at=max(created_at, self._at(self._day_between(facts.opened_on, facts.last_day))),
            **referral,
        )
        # The referrals themselves, as the referral services record them (the case's fields mirror them).
        if "referring_organisation_id" in referral:
            tables.referrals.add(
                facts.key, case_id=facts.case_id, direction=Referral.Direction.INCOMING,
                organisation_id=referral["referring_organisation_id"], reason=referral["incoming_referral_reason"],
                referred_on=referral["incoming_referral_date"], status=ReferralStatus.ACCEPTED,
                created_by_id=facts.owner_id, created_at=created_at, decided_by_id=facts.owner_id, decided_at=created_at,
            )  # fmt: skip
        if "referred_organisation_id" in referral:
            referred_at = self._at(referral["outgoing_referral_date"])
            tables.referrals.add(
                facts.key, case_id=facts.case_id, direction=Referral.Direction.OUTGOING,
                organisation_id=referral["referred_organisation_id"], reason=referral["outgoing_referral_reason"],
                referred_on=referral["outgoing_referral_date"], status=ReferralStatus.ACCEPTED,
                created_by_id=facts.owner_id, created_at=referred_at,
            )  # fmt: skip

    def consents(self, tables: _Tables, facts: _Facts) -> None:
        """Case management consent for every case past screening (and most in it); research for ~60%."""
        rng = self.rng

        def consent(purpose: str, given: bool, on: date) -> None:
            tables.consents.add(
                facts.key,
                case_id=facts.case_id,
                purpose=purpose,
                given=given,
                on=on,
                recorded_by_id=facts.owner_id,
                recorded_at=self._at(on),
            )

        if facts.stage != Stage.SCREENING or rng.random() < 0.8:
            consent(ConsentPurpose.CASE_MANAGEMENT, True, facts.opened_on)
            if facts.closure_reason == ClosureReason.DECLINED and facts.closed_on:
                consent(ConsentPurpose.CASE_MANAGEMENT, False, facts.closed_on)  # withdrawn: why the case closed
        if rng.random() < 0.6:
            consent(ConsentPurpose.RESEARCH, True, facts.opened_on)
        # A case referred to a partner always had the person's consent to referral (Pristan refuses it otherwise).
        if facts.closure_reason == ClosureReason.REFERRED or (facts.stage != Stage.SCREENING and rng.random() < 0.5):
            consent(ConsentPurpose.REFERRAL, True, self._day_between(facts.opened_on, facts.last_day))

    def screening(self, tables: _Tables, facts: _Facts) -> None:
        rng = self.rng
        is_child = facts.minor_at_registration or facts.minor_at_exploitation
        indicator_list = indicator_list_for(is_child=is_child, sexual=facts.exploitation == "SexualExploitation")
        keys = sorted(set(choose_indicators(rng, indicator_list, presumed_victim=facts.decision != dist.NOT_A_VICTIM)))
        assessment = assess(indicator_list, keys)
        deciding = dist.ACTUAL_DECIDED_BY if facts.decision == dist.ACTUAL_VICTIM else dist.OTHERWISE_DECIDED_BY
        screened_on = min(facts.opened_on + timedelta(days=between(rng, 0, 14)), facts.closed_on or self.today)
        tables.screenings.add(
            facts.key,
            case_id=facts.case_id,
            indicator_list=indicator_list.value,
            indicators=keys,
            positive_dimensions=[str(dimension) for dimension in assessment.positive_dimensions],
            suggested_victim=assessment.presumed_victim,
            decision=facts.decision,
            deciding_body=deciding.pick(rng),
            reason=texts.localised(texts.SCREENING_REASONS, facts.language)[facts.decision],
            screened_on=screened_on,
            screened_by_id=facts.owner_id,
            created_at=self._at(screened_on),
        )

    def experience(self, tables: _Tables, facts: _Facts) -> None:
        rng, kind = self.rng, facts.exploitation
        types = [kind]
        if kind == "ForcedLabour" and facts.minor_at_exploitation and rng.random() < 0.5:
            types.append("ChildLabour")
        recruitment = dist.RECRUITMENT.sample(rng, 1 + (rng.random() < 0.25))
        sexual = kind == "SexualExploitation"
        sex_types = dist.SEX_EXPLOITATION.sample(rng, 1 + (rng.random() < 0.15)) if sexual else []
        control = dist.CONTROL.sample(rng, between(rng, 2, 5))
        if sexual and rng.random() < 0.5:
            control += dist.SEXUAL_CONTROL.values
        tables.experiences.add(
            facts.key,
            case_id=facts.case_id,
            methods_of_recruitment=recruitment,
            recruitment_websites=[dist.RECRUITMENT_APPS.pick(rng)] if dist.ONLINE_RECRUITMENT.intersection(recruitment) else [],
            relationship_to_trafficker="Familial" if kind == "ForcedMarriage" else dist.RELATIONSHIPS.pick(rng),
            methods_of_control=control,
            types_of_exploitation=types,
            forced_labour_industry=dist.LABOUR_INDUSTRIES.pick(rng) if kind == "ForcedLabour" else "",
            types_of_sex_exploitation=sex_types,
            exploitation_websites=[dist.EXPLOITATION_APPS.pick(rng)]
            if dist.ONLINE_SEX_EXPLOITATION.intersection(sex_types)
            else [],
            vulnerabilities=dist.VULNERABILITIES.sample(rng, between(rng, 1, 3)),
            age_when_trafficked=facts.age_when_trafficked,
            exploitation_began_on=facts.exploitation_began_on,
        )

    def route(self, tables: _Tables, facts: _Facts) -> str:
        """Recruitment at home, perhaps a transit country, exploitation at the destination; returns the destination."""
        rng = self.rng
        origin = facts.nationality.country
        destination = _destinations(facts.exploitation).pick(rng) or origin
        began = facts.exploitation_began_on or facts.opened_on
        events = tables.events
        if rng.random() >= 0.15:  # the rest only remember where they were exploited
            recruited_on = began - timedelta(days=between(rng, 3, 60))
            events.add(
                facts.key,
                case_id=facts.case_id,
                event_type="Recruitment",
                country=origin,
                city=pick(rng, places.CITIES[origin]),
                started_on=recruited_on,
            )
            transit = [country for country in places.TRANSIT[origin] if country != destination]
            if destination != origin and rng.random() < 0.5:
                passed_on = self._day_between(recruited_on, began)
                ended_on = min(passed_on + timedelta(days=between(rng, 0, 4)), began)
                events.add(
                    facts.key,
                    case_id=facts.case_id,
                    event_type="Transit",
                    country=pick(rng, transit),
                    started_on=passed_on,
                    ended_on=ended_on,
                )
        events.add(
            facts.key,
            case_id=facts.case_id,
            event_type="Exploitation",
            country=destination,
            city=pick(rng, places.CITIES[destination]),
            started_on=began,
            ended_on=max(began, facts.opened_on - timedelta(days=between(rng, 0, 20))),
        )
        return destination

    def perpetrators(self, tables: _Tables, facts: _Facts, destination: str) -> None:
        rng = self.rng
        pool = self.pools[facts.nationality.pool]
        for _ in range(dist.PERPETRATOR_COUNTS.pick(rng)):
            gender = dist.PERPETRATOR_GENDERS.pick(rng)
            feminine = gender == "Feminine"
            name = pick(rng, pool.female_given if feminine else pool.male_given)
            if rng.random() < 0.7:  # the rest are known by a first name only
                name = f"{name} {pick(rng, pool.female_family if feminine else pool.male_family)}"
            tables.perpetrators.add(
                facts.key,
                case_id=facts.case_id,
                name=name,
                gender=gender,
                nationality=destination if rng.random() < 0.25 else facts.nationality.country,
                roles=dist.PERPETRATOR_ROLES.sample(rng, 1 + (rng.random() < 0.4)),
            )

    def objectives(self, tables: _Tables, facts: _Facts, ids: _Ids) -> list[tuple[int, str]]:
        """One or two objectives once the person is found eligible and the case is past screening.

        Returns (id, plan type) of each, for the services that serve them."""
        if facts.stage == Stage.SCREENING or facts.decision == dist.NOT_A_VICTIM:
            return []
        rng = self.rng
        if facts.minor_at_registration:
            table = dist.PLANS_FOR_CHILDREN
        elif facts.exploitation == "SexualExploitation":
            table = dist.PLANS_AFTER_SEXUAL
        else:
            table = dist.PLANS_AFTER_LABOUR
        planned_within = min(facts.opened_on + timedelta(days=30), facts.last_day)
        created = []
        for plan_type in table.sample(rng, 1 + (rng.random() < 0.4)):
            objective_id = ids.objectives.take()
            planned_end = facts.opened_on + timedelta(days=between(rng, 90, 365))
            finished = facts.stage in (Stage.CLOSED, Stage.FOLLOW_UP) and rng.random() < 0.7
            text, action_plan = texts.OBJECTIVES[plan_type]
            tables.objectives.add(
                facts.key,
                id=objective_id,
                case_id=facts.case_id,
                plan_type=plan_type,
                objectives=text,
                action_plan=action_plan,
                planned_end_on=planned_end,
                actual_end_on=min(planned_end, facts.last_day) if finished else None,
                created_at=self._at(self._day_between(facts.opened_on, planned_within)),
            )
            created.append((objective_id, plan_type))
        return created

    def _cost(self, kind: str, on: date, country: str) -> tuple[Decimal | None, str]:
        rng = self.rng
        euro_range = dist.COST_IN_EURO[kind]
        if euro_range is None or rng.random() < 0.3:
            return None, ""
        currency = places.LOCAL_CURRENCY.get(country, "EUR") if rng.random() < 0.5 else "EUR"
        if currency == "BGN" and on >= places.BULGARIAN_EURO_FROM:
            currency = "EUR"
        cents = int(rng.uniform(*euro_range) * places.EUR_RATES[currency] * 100)
        return Decimal(cents).scaleb(-2), currency

    def _service_dates(self, facts: _Facts, status: str) -> tuple[date | None, date | None]:
        rng = self.rng
        if status == ServiceStatus.PLANNED:
            # Planned services of open cases start soon; those of closed cases never started.
            return (self.today + timedelta(days=between(rng, 1, 45)), None) if facts.closed_on is None else (None, None)
        starts = self._day_between(facts.opened_on, min(facts.opened_on + timedelta(days=60), facts.last_day))
        if status == ServiceStatus.IN_PROGRESS:
            return starts, None
        return starts, self._day_between(starts, min(starts + timedelta(days=120), facts.last_day))

    def services(self, tables: _Tables, facts: _Facts, objectives: Sequence[tuple[int, str]]) -> None:
        rng, ctx = self.rng, facts.ctx
        chosen: list[tuple[str, int | None]]
        if objectives:
            chosen = [
                (kind, objective_id) for objective_id, plan_type in objectives for kind in dist.SERVICES_FOR_PLAN[plan_type]
            ]
            rng.shuffle(chosen)
            del chosen[between(rng, 1, 4) :]
        else:  # before a plan: what screening itself needs
            chosen = [(kind, None) for kind in rng.sample(dist.FIRST_SERVICES, between(rng, 1, 2))]
        statuses = dist.SERVICE_STATUSES[facts.stage]
        for kind, objective_id in chosen:
            status = statuses.pick(rng)
            starts_on, ends_on = self._service_dates(facts, status)
            cost, currency = self._cost(kind, starts_on or facts.opened_on, ctx.spec.country)
            provider_type = dist.PROVIDER_TYPE.get(kind)
            provider = ctx.partner_of_type(provider_type) if provider_type and rng.random() < 0.5 else None
            tables.services.add(
                facts.key,
                case_id=facts.case_id,
                objective_id=objective_id,
                kind=kind,
                provider_id=provider.pk if provider else None,
                status=status,
                starts_on=starts_on,
                ends_on=ends_on,
                cost=cost,
                currency=currency,
                created_by_id=facts.owner_id,
                created_at=self._at(starts_on if starts_on and starts_on <= self.today else facts.opened_on),
            )

    def notes(self, tables: _Tables, facts: _Facts) -> None:
        rng = self.rng
        templates = texts.localised(texts.NOTES, facts.language)
        for _ in range(dist.NOTE_COUNTS.pick(rng)):
            tables.notes.add(
                facts.key,
                case_id=facts.case_id,
                text=pick(rng, templates),
                author_id=facts.owner_id,
                created_at=self._at(self._day_between(facts.opened_on, facts.last_day)),
            )

    def task(self, tables: _Tables, facts: _Facts) -> None:
        """At most one: open cases often have one (a third of them overdue), closed ones rarely a done one."""
        rng = self.rng
        done_at = None
        if facts.closed_on is None:
            if rng.random() >= 0.55:
                return
            if rng.random() < dist.OVERDUE_TASK_SHARE:
                due_on = self.today - timedelta(days=between(rng, 1, 30))
            else:
                due_on = self.today + timedelta(days=between(rng, 0, 30))
        else:
            if rng.random() >= 0.15:
                return
            due_on = self._day_between(facts.opened_on, facts.closed_on)
            done_at = self._at(due_on)
        created_on = max(facts.opened_on, min(due_on, self.today) - timedelta(days=between(rng, 3, 21)))
        tables.tasks.add(
            facts.key,
            case_id=facts.case_id,
            title=pick(rng, texts.localised(texts.TASK_TITLES, facts.language)),
            due_on=due_on,
            assignee_id=facts.owner_id,
            done_at=done_at,
            created_by_id=facts.owner_id,
            created_at=self._at(created_on),
        )

    def add_case(
        self, tables: _Tables, ids: _Ids, ctx: OfficeContext, key: SealingKey, stage: str, opened_on: date, reference: str
    ) -> None:
        """Decide one case and add all its rows, sealed under ``key``, the new person's data key."""
        facts = self._facts(ctx, key, stage, opened_on, reference)
        person_id = ids.persons.take()
        facts.case_id = ids.cases.take()
        self.person(tables, facts, person_id)
        self.case(tables, facts, person_id)
        self.consents(tables, facts)
        self.screening(tables, facts)
        self.experience(tables, facts)
        destination = self.route(tables, facts)
        self.perpetrators(tables, facts, destination)
        self.services(tables, facts, self.objectives(tables, facts, ids))
        self.notes(tables, facts)
        self.task(tables, facts)


@cache
def _destinations(exploitation: str) -> Weighted[str]:
    """Countries of exploitation for a type ("" for at home); unlisted types go where "Other" goes."""
    return Weighted(places.DESTINATIONS.get(exploitation, places.DESTINATIONS["Other"]))


# --- Planning, numbering and writing ----------------------------------------------------------

# A planned case packed into one int, so that a million of them sort fast and fit in memory:
# opening day (ordinal) | stage index (3 bits) | office index (6 bits). The order is that of
# (day, stage, office), so widening a field changes no seed's cases.
_OFFICE_BITS, _STAGE_BITS = 6, 3
_STAGE_ORDER: tuple[str, ...] = tuple(Stage.values)
_STAGE_INDEX: Mapping[str, int] = {stage: index for index, stage in enumerate(_STAGE_ORDER)}


@dataclass(frozen=True)
class _Planned:
    opened_on: date
    stage: str
    office: int  # index into World.offices


def _plan(rng: random.Random, count: int, offices: Sequence[OfficeContext], today: date) -> list[int]:
    """Stage, office and opening day of every case, sorted by day so that references follow time."""
    if len(offices) > 2**_OFFICE_BITS:
        raise ValueError(f"At most {2**_OFFICE_BITS} offices per run.")
    # A country office sees three times the cases of a field office.
    office_weights = Weighted({index: 3 if ctx.office.kind == Office.Kind.COUNTRY else 1 for index, ctx in enumerate(offices)})
    today_ordinal = today.toordinal()
    plan = []
    for _ in range(count):
        stage = dist.STAGES.pick(rng)
        low, high = dist.OPENED_DAYS_AGO[stage]
        ordinal = today_ordinal - between(rng, low, high)
        plan.append((ordinal << (_STAGE_BITS + _OFFICE_BITS)) | (_STAGE_INDEX[stage] << _OFFICE_BITS) | office_weights.pick(rng))
    plan.sort()
    return plan


def _unpack(packed: int) -> _Planned:
    return _Planned(
        opened_on=date.fromordinal(packed >> (_STAGE_BITS + _OFFICE_BITS)),
        stage=_STAGE_ORDER[(packed >> _OFFICE_BITS) & (2**_STAGE_BITS - 1)],
        office=packed & (2**_OFFICE_BITS - 1),
    )


def _highest_reference_number(office: Office, year: int) -> int:
    """The highest number already in references of an office and year (0 if none).

    Only asked when a counter row is first created, in case cases were imported without one.
    """
    prefix = f"{office.code}-{year}-"
    suffixes = (
        reference.removeprefix(prefix)
        for reference in Case.objects.filter(reference__startswith=prefix).values_list("reference", flat=True)
    )
    return max((int(suffix) for suffix in suffixes if suffix.isdigit()), default=0)


def _reserve_numbers(world: World, needed: Mapping[tuple[int, int], int]) -> dict[tuple[int, int], int]:
    """Take ``count`` consecutive case numbers from each (office index, year)'s counter; returns the
    first of each. One locking read and one update for all of a batch's counters (with 50 offices a
    batch spans up to a hundred), rather than three statements per counter."""
    office_ids = {world.offices[index].office.pk for index, _year in needed}
    counters = {
        (counter.office_id, counter.year): counter
        for counter in ReferenceCounter.objects.select_for_update().filter(
            office_id__in=office_ids, year__in={year for _index, year in needed}
        )
    }
    first = {}
    for (index, year), count in sorted(needed.items()):
        office = world.offices[index].office
        counter = counters.get((office.pk, year))
        if counter is None:  # its first case this year, or one made since the read: get_or_create settles it
            counter, created = ReferenceCounter.objects.select_for_update().get_or_create(office=office, year=year)
            if created:
                counter.last = _highest_reference_number(office, year)
            counters[office.pk, year] = counter
        first[index, year] = counter.last + 1
        counter.last += count
    ReferenceCounter.objects.bulk_update([counters[world.offices[index].office.pk, year] for index, year in needed], ["last"])
    return first


def _references(batch: Sequence[_Planned], world: World) -> list[str]:
    """References for the planned cases, in order: {office.code}-{year}-{n:05d}, as `case_open` makes them."""
    next_number = _reserve_numbers(world, Counter((planned.office, planned.opened_on.year) for planned in batch))
    references = []
    for planned in batch:
        group = (planned.office, planned.opened_on.year)
        references.append(f"{world.offices[planned.office].office.code}-{planned.opened_on.year}-{next_number[group]:05d}")
        next_number[group] += 1
    return references


def _build_batch(
    factory: _CaseFactory, world: World, tables: _Tables, ids: _Ids, references: Sequence[str], batch: Sequence[_Planned]
) -> None:
    """Every row of the batch's cases, and their persons' new data keys, added to ``tables``."""
    created_at = timezone.now()
    keys = wrapped_rows(len(batch))
    for planned, reference, (key_id, data_key, row) in zip(batch, references, keys, strict=True):
        tables.data_keys.add(None, id=key_id, master_key_id=row.master_key_id, wrapped=row.wrapped, created_at=created_at)
        key = SealingKey(key_id, data_key)
        factory.add_case(tables, ids, world.offices[planned.office], key, planned.stage, planned.opened_on, reference)


def _write_batch(
    factory: _CaseFactory, world: World, db: BaseDatabaseWrapper, keys_db: BaseDatabaseWrapper, batch: Sequence[_Planned]
) -> None:
    """Number, build and insert the cases of one batch, all in one transaction, and their persons'
    data keys in one of the key store's. That one commits first, so that no sealed value is ever
    stored without its key; if the cases then fail to commit, the keys left over seal nothing."""
    with transaction.atomic(), transaction.atomic(using=KEYS_DB):
        tables, ids = _Tables(db, keys_db), _Ids.reserve(db)  # ids inside the transaction: see IdBlock
        _build_batch(factory, world, tables, ids, _references(batch, world), batch)
        tables.write()


class _BackgroundWriter:
    """Writes built batches on PostgreSQL in a thread with connections of its own, while the main
    thread builds the next batch.

    Most of the time a batch spends in the server goes into the commit, where PostgreSQL checks
    every deferred foreign key of the batch's rows (some 800,000 for 20,000 cases), and into taking
    the COPY streams into tables and indexes. The thread only waits for that (psycopg releases the
    GIL while it waits), so building and writing overlap and a run takes about as long as the
    slower of the two instead of their sum. At most one batch waits for the writer, so memory holds
    three at most.

    Each batch is still written in one transaction of its own, the key store's committed first. Its
    references and ids were taken before it was built, in the main thread (a reference counter's
    update is committed before its cases are): a batch that fails to commit leaves a gap in the
    numbers, never a duplicate. Not used on SQLite (one writer at a time, and the ids are only safe
    under its write lock) nor inside a caller's transaction, which a second connection cannot see.
    """

    def __init__(self) -> None:
        self._queue: queue.Queue[_Tables | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._connected = threading.Event()
        self.written = 0
        self._thread = threading.Thread(target=self._run, name="pristan-generate-writer", daemon=True)
        self._thread.start()
        self._connected.wait()

    def _run(self) -> None:
        # This thread's own connections: Django gives each thread its own.
        self.db, self.keys_db = connections[DEFAULT_DB_ALIAS], connections[KEYS_DB]
        self._connected.set()
        try:
            while (tables := self._queue.get()) is not None:
                if self._error is None:
                    try:
                        self._write(tables)
                    except BaseException as error:  # handed to the main thread, which raises it
                        self._error = error
        finally:
            connections.close_all()

    def _write(self, tables: _Tables) -> None:
        with transaction.atomic(), transaction.atomic(using=KEYS_DB):
            with self.db.cursor() as cursor:
                # Synthetic data: if the server crashed, losing the last batches' commits (never
                # half of one) would only mean generating them again. The key store keeps the
                # server's setting, so that a batch's keys are never lost while its cases are kept.
                cursor.execute("SET LOCAL synchronous_commit = off")
            tables.write()
        self.written += tables.cases_count

    def tables(self) -> _Tables:
        """Empty tables bound to the writer's connections (their cursors are only made in its thread)."""
        return _Tables(self.db, self.keys_db)

    def submit(self, tables: _Tables) -> None:
        self._raise()
        self._queue.put(tables)

    def finish(self) -> None:
        """Wait for the batches submitted so far to be written; raises what failed."""
        self.close()
        self._raise()

    def close(self) -> None:
        """Wait for the batches submitted so far to be written (or to fail); safe to call again."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error


def _record_run(world: World, *, written: int, requested: int, seed: int) -> None:
    detail = f"{written} cases in {', '.join(ctx.office.code for ctx in world.offices)} (seed {seed})"
    if written != requested:
        detail += f"; interrupted, {requested} requested"
    with transaction.atomic():
        audit_record(actor=None, action=AuditEntry.Action.GENERATE, obj=world.operator, detail=detail[:200])


def generate(*, cases: int, offices: int, seed: int, progress: bool = True, stdout: TextIO | None = None) -> GenerateResult:
    """Create ``cases`` synthetic cases spread over the first ``offices`` demo offices.

    The same seed gives the same persons and cases; ids and reference numbers depend on what is
    already stored. ``stdout`` receives the progress bar (default: standard error). One audit
    entry records the run, also when it is interrupted after some batches were written.
    """
    if cases < 0:
        raise ValueError("The number of cases cannot be negative.")
    check_vocabularies()
    started = time.perf_counter()
    with transaction.atomic():
        world = ensure_world(offices)
    rng = random.Random(seed)  # reproducible synthetic data, not secrets # nosec B311
    today = timezone.localdate()
    factory = _CaseFactory(rng, build_name_pools(seed), _NameIndex(keyring()), today)
    plan = _plan(rng, cases, world.offices, today)
    # The backend itself, not the `django.db.connection` proxy, whose every attribute lookup costs.
    connection, keys_connection = connections[DEFAULT_DB_ALIAS], connections[KEYS_DB]
    in_background = connection.vendor == "postgresql" and not (connection.in_atomic_block or keys_connection.in_atomic_block)
    writer = _BackgroundWriter() if in_background and cases else None
    written = 0
    try:
        with tqdm(total=cases, disable=not progress, file=stdout or sys.stderr, unit="case") as bar:
            for start in range(0, cases, BATCH_SIZE):
                batch = [_unpack(packed) for packed in plan[start : start + BATCH_SIZE]]
                if writer is None:
                    _write_batch(factory, world, connection, keys_connection, batch)
                    written += len(batch)
                else:
                    with transaction.atomic():
                        references = _references(batch, world)
                    tables = writer.tables()
                    _build_batch(factory, world, tables, _Ids.reserve(connection), references, batch)
                    tables.cases_count = len(batch)
                    writer.submit(tables)
                bar.update(len(batch))
            if writer is not None:
                writer.finish()
    finally:
        if writer is not None:
            writer.close()  # if interrupted, the batches already handed over are still written
            written = writer.written
        if written or not cases:
            _record_run(world, written=written, requested=cases, seed=seed)
    return GenerateResult(
        cases=written, offices=tuple(ctx.office.code for ctx in world.offices), seed=seed, seconds=time.perf_counter() - started
    )
