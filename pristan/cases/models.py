"""A case: one person's journey through assistance, owned by an office and a caseworker."""

from datetime import date
from typing import ClassVar
from uuid import UUID

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from pristan.core.models import Office, Organisation
from pristan.core.sealed import SealedTextField
from pristan.core.sections import CaseSection, Section
from pristan.people.models import Person


class SealedUnderCase:
    """For records of a case: their sealed values use the data key of the case's person."""

    case: "Case"

    def sealing_key_id(self) -> UUID:
        return self.case.person.sealing_key_id()


class Stage(models.TextChoices):
    SCREENING = "screening", _("Screening")
    ASSISTANCE = "assistance", _("Assistance")
    MOVEMENT = "movement", _("Movement")
    REINTEGRATION = "reintegration", _("Reintegration")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")


class ClosureReason(models.TextChoices):
    ASSISTANCE_COMPLETED = "assistance_completed", _("Assistance completed")
    REINTEGRATED = "reintegrated", _("Reintegrated")
    REFERRED = "referred", _("Referred to another organisation")
    NOT_ELIGIBLE = "not_eligible", _("Not a victim of trafficking")
    DECLINED = "declined", _("Person declined assistance")
    LOST_CONTACT = "lost_contact", _("Contact lost")
    DECEASED = "deceased", _("Deceased")
    OTHER = "other", _("Other reason")


LIST_COLUMNS = ["person", "owner", "minor_at_registration", "minor_at_exploitation"]


class Case(models.Model):
    case_section: ClassVar[CaseSection] = CaseSection(Section.SUMMARY)
    reference = models.CharField(_("reference"), max_length=30, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases", verbose_name=_("person"))
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="cases", verbose_name=_("office"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_cases", verbose_name=_("caseworker")
    )  # HTCDS cas_CaseOwner
    status = models.CharField(_("status"), max_length=20, default="Active")  # HTCDS cas_Status
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.SCREENING)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_reason = models.CharField(_("reason for closure"), max_length=30, choices=ClosureReason.choices, blank=True)
    closure_details = SealedTextField(_("details of closure"), blank=True)  # cas_ReasonForCaseClosure

    minor_at_registration = models.BooleanField(_("minor at registration"), default=False)
    minor_at_exploitation = models.BooleanField(_("minor when exploited"), default=False)

    # HTCDS referral details, incoming and outgoing.
    referring_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("referred by")
    )
    incoming_referral_date = models.DateField(_("date referred to us"), null=True, blank=True)
    incoming_referral_reason = models.CharField(_("reason for referral to us"), max_length=40, blank=True)
    incoming_referral_details = SealedTextField(_("details of referral to us"), blank=True)
    referred_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("referred to")
    )
    outgoing_referral_date = models.DateField(_("date we referred"), null=True, blank=True)
    outgoing_referral_reason = models.CharField(_("reason we referred"), max_length=40, blank=True)
    outgoing_referral_details = SealedTextField(_("details of our referral"), blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        indexes = [
            models.Index(fields=["office", "stage"]),
            models.Index(fields=["owner", "stage"]),
            # My cases: the open cases one owns, newest first, a page at a time straight from the index.
            models.Index(fields=["owner", "-opened_on", "-id"], condition=~models.Q(stage="closed"), name="case_owner_open"),
            # The case list's order (newest first), for one office and for all: a page is read
            # from the index as far as it needs, whatever page it is (cases.selectors.case_list_page).
            # With the person, the caseworker and the minor flags (PostgreSQL), a name search, an
            # assigned scope and a reader without child-protection clearance read the index alone.
            models.Index(fields=["office", "opened_on", "id"], include=LIST_COLUMNS, name="cases_case_office_opened"),
            models.Index(fields=["opened_on", "id"], include=LIST_COLUMNS, name="cases_case_opened"),
            # A reader of every office filtering by status: that status's page, and its capped
            # count, from the index rather than by scanning the cases.
            models.Index(fields=["status", "opened_on", "id"], name="cases_case_status_opened"),
            # One caseworker's cases, every stage, in the list's order: the caseworker filter of the
            # case list (and its pages) from the index, however many cases the offices hold.
            models.Index(fields=["owner", "opened_on", "id"], name="cases_case_owner_opened"),
            # The cases left unchanged longest (the list's "unchanged since", a supervisor's ageing
            # cases), for one office and for all.
            models.Index(fields=["office", "updated_at"], name="cases_case_office_changed"),
            models.Index(fields=["updated_at"], name="cases_case_changed"),
            # A search by reference ignores case (reference__iexact): on PostgreSQL UPPER(reference).
            models.Index(Upper("reference"), name="cases_case_reference_upper"),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.reference

    def sealing_key_id(self) -> UUID:
        return self.person.sealing_key_id()

    @property
    def is_minor(self) -> bool:
        return self.minor_at_registration or self.minor_at_exploitation


class ReferenceCounter(models.Model):
    """The last case number given out per office and year, for references like SOF-2026-00042."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "year"], name="one_counter_per_office_year")]

    def __str__(self) -> str:
        return f"{self.office_id}/{self.year}: {self.last}"


class ConsentPurpose(models.TextChoices):
    CASE_MANAGEMENT = "case_management", _("Case management")
    REFERRAL = "referral", _("Referral to third parties")
    RESEARCH = "research", _("Anonymised research use")
    EXPORT = "export", _("Export of identifiable data")
    TRANSFER = "transfer", _("Transfer to another office")


class ConsentEvent(SealedUnderCase, models.Model):
    """Consent given or withdrawn for one purpose; the latest event per purpose is in force."""

    case_section: ClassVar[CaseSection] = CaseSection(Section.CONSENT)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consent_events")
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    given = models.BooleanField(_("consent given"))
    on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    note = SealedTextField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.purpose}={self.given}"


class ConsentOverride(SealedUnderCase, models.Model):
    """A supervisor's recorded decision to proceed without the person's consent for one purpose
    (for example a child in danger who cannot consent). It never counts as consent itself."""

    case_section: ClassVar[CaseSection] = CaseSection(Section.CONSENT)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consent_overrides")
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    reason = SealedTextField(_("reason for proceeding without consent"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("supervisor"))
    at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("consent override")
        verbose_name_plural = _("consent overrides")

    def __str__(self) -> str:
        return f"{self.case} {self.purpose} override"


class CaseNote(SealedUnderCase, models.Model):
    case_section: ClassVar[CaseSection] = CaseSection(Section.NOTES)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    text = SealedTextField(_("note"))  # HTCDS cco_CaseComment
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")

    def __str__(self) -> str:
        return f"{self.case} note {self.pk}"


class Task(SealedUnderCase, models.Model):
    case_section: ClassVar[CaseSection] = CaseSection(Section.NOTES)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = SealedTextField(_("task"), max_length=200)
    due_on = models.DateField(_("due on"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("assigned to")
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["assignee", "done_at", "due_on"]),
            # My cases: one's open tasks in the order shown, a page at a time straight from the index.
            models.Index(
                fields=["assignee", "due_on", "id"], condition=models.Q(done_at__isnull=True), name="task_assignee_open"
            ),
        ]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return self.title


class FlagKind(models.TextChoices):
    """What a flag warns of: the alerts a counter-trafficking case manager expects to see first."""

    SECURITY_RISK = "security_risk", _("Security risk")
    TRAFFICKER_IN_CONTACT = "trafficker_in_contact", _("Trafficker in contact")
    FAMILY_NOT_SAFE = "family_not_safe", _("Family not safe to contact")
    MEDICAL_URGENCY = "medical_urgency", _("Medical urgency")
    SELF_HARM_RISK = "self_harm_risk", _("Risk of self-harm")
    CHILD_WITHOUT_GUARDIAN = "child_without_guardian", _("Child without a guardian")
    WHEREABOUTS_UNKNOWN = "whereabouts_unknown", _("Whereabouts unknown")
    LEGAL_DEADLINE = "legal_deadline", _("Court date or legal deadline")
    INTERPRETER_NEEDED = "interpreter_needed", _("Interpreter needed")


# A flag of these kinds says as much as the section it belongs to: only readers granted it see the flag.
FLAG_SECTIONS: dict[str, Section] = {
    FlagKind.SECURITY_RISK: Section.SECURITY_RISK,
    FlagKind.TRAFFICKER_IN_CONTACT: Section.SECURITY_RISK,
    FlagKind.FAMILY_NOT_SAFE: Section.SECURITY_RISK,
    FlagKind.MEDICAL_URGENCY: Section.HEALTH,
    FlagKind.SELF_HARM_RISK: Section.PSYCHOSOCIAL,
    FlagKind.LEGAL_DEADLINE: Section.LEGAL,
}


class CaseFlag(SealedUnderCase, models.Model):
    """A warning on a case that whoever opens it must see first, with who raised it, when and why.
    Never deleted: it expires (`expires_on`) or is removed with a reason, and stays on record.
    Kept general (a kind, a reason, a span of time) so that a risk assessment can raise and read them."""

    case_section: ClassVar[CaseSection] = CaseSection(Section.SUMMARY, codes={"kind": FLAG_SECTIONS})

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(_("flag"), max_length=30, choices=FlagKind.choices)
    reason = SealedTextField(_("why"), max_length=1000)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("set by"))
    set_at = models.DateTimeField(_("set on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("removed by")
    )
    removed_at = models.DateTimeField(_("removed on"), null=True, blank=True)
    removal_reason = SealedTextField(_("reason for removal"), max_length=1000, blank=True)

    class Meta:
        ordering = ["-set_at", "-id"]
        indexes = [
            # The flags in force of a page of cases, and the cases with a flag of one kind (the list's filter).
            models.Index(fields=["case", "kind", "expires_on"], condition=Q(removed_at__isnull=True), name="case_flag_in_force"),
        ]
        verbose_name = _("case flag")
        verbose_name_plural = _("case flags")

    def __str__(self) -> str:
        return f"{self.case} {self.kind}"

    @staticmethod
    def in_force_q(today: date) -> Q:
        """The flags in force on `today`: not removed, not expired."""
        return Q(removed_at__isnull=True) & (Q(expires_on__isnull=True) | Q(expires_on__gte=today))

    def in_force(self, today: date) -> bool:
        return self.removed_at is None and (self.expires_on is None or self.expires_on >= today)
