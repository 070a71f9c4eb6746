"""The people in the records: names exactly as written, in their own script."""

from datetime import date
from uuid import UUID

from django.conf import settings
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext_lazy as _

from pristan.core.fields import CodeListField
from pristan.core.models import Office
from pristan.core.sealed import SealedDateField, SealedTextField
from pristan.keystore.owners import SealedUnderOwnKey


class Person(SealedUnderOwnKey, models.Model):
    """Identifying values are sealed under the person's own data key (see core/sealed.py); the
    key's id is all the case database knows of it. Names are found through NameToken."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="persons", verbose_name=_("registering office"))
    key_id = models.UUIDField(null=True, editable=False)  # the data key in the key store; None only before the first save
    erased_at = models.DateTimeField(_("erased on"), null=True, blank=True, editable=False)
    # Set when this record was merged into another (duplicates/merge.py): kept, never deleted, so
    # that unmerge restores both; every list of persons leaves merged records out.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
        editable=False,
        verbose_name=_("merged into"),
    )
    merged_at = models.DateTimeField(_("merged on"), null=True, blank=True, editable=False)
    given_name = SealedTextField(_("given name"), max_length=150)  # HTCDS prs_FirstName
    family_name = SealedTextField(_("family name"), max_length=150, blank=True)  # prs_SecondName
    other_names = SealedTextField(_("other names"), max_length=300, blank=True)  # prs_MiddleName and the like
    aliases = SealedTextField(_("aliases"), max_length=300, blank=True)
    # Derived from the names on every save by the people services; never typed.
    name_latin = SealedTextField(_("name in Latin script"), blank=True, editable=False)

    gender = models.CharField(_("gender"), max_length=30, blank=True)  # prs_Gender
    date_of_birth = SealedDateField(_("date of birth"), blank=True)  # prs_Birthdate
    date_of_birth_estimated = models.BooleanField(_("date of birth is estimated"), default=False)
    citizenships = CodeListField(_("citizenships"))  # prs_Citizenship, ISO 3166-1 alpha-2
    languages = CodeListField(_("languages"))  # prs_PrimaryLanguage first, ISO 639-1
    phone = SealedTextField(_("phone"), max_length=50, blank=True)  # prs_MobilePhone
    email = SealedTextField(_("email"), max_length=254, blank=True, validators=[validate_email])
    city = SealedTextField(_("city"), max_length=100, blank=True)  # prs_MailingCity
    country = models.CharField(_("country of residence"), max_length=2, blank=True)  # prs_MailingCountry

    guardian_name = SealedTextField(_("guardian"), max_length=300, blank=True)
    guardian_relationship = models.CharField(_("guardian's relationship"), max_length=100, blank=True)
    guardian_contact = SealedTextField(_("guardian's contact"), max_length=200, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class IdentityDocument(models.Model):
    class Kind(models.TextChoices):
        PASSPORT = "passport", _("Passport")
        NATIONAL_ID = "national_id", _("National identity card")
        RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
        TRAVEL_DOCUMENT = "travel_document", _("Travel document")
        BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
        OTHER = "other", _("Other document")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind of document"), max_length=30, choices=Kind.choices)
    number = SealedTextField(_("number"), max_length=100)  # prs_IdentityNumber
    issuing_country = models.CharField(_("issuing country"), max_length=2, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}"

    def sealing_key_id(self) -> UUID:
        return self.person.sealing_key_id()


class NameToken(models.Model):
    """One keyed blind-index entry of a person's names (HMAC of a folded token, a prefix of one,
    or a one-letter deletion of one, see core/blind_index.py): how names are found without being
    readable in the database."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_tokens", db_index=False)
    token = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["token", "person"], name="people_nametoken_token"),
            # Instead of the foreign key's own index: whether one person has one of a word's tokens
            # is read from the index alone, as a search walking the case list in its order asks it
            # for each case (a person has some 27 tokens, which the heap would otherwise be read for).
            models.Index(fields=["person", "token"], name="people_nametoken_person"),
        ]

    def __str__(self) -> str:
        return str(self.token)
