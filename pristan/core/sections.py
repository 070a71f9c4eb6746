"""The sections of a case, and how a record declares the ones it belongs to (`CaseSection`).

Kept apart from policy.py (what each role is granted) so that every model, core's own included,
can declare its section without importing the roles."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _


class Section(models.TextChoices):
    SUMMARY = "summary", _("Summary")
    CONSENT = "consent", _("Consent")
    SCREENING = "screening", _("Screening")
    EXPERIENCE = "experience", _("Trafficking experience")
    PERPETRATORS = "perpetrators", _("Perpetrators")
    ASSISTANCE = "assistance", _("Assistance")
    HEALTH = "health", _("Health")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial support")
    LEGAL = "legal", _("Legal matters")
    SECURITY_RISK = "security_risk", _("Security risk")
    NOTES = "notes", _("Notes and tasks")
    HISTORY = "history", _("History")
    MOVEMENT = "movement", _("Movement")
    REINTEGRATION = "reintegration", _("Reintegration")  # the plan, monitoring visits and scores, events after return


SENSITIVE = frozenset({Section.PERPETRATORS, Section.HEALTH, Section.PSYCHOSOCIAL, Section.LEGAL, Section.SECURITY_RISK})
ALL_SECTIONS = frozenset(Section)

# A service of these kinds belongs to a sensitive section, and only roles granted it see it.
SERVICE_SECTIONS = {
    "medical": Section.HEALTH,
    "psychosocial": Section.PSYCHOSOCIAL,
    "legal": Section.LEGAL,
    "risk_assessment": Section.SECURITY_RISK,
}


# Plan objectives of these HTCDS spl_Type values say as much as the sections they belong to: a
# rehabilitation objective names the kind of exploitation.
OBJECTIVE_SECTIONS = {
    "Health": Section.HEALTH,
    "Legal": Section.LEGAL,
    "LabourExploitationRehabilitation": Section.EXPERIENCE,
    "SexualExploitationRehabilitation": Section.EXPERIENCE,
}


@dataclass(frozen=True)
class CaseSection:
    """The sections of a case that a record belongs to, declared on its model as `case_section`:

    - always `section` (a note: notes; a service: assistance);
    - and the sections that the codes of some of its fields name (`codes`: field → code → section;
      a medical service is health too, a rehabilitation objective the trafficking experience too);
    - and, through a foreign key (`through`), the sections that the codes of the record it is about
      add (a referral of a medical service is health too; a payment for medical assistance, too).

    A reader sees a record only if granted every one of its sections. The access layer
    (`access.sections_of`, `access.visible_in_sections`, `access.case_object_for`) is the only
    place that applies this; a test walks every model linked to a case and fails on one that
    declares nothing."""

    section: Section
    codes: Mapping[str, Mapping[str, Section]] = field(default_factory=dict)
    through: str = ""

    def for_codes(self, **values: object) -> frozenset[Section]:
        """The sections of a record of this model whose fields hold these values (`through` aside)."""
        found = {self.section}
        for name, value in values.items():
            if isinstance(value, str) and (named := self.codes.get(name, {}).get(value)) is not None:
                found.add(named)
        return frozenset(found)
