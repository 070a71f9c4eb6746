"""The guided registration: person, consents, screening, case, in this order, one page each.

The case is opened at the first step, with the person: what a caseworker has typed is sealed under
the person's own key and audited at once, never parked in a session while the interview goes on, and
every later step records something about that case (consents and screenings belong to a case).
A registration that stops half-way is therefore a case in the screening stage that still lacks its
consent or its screening: which step it has reached is read from the records themselves
(`registration_step`), so it cannot disagree with them, and every page of the case shows the steps,
to those who may write to it, until the case leaves the screening stage (step 4, the case, is where
it is moved on or closed). Cases that arrive otherwise (an import, the API) read the same way.
"""

from dataclasses import dataclass

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from pristan.cases.models import Case, Stage


class RegistrationStep(models.TextChoices):
    PERSON = "person", _("Person")
    CONSENT = "consent", _("Consent")
    SCREENING = "screening", _("Screening")
    CASE = "case", _("Case")


ORDER = list(RegistrationStep)
# The page of each step on a case (the person's step is done once the case exists: its page edits the person).
PAGES = {
    RegistrationStep.PERSON: "person_edit",
    RegistrationStep.CONSENT: "case_consent",
    RegistrationStep.SCREENING: "case_screening",
    RegistrationStep.CASE: "case_summary",
}
HINTS = {
    RegistrationStep.PERSON: _("Enter who the person is and the office that opens their case."),
    RegistrationStep.CONSENT: _("Record the person's decision on each purpose, in one go."),
    RegistrationStep.SCREENING: _("Record the screening interview and your decision."),
    RegistrationStep.CASE: _("Registration is complete. Move the case to assistance if the person is eligible, or close it."),
}


def registration_step(*, case: Case) -> RegistrationStep | None:
    """The step the case's registration has reached; None once the case has left the screening stage.
    Consent is done when any decision (or a supervisor's override) is recorded, screening when a
    screening is: a caseworker may record them in either order, the first one missing is current."""
    if case.stage != Stage.SCREENING:
        return None
    if not (case.consent_events.exists() or case.consent_overrides.exists()):
        return RegistrationStep.CONSENT
    if not case.screenings.exists():
        return RegistrationStep.SCREENING
    return RegistrationStep.CASE


def page_after_step(*, case: Case, before: RegistrationStep | None) -> str | None:
    """Where a successful submit in the middle of a registration leads: to the page of the step now
    current (after the screening, the case itself). None outside a registration: the page stays."""
    if before not in (RegistrationStep.CONSENT, RegistrationStep.SCREENING):
        return None
    now = registration_step(case=case)
    return None if now is None else reverse(PAGES[now], args=[case.reference])


@dataclass(frozen=True)
class StepView:
    number: int
    label: StrOrPromise
    url: str | None  # None: no page to go to (not yet, or not for this reader)
    done: bool
    current: bool


def steps(*, current: RegistrationStep, case: Case | None = None, can_write: bool = False) -> list[StepView]:
    """The steps as the indicator shows them: the earlier ones done, one current, and on a case a link
    to the page of each (editing the person only for those who may)."""
    position = ORDER.index(current)
    views = []
    for number, step in enumerate(ORDER, start=1):
        url = None
        if case is not None and (step != RegistrationStep.PERSON or can_write):
            url = reverse(PAGES[step], args=[case.reference])
        index = number - 1
        views.append(StepView(number=number, label=step.label, url=url, done=index < position, current=index == position))
    return views
