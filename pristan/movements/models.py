"""Movements: assisted voluntary return, resettlement, relocation and onward movement of one or
more persons, from request to arrival.

A movement carries the cases of its travellers (a household or family travels as one movement).
What concerns one traveller — counselling, travel documents, the fit-to-travel clearance,
allowances paid — belongs to that traveller's case and is sealed under their person's data key, so
erasing one traveller erases what was written about them and leaves the others' records whole.
The few free-text notes of the movement itself (transit assistance, why it was cancelled) are
sealed under a data key of the movement's own.
"""

from typing import ClassVar
from uuid import UUID

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case, SealedUnderCase
from pristan.core.models import Office, Organisation
from pristan.core.sealed import SealedTextField
from pristan.core.sections import CaseSection, Section
from pristan.keystore.owners import SealedUnderOwnKey


class MovementKind(models.TextChoices):
    RETURN = "voluntary_return", _("Assisted voluntary return")
    RESETTLEMENT = "resettlement", _("Resettlement to a third country")
    RELOCATION = "relocation", _("Relocation")
    ONWARD = "onward", _("Internal or onward movement")


class MovementStage(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    TRAVEL_DOCUMENTS = "travel_documents", _("Travel documents")
    FIT_TO_TRAVEL = "fit_to_travel", _("Fit to travel")
    BOOKED = "booked", _("Booked")
    TRAVEL_READY = "travel_ready", _("Travel-ready")
    DEPARTED = "departed", _("Departed")
    ARRIVED = "arrived", _("Arrived")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


class StopReason(models.TextChoices):
    """Why a movement was cancelled or the travellers did not show up."""

    PERSON_WITHDREW = "person_withdrew", _("The person changed their mind")
    DOCUMENTS_REFUSED = "documents_refused", _("Travel documents refused")
    NOT_FIT = "not_fit", _("Not fit to travel")
    SECURITY = "security", _("Security risk at destination")
    NO_RECEPTION = "no_reception", _("No reception possible at destination")
    LEGAL = "legal", _("Legal proceedings require the person to stay")
    UNREACHABLE = "unreachable", _("The person could not be reached")
    OTHER = "other", _("Another reason")


class Movement(SealedUnderOwnKey, models.Model):
    case_section: ClassVar[CaseSection] = CaseSection(Section.MOVEMENT)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="movements", verbose_name=_("organising office"))
    kind = models.CharField(_("kind of movement"), max_length=20, choices=MovementKind.choices)
    stage = models.CharField(_("stage"), max_length=20, choices=MovementStage.choices, default=MovementStage.REQUESTED)
    destination_country = models.CharField(_("country of destination"), max_length=2)  # ISO 3166-1 alpha-2
    # The day of departure: the planned day at first, then the day the first leg leaves.
    departs_on = models.DateField(_("departure"), null=True, blank=True, db_index=True)
    receiving_office = models.ForeignKey(
        Office, on_delete=models.PROTECT, null=True, blank=True, related_name="movements_received",
        verbose_name=_("receiving office"),
    )  # fmt: skip
    receiving_partner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="movements_received",
        verbose_name=_("receiving partner organisation"),
    )  # fmt: skip

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("approved by")
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    departure_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("departure confirmed by"),
    )  # fmt: skip
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    arrival_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("arrival confirmed by"),
    )  # fmt: skip
    stop_reason = models.CharField(_("reason"), max_length=20, choices=StopReason.choices, blank=True)
    stop_details = SealedTextField(_("details of the reason"), blank=True)

    key_id = models.UUIDField(null=True, editable=False)  # the movement's own data key, for its notes
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["departs_on", "id"]
        indexes = [models.Index(fields=["office", "stage", "departs_on"])]
        verbose_name = _("movement")
        verbose_name_plural = _("movements")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"M-{self.pk:05d}" if self.pk else "M-new"


class MovementTraveller(SealedUnderCase, models.Model):
    case_section: ClassVar[CaseSection] = CaseSection(Section.MOVEMENT)
    movement = models.ForeignKey(Movement, on_delete=models.CASCADE, related_name="travellers")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="movement_travels", verbose_name=_("case"))
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["movement", "case"], name="one_traveller_per_case_and_movement")]
        verbose_name = _("traveller")
        verbose_name_plural = _("travellers")

    def __str__(self) -> str:
        return f"{self.movement} {self.case}"


class Counselling(SealedUnderCase, models.Model):
    """Pre-departure counselling of one traveller (a household counselled together gets one each)."""

    case_section: ClassVar[CaseSection] = CaseSection(Section.MOVEMENT)

    traveller = models.ForeignKey(MovementTraveller, on_delete=models.CASCADE, related_name="counselling")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    on = models.DateField(_("date of counselling"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("counsellor"))
    note = SealedTextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("pre-departure counselling")
        verbose_name_plural = _("pre-departure counselling")

    def __str__(self) -> str:
        return f"{self.traveller} counselling {self.on}"


class DocumentKind(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    EMERGENCY = "emergency_travel_document", _("Emergency travel document")
    LAISSEZ_PASSER = "laissez_passer", _("Laissez-passer")
    VISA = "visa", _("Visa")
    EXIT_PERMIT = "exit_permit", _("Exit permit")
    NATIONAL_ID = "national_id", _("National identity card")
    OTHER = "other", _("Other document")


class DocumentStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ISSUED = "issued", _("Issued")
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")


class TravelDocument(SealedUnderCase, models.Model):
    case_section: ClassVar[CaseSection] = CaseSection(Section.MOVEMENT)
    traveller = models.ForeignKey(MovementTraveller, on_delete=models.CASCADE, related_name="documents")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind of document"), max_length=30, choices=DocumentKind.choices)
    number = SealedTextField(_("number"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.REQUESTED)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("travel document")
        verbose_name_plural = _("travel documents")

    def __str__(self) -> str:
        return f"{self.traveller} {self.kind}"


class Fitness(models.TextChoices):
    FIT = "fit", _("Fit to travel")
    FIT_WITH_ESCORT = "fit_with_escort", _("Fit to travel with an escort")
    NOT_FIT = "not_fit", _("Not fit to travel")


class Escort(models.TextChoices):
    NONE = "none", _("No escort")
    MEDICAL = "medical", _("Medical escort")
    OPERATIONAL = "operational", _("Operational escort")


class FitToTravel(SealedUnderCase, models.Model):
    """A medical clearance. Its outcome, date and note belong to the health section; those without it
    see only whether the traveller is cleared, and the escort the journey needs."""

    case_section: ClassVar[CaseSection] = CaseSection(Section.HEALTH)  # a clearance says something of the person's health

    traveller = models.ForeignKey(MovementTraveller, on_delete=models.CASCADE, related_name="clearances")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(_("fitness to travel"), max_length=20, choices=Fitness.choices)
    assessed_on = models.DateField(_("assessed on"))
    escort = models.CharField(_("escort needed"), max_length=20, choices=Escort.choices, default=Escort.NONE)
    medical_note = SealedTextField(_("medical note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("fit-to-travel clearance")
        verbose_name_plural = _("fit-to-travel clearances")

    def __str__(self) -> str:
        return f"{self.traveller} {self.outcome}"

    @property
    def cleared(self) -> bool:
        return self.outcome != Fitness.NOT_FIT


class Leg(models.Model):
    """One leg of the route. Times are those on the ticket: the local time at each end, as typed."""

    case_section: ClassVar[CaseSection] = CaseSection(Section.MOVEMENT)

    movement = models.ForeignKey(Movement, on_delete=models.CASCADE, related_name="legs")
    order = models.PositiveSmallIntegerField(_("order"))
    from_city = models.CharField(_("from (city)"), max_length=100)
    from_country = models.CharField(_("from (country)"), max_length=2)
    to_city = models.CharField(_("to (city)"), max_length=100)
    to_country = models.CharField(_("to (country)"), max_length=2)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    number = models.CharField(_("flight or bus number"), max_length=20, blank=True)
    departs_at = models.DateTimeField(_("departs at"))
    arrives_at = models.DateTimeField(_("arrives at"))
    transit_assistance = models.BooleanField(_("transit assistance"), default=False)
    transit_note = SealedTextField(_("note on transit assistance"), blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["movement", "order"], name="one_leg_per_place_in_route")]
        verbose_name = _("leg of the route")
        verbose_name_plural = _("legs of the route")

    def __str__(self) -> str:
        return f"{self.movement} {self.order}: {self.from_city} → {self.to_city}"

    def sealing_key_id(self) -> UUID:
        return self.movement.sealing_key_id()


class AllowanceKind(models.TextChoices):
    TRAVEL = "travel", _("Travel allowance")
    REINTEGRATION = "reintegration", _("Reintegration allowance")


class Allowance(SealedUnderCase, models.Model):
    case_section: ClassVar[CaseSection] = CaseSection(Section.MOVEMENT)
    traveller = models.ForeignKey(MovementTraveller, on_delete=models.CASCADE, related_name="allowances")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("allowance"), max_length=20, choices=AllowanceKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)  # ISO 4217
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "id"]
        verbose_name = _("allowance paid")
        verbose_name_plural = _("allowances paid")

    def __str__(self) -> str:
        return f"{self.traveller} {self.kind} {self.amount} {self.currency}"
