"""What the API reads and writes. Output serializers read sealed values as attributes (never
through `.values()`); input serializers only check shapes: the rules are in the services."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from pristan.assistance.models import ServiceItem, ServiceKind, ServiceStatus
from pristan.cases.models import Case, ClosureReason, ConsentEvent, ConsentPurpose, Stage
from pristan.core import vocabularies
from pristan.exports.models import ExportRecord
from pristan.interchange.forms import SUFFIXES
from pristan.interchange.models import ImportJob
from pristan.interchange.uploads import MAX_UPLOAD_BYTES, TOO_LARGE, megabytes
from pristan.movements.models import Movement, MovementStage, StopReason
from pristan.people.models import Person
from pristan.referrals.models import Referral, ReferralStatus
from pristan.reintegration.models import Visit
from pristan.screening.indicators import IndicatorList
from pristan.screening.models import Screening

MAX_ANSWERS = 500  # far more items than any survey has
TOO_MANY_ANSWERS = _("Answer only the items of the survey.")
MAX_ID = 2**53 - 1  # what every JSON client can hold; larger ids do not exist
ORDERINGS = {
    "cases": ["opened_on", "-opened_on", "reference", "-reference", "updated_at", "-updated_at"],
    "persons": ["id", "-id", "created_at", "-created_at"],
}


def _id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _text(max_length: int | None = None, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, **kwargs)


def _codes() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=3), required=False, max_length=20)


# --- persons ----------------------------------------------------------------------------------


class PersonSummarySerializer(serializers.Serializer[Person]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="full_name", read_only=True)
    office = serializers.CharField(source="office.code", read_only=True)
    erased = serializers.SerializerMethodField()
    cases = serializers.SerializerMethodField()

    def get_erased(self, person: Person) -> bool:
        return person.erased_at is not None

    def get_cases(self, person: Person) -> list[str]:
        """The references of the person's cases that the reader may see (given in the context)."""
        visible: dict[int, list[str]] = self.context.get("cases_by_person", {})
        return visible.get(person.pk, [])


class PersonSerializer(PersonSummarySerializer):
    given_name = serializers.CharField(read_only=True)
    family_name = serializers.CharField(read_only=True)
    other_names = serializers.CharField(read_only=True)
    aliases = serializers.CharField(read_only=True)
    name_latin = serializers.CharField(read_only=True)
    gender = serializers.CharField(read_only=True)
    date_of_birth = serializers.DateField(read_only=True, allow_null=True)
    date_of_birth_estimated = serializers.BooleanField(read_only=True)
    citizenships = serializers.ListField(child=serializers.CharField(), read_only=True)
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    phone = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    city = serializers.CharField(read_only=True)
    country = serializers.CharField(read_only=True)
    guardian_name = serializers.CharField(read_only=True)
    guardian_relationship = serializers.CharField(read_only=True)
    guardian_contact = serializers.CharField(read_only=True)


class PersonInputSerializer(serializers.Serializer[dict[str, Any]]):
    given_name = serializers.CharField(max_length=150)
    family_name = _text(150)
    other_names = _text(300)
    aliases = _text(300)
    gender = _text(30, help_text="HTCDS prs_Gender value name")
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    date_of_birth_estimated = serializers.BooleanField(required=False)
    citizenships = _codes()
    languages = _codes()
    phone = _text(50)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    city = _text(100)
    country = _text(2)
    guardian_name = _text(300)
    guardian_relationship = _text(100)
    guardian_contact = _text(200)


class RegistrationSerializer(PersonInputSerializer):
    office = serializers.CharField(max_length=8, help_text="The code of the office that registers the person.")


# --- cases ------------------------------------------------------------------------------------


class CaseSerializer(serializers.Serializer[Case]):
    reference = serializers.CharField(read_only=True)
    office = serializers.CharField(source="office.code", read_only=True)
    person = serializers.IntegerField(source="person_id", read_only=True)
    name = serializers.CharField(source="person.full_name", read_only=True)
    status = serializers.CharField(read_only=True)
    stage = serializers.ChoiceField(choices=Stage.choices, read_only=True)
    opened_on = serializers.DateField(read_only=True)
    closed_on = serializers.DateField(read_only=True, allow_null=True)
    closure_reason = serializers.CharField(read_only=True)
    minor = serializers.BooleanField(source="is_minor", read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class CaseDetailSerializer(CaseSerializer):
    person_record = PersonSerializer(source="person", read_only=True)


class CaseCreateSerializer(serializers.Serializer[dict[str, Any]]):
    person = _id(help_text="A person whose case you can see.")
    office = serializers.CharField(max_length=8)


class CaseFilterSerializer(serializers.Serializer[dict[str, Any]]):
    """Filters on what identifies nobody: they may stand in a URL."""

    status = serializers.ChoiceField(choices=[], required=False)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    office = serializers.CharField(max_length=8, required=False)
    exploitation = serializers.ChoiceField(choices=[], required=False)
    minors = serializers.BooleanField(required=False, default=False)
    ordering = serializers.ChoiceField(choices=ORDERINGS["cases"], required=False, default="-opened_on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = vocabularies.codes("cas_Status")  # type: ignore[attr-defined]
        self.fields["exploitation"].choices = vocabularies.codes("vic_TypeOfExploitation")  # type: ignore[attr-defined]


class CaseSearchSerializer(CaseFilterSerializer):
    q = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="A name in either script, or a reference."
    )


class StageSerializer(serializers.Serializer[dict[str, Any]]):
    stage = serializers.ChoiceField(choices=Stage.choices)
    closure_reason = serializers.ChoiceField(choices=ClosureReason.choices, required=False, allow_blank=True)
    closure_details = _text(2000)


# --- screening, consent -----------------------------------------------------------------------


class ScreeningSerializer(serializers.ModelSerializer[Screening]):
    indicators = serializers.ListField(child=serializers.CharField())
    positive_dimensions = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField()
    screened_by = serializers.CharField(source="screened_by.username")

    class Meta:
        model = Screening
        fields = ["id", "indicator_list", "indicators", "positive_dimensions", "suggested_victim", "decision", "deciding_body",
                  "reason", "screened_on", "screened_by"]  # fmt: skip
        read_only_fields = fields


class ScreeningInputSerializer(serializers.Serializer[dict[str, Any]]):
    indicator_list = serializers.ChoiceField(choices=IndicatorList.choices)
    indicators = serializers.ListField(child=serializers.CharField(max_length=40), max_length=100)
    decision = serializers.CharField(max_length=40, help_text="HTCDS vic_TraffickingStatus value name")
    deciding_body = _text(40)
    reason = serializers.CharField(max_length=5000)
    screened_on = serializers.DateField(required=False)


class ConsentSerializer(serializers.ModelSerializer[ConsentEvent]):
    note = serializers.CharField()
    recorded_by = serializers.CharField(source="recorded_by.username")

    class Meta:
        model = ConsentEvent
        fields = ["id", "purpose", "given", "on", "note", "recorded_by", "recorded_at"]
        read_only_fields = fields


class ConsentInputSerializer(serializers.Serializer[dict[str, Any]]):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    given = serializers.BooleanField()
    on = serializers.DateField(required=False)
    note = _text(500)


# --- services, referrals ----------------------------------------------------------------------


class ServiceSerializer(serializers.ModelSerializer[ServiceItem]):
    description = serializers.CharField()

    class Meta:
        model = ServiceItem
        fields = ["id", "kind", "objective", "description", "provider", "status", "starts_on", "ends_on", "cost", "currency",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


class ServiceInputSerializer(serializers.Serializer[dict[str, Any]]):
    kind = serializers.ChoiceField(choices=ServiceKind.choices)
    objective = _id(required=False, allow_null=True)
    description = _text(5000)
    provider = _id(required=False, allow_null=True, help_text="A partner organisation; empty when the office provides it.")
    status = serializers.ChoiceField(choices=ServiceStatus.choices, required=False, default=ServiceStatus.PLANNED)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    cost = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True, min_value=0)
    currency = _text(3)


class ServiceStatusSerializer(serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(choices=ServiceStatus.choices)


class ReferralSerializer(serializers.ModelSerializer[Referral]):
    details = serializers.CharField()
    decision_note = serializers.CharField()
    office = serializers.CharField(source="office.code", allow_null=True, default=None)

    class Meta:
        model = Referral
        fields = ["id", "direction", "organisation", "office", "service", "reason", "details", "referred_on", "status",
                  "decided_at", "decision_note"]  # fmt: skip
        read_only_fields = fields


class ReferralInputSerializer(serializers.Serializer[dict[str, Any]]):
    organisation = _id(required=False, allow_null=True, help_text="A partner organisation, or else…")
    office = serializers.CharField(max_length=8, required=False, allow_blank=True, help_text="…another office's code.")
    service = _id(required=False, allow_null=True, help_text="Refer one service rather than the whole case.")
    reason = serializers.CharField(max_length=40, help_text="HTCDS cas_ReasonForOutgoingReferral value name")
    details = _text(5000)
    referred_on = serializers.DateField(required=False)


class ReferralStatusSerializer(serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    note = _text(2000)


# --- movements --------------------------------------------------------------------------------


class MovementStageField(serializers.ChoiceField):
    """A movement's stage: its own component in the document ("stage" is also a case's, with other values)."""

    enum_component = "MovementStageEnum"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=MovementStage.choices, **kwargs)


class MovementSerializer(serializers.Serializer[Movement]):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="label", read_only=True)
    office = serializers.CharField(source="office.code", read_only=True)
    kind = serializers.CharField(read_only=True)
    stage = MovementStageField(read_only=True)
    destination_country = serializers.CharField(read_only=True)
    departs_on = serializers.DateField(read_only=True, allow_null=True)
    departed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    arrived_at = serializers.DateTimeField(read_only=True, allow_null=True)
    stop_reason = serializers.CharField(read_only=True)
    travellers = serializers.SerializerMethodField()

    def get_travellers(self, movement: Movement) -> list[str]:
        """The references of the travellers' cases (every one of them is visible to the reader)."""
        return [traveller.case.reference for traveller in movement.travellers.all()]


class MovementFilterSerializer(serializers.Serializer[dict[str, Any]]):
    stage = MovementStageField(required=False)


class TravelDocumentSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    status = serializers.CharField()
    expires_on = serializers.DateField(allow_null=True)
    number = serializers.CharField(allow_null=True, help_text="Only for readers granted the case's summary.")


class ClearanceSerializer(serializers.Serializer[Any]):
    """Whether the traveller is cleared and the escort the journey needs; the outcome, date and
    note of the assessment are medical, for readers granted the health section only."""

    cleared = serializers.BooleanField()
    escort = serializers.CharField()
    outcome = serializers.CharField(required=False)
    assessed_on = serializers.DateField(required=False)
    medical_note = serializers.CharField(required=False)


class TravellerSerializer(serializers.Serializer[Any]):
    case = serializers.CharField()
    documents = TravelDocumentSerializer(many=True)
    clearance = ClearanceSerializer(allow_null=True)
    counselled = serializers.BooleanField()


class LegSerializer(serializers.Serializer[Any]):
    from_city = serializers.CharField()
    from_country = serializers.CharField()
    to_city = serializers.CharField()
    to_country = serializers.CharField()
    carrier = serializers.CharField()
    number = serializers.CharField()
    departs_at = serializers.DateTimeField(allow_null=True)
    arrives_at = serializers.DateTimeField(allow_null=True)


class MissingSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    reference = serializers.CharField()
    message = serializers.CharField()


class MovementDetailSerializer(MovementSerializer):
    traveller_details = TravellerSerializer(many=True, read_only=True)
    legs = LegSerializer(many=True, read_only=True)
    missing = MissingSerializer(many=True, read_only=True)
    route = serializers.CharField(read_only=True)


class MovementStageSerializer(serializers.Serializer[dict[str, Any]]):
    stage = MovementStageField()
    reason = serializers.ChoiceField(choices=StopReason.choices, required=False, allow_blank=True, default="")
    details = _text(2000, default="")
    at = serializers.DateTimeField(required=False, allow_null=True, default=None)


# --- reintegration visits ---------------------------------------------------------------------


class VisitSerializer(serializers.ModelSerializer[Visit]):
    note = serializers.CharField()
    not_possible_reason = serializers.CharField()
    survey = serializers.IntegerField(source="survey.version", allow_null=True, default=None)

    class Meta:
        model = Visit
        fields = ["id", "months_after", "due_on", "status", "done_on", "survey", "answers", "economic", "social",
                  "psychosocial", "composite", "unanswered", "note", "not_possible_reason", "recorded_at"]  # fmt: skip
        read_only_fields = fields


class VisitInputSerializer(serializers.Serializer[dict[str, Any]]):
    visit = _id(help_text="A planned visit of the case.")
    done_on = serializers.DateField()
    answers = serializers.DictField(
        child=serializers.CharField(max_length=60, allow_null=True),
        help_text="The survey's item keys, each with the key of the answer chosen; scores are computed by Pristan.",
    )  # fmt: skip
    note = _text(5000, default="")

    def validate_answers(self, answers: dict[str, str | None]) -> dict[str, str | None]:
        if len(answers) > MAX_ANSWERS:
            raise serializers.ValidationError(TOO_MANY_ANSWERS)
        return answers


# --- imports, exports -------------------------------------------------------------------------


class ImportSerializer(serializers.ModelSerializer[ImportJob]):
    office = serializers.CharField(source="office.code")

    class Meta:
        model = ImportJob
        fields = ["id", "office", "filename", "source", "status", "rows", "to_create", "to_update", "to_skip", "invalid",
                  "problems", "problem_count", "ignored_columns", "skip_invalid", "created", "updated", "cases", "error",
                  "created_at", "finished_at"]  # fmt: skip
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer[dict[str, Any]]):
    office = serializers.CharField(max_length=8, help_text="The code of an office where you may register persons.")
    file = serializers.FileField(
        max_length=200, help_text="An HTCDS 2.0 spreadsheet, HTCDS CSV or JSON, or an ODK/Kobo export (XLSX or CSV)."
    )
    source = _text(100, help_text="The name of the source; the file's name if left empty.")  # type: ignore[assignment]

    def validate_file(self, upload: Any) -> Any:
        """The Import page's checks of the file (the same messages)."""
        if not str(upload.name).lower().endswith(SUFFIXES):
            raise serializers.ValidationError(_("Upload an .xlsx, .csv or .json file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(str(TOO_LARGE) % {"limit": megabytes(MAX_UPLOAD_BYTES)})
        return upload


class ImportConfirmSerializer(serializers.Serializer[dict[str, Any]]):
    action = serializers.ChoiceField(choices=["import", "discard"], default="import")
    skip_invalid = serializers.BooleanField(required=False, default=False)


class ExportSerializer(serializers.ModelSerializer[ExportRecord]):
    actor = serializers.CharField(source="actor.username")
    purpose = serializers.CharField(help_text="Why the export was made (ExportPurpose).")
    file_format = serializers.CharField()

    class Meta:
        model = ExportRecord
        fields = ["id", "actor", "created_at", "purpose", "file_format", "cases_included", "cases_excluded", "sha256"]
        read_only_fields = fields
