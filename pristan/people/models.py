"""The people in the records: names exactly as written, in their own script."""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pristan.core.fields import CodeListField
from pristan.core.models import Office


class Person(models.Model):
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="persons", verbose_name=_("registering office"))
    given_name = models.CharField(_("given name"), max_length=150)  # HTCDS prs_FirstName
    family_name = models.CharField(_("family name"), max_length=150, blank=True)  # prs_SecondName
    other_names = models.CharField(_("other names"), max_length=300, blank=True)  # prs_MiddleName and the like
    aliases = models.CharField(_("aliases"), max_length=300, blank=True)
    # Derived from the names on every save by the people services; never typed.
    name_latin = models.TextField(_("name in Latin script"), editable=False)
    search_key = models.TextField(editable=False)

    gender = models.CharField(_("gender"), max_length=30, blank=True)  # prs_Gender
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)  # prs_Birthdate
    date_of_birth_estimated = models.BooleanField(_("date of birth is estimated"), default=False)
    citizenships = CodeListField(_("citizenships"))  # prs_Citizenship, ISO 3166-1 alpha-2
    languages = CodeListField(_("languages"))  # prs_PrimaryLanguage first, ISO 639-1
    phone = models.CharField(_("phone"), max_length=50, blank=True)  # prs_MobilePhone
    email = models.EmailField(_("email"), blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)  # prs_MailingCity
    country = models.CharField(_("country of residence"), max_length=2, blank=True)  # prs_MailingCountry

    guardian_name = models.CharField(_("guardian"), max_length=300, blank=True)
    guardian_relationship = models.CharField(_("guardian's relationship"), max_length=100, blank=True)
    guardian_contact = models.CharField(_("guardian's contact"), max_length=200, blank=True)

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
    number = models.CharField(_("number"), max_length=100)  # prs_IdentityNumber
    issuing_country = models.CharField(_("issuing country"), max_length=2, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}"
