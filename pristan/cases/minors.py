"""Who is a child: from the date of birth, at registration and when the exploitation began.
The flags are stored on the case so that access checks and filters need no date arithmetic."""

from datetime import date

from pristan.cases.models import Case
from pristan.people.models import Person

ADULT_AGE = 18


def minor_on(person: Person, day: date) -> bool:
    age = person.age_on(day)
    return age is not None and age < ADULT_AGE


def minor_at_exploitation(case: Case) -> bool:
    experience = getattr(case, "experience", None)
    if experience is None:
        return False
    if experience.age_when_trafficked is not None:
        return bool(experience.age_when_trafficked < ADULT_AGE)
    if experience.exploitation_began_on is not None:
        return minor_on(case.person, experience.exploitation_began_on)
    return False


def refresh_minor_flags(case: Case) -> list[str]:
    """Recompute both flags; returns the names of those that changed (the caller saves and audits)."""
    flags = {"minor_at_registration": minor_on(case.person, case.opened_on), "minor_at_exploitation": minor_at_exploitation(case)}
    changed = [name for name, value in flags.items() if getattr(case, name) != value]
    for name in changed:
        setattr(case, name, flags[name])
    return changed
