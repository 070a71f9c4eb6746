"""What every area shares: the organisation, its offices and partners, who works where, and
the audit trail."""

import zoneinfo
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from pristan.core.fields import CodeListField
from pristan.core.sections import CaseSection, Section


class Organisation(models.Model):
    """The organisation running Pristan, or a partner it refers to (HTCDS `org_`)."""

    name = models.CharField(_("name"), max_length=200)
    org_type = models.CharField(_("type of organisation"), max_length=40, blank=True)  # HTCDS org_Type
    country = models.CharField(_("country"), max_length=2, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    is_operator = models.BooleanField(_("runs this Pristan"), default=False)
    services_offered = models.TextField(_("services offered"), blank=True)
    service_kinds = CodeListField(_("kinds of service offered"))  # assistance.ServiceKind codes, for the directory

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


def validate_time_zone(value: str) -> None:
    """A time zone of the IANA database as Python knows it (Europe/Sofia), or empty."""
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a time zone Pristan knows: give one such as Europe/Sofia."),
            params={"value": value},
            code="time_zone",
        )


class Office(models.Model):
    class Kind(models.TextChoices):
        COUNTRY = "country", _("Country office")
        FIELD = "field", _("Field office")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="offices")
    code = models.CharField(
        _("code"), max_length=8, unique=True, help_text=_("Three to eight capital letters, used in case references.")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COUNTRY)
    country = models.CharField(_("country"), max_length=2)
    city = models.CharField(_("city"), max_length=100, blank=True)
    retention_years = models.PositiveSmallIntegerField(
        _("retention period in years"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_(
            "When every case of a person has been closed for this many years, the person is erased. "
            "Leave empty to keep the records."
        ),
    )  # fmt: skip
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_time_zone],
        help_text=_("Where the office works, such as Europe/Sofia. Empty: the installation's time zone."),
    )  # fmt: skip

    class Meta:
        ordering = ["code"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    MOVEMENT_OFFICER = "movement_officer", _("Movement officer")
    FOCAL_POINT = "focal_point", _("Data-protection focal point")
    ANALYST = "analyst", _("Data analyst")
    AUDITOR = "auditor", _("Auditor")
    OFFICE_ADMIN = "office_admin", _("Office administrator")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


class Scope(models.TextChoices):
    ASSIGNED = "assigned", _("Own and assigned cases")
    OFFICE = "office", _("The whole office")
    REGION = "region", _("Several offices")
    GLOBAL = "global", _("All offices")


class Membership(models.Model):
    """A user's role in one office, and how far it reaches; what they may see follows from it.
    The rules that turn memberships into access live in pristan/core/access.py and policy.py."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.OFFICE)
    region_offices = models.ManyToManyField(
        Office, blank=True, related_name="+", verbose_name=_("other offices"),
        help_text=_("With the scope 'several offices': the offices besides this one."),
    )  # fmt: skip
    child_clearance = models.BooleanField(
        _("child-protection clearance"), default=False, help_text=_("Only cleared users may open or find the cases of children.")
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "office"], name="one_membership_per_office")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} · {self.office.code} · {self.get_role_display()}"


class PartnerMembership(models.Model):
    """A user of a partner organisation: sees only cases referred to it, while consent holds."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="partner_memberships")
    child_clearance = models.BooleanField(_("child-protection clearance"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="one_partner_membership")]
        verbose_name = _("partner membership")
        verbose_name_plural = _("partner memberships")

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation}"


# The detail of the audit entry each look-up of possible matches at registration leaves (duplicates).
MATCH_LOOKUP = "possible matches"


class AuditEntry(models.Model):
    """One thing someone did. Field names only, never the values of identifying fields.

    Entries form a hash chain (see `pristan.core.audit`): each carries a gapless `sequence`, the
    `hash` of the entry before it and its own `hash`, an HMAC keyed from SECRET_KEY over its
    content, so `pristan audit verify` finds any entry that was altered, removed or inserted.
    Reads and refusals are written unchained first (`sequence` NULL, their own HMAC in `hash`) and
    chained soon after, so that they never wait for the chain's head.
    The database refuses UPDATE and DELETE on this table (triggers installed by the migrations),
    except the one update that chains an unchained entry.
    On SQLite, a migration that alters this table rebuilds it and drops those triggers: end such a
    migration with `pristan.core.audit.install_append_only_guard`.
    """

    case_section: ClassVar[CaseSection] = CaseSection(Section.HISTORY)

    GENESIS_HASH = "0" * 64  # the `prev_hash` of the first entry

    class Action(models.TextChoices):
        # Standalone labels, each shown in its own column beside the object: never joined into a sentence.
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        TRANSITION = "transition", _("Stage changed")
        OVERRIDE = "override", _("Override recorded")
        GENERATE = "generate", _("Generated")
        VIEW = "view", _("Viewed")
        DENIED = "denied", _("Access refused")
        EXPORT = "export", _("Exported")
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        LOCKED_OUT = "locked_out", _("Locked out")
        SIGN_OUT = "sign_out", _("Signed out")
        MFA_ENROLLED = "mfa_enrolled", _("Two-step sign-in set up")
        CONFIGURE = "configure", _("Configuration changed")
        REFERRAL = "referral", _("Referral")
        TRANSFER = "transfer", _("Transfer")
        PRINT = "print", _("Printed")  # a case summary printed (a read: the sections printed are its fields)
        LISTED = "listed", _("Listed")  # a page of a list or search showed these cases (their ids are its fields)
        MERGE = "merge", _("Merged")  # two records of one person made one (duplicates/merge.py)
        UNMERGE = "unmerge", _("Unmerged")

    at = models.DateTimeField(_("when"), db_index=True)  # set by audit_record, before the hash is computed
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object"), max_length=50)
    object_id = models.CharField(max_length=50)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    fields = models.JSONField(_("fields"), default=list)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("from where"), null=True, blank=True)
    sequence = models.PositiveBigIntegerField(unique=True, null=True, editable=False)  # NULL: not chained yet
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["case", "-at"]),
            # The entries not yet chained, found by whoever chains them: a handful at any time.
            models.Index(fields=["id"], name="audit_unchained", condition=models.Q(sequence__isnull=True)),
            # Pages of the trail and of a case's history go by sequence, newest first, from a key:
            # each index leads straight to a page of one office, one actor, one case's changes.
            models.Index(fields=["office", "-sequence"], name="audit_office_sequence"),
            models.Index(fields=["actor", "-sequence"], name="audit_actor_sequence"),
            models.Index(
                fields=["case", "-sequence"], name="audit_case_changes", condition=~models.Q(action="view")
            ),  # a case's History: its changes, not the reads that outnumber them
            # A caseworker's look-ups of possible matches in the last minutes, counted against her limit.
            models.Index(fields=["actor", "at"], name="audit_match_lookups", condition=models.Q(detail=MATCH_LOOKUP)),
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type} {self.object_id}"


class AuditChainHead(models.Model):
    """The end of the audit chain: one row, locked by every append so that entries are numbered one
    at a time, and compared with the last entry so that entries removed from the end are noticed."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=AuditEntry.GENESIS_HASH)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_is_one_row")]

    def __str__(self) -> str:
        return f"{self.sequence} {self.hash}"
