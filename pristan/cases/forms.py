from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case, ClosureReason, ConsentPurpose, FlagKind, Stage
from pristan.cases.rules import STAGE_FIELDS
from pristan.cases.selectors import SORT_CHOICES, UNASSIGNED, CaseFilters
from pristan.cases.services import BULK_EMPTY, BULK_LIMIT, BULK_TOO_MANY, OVERRIDABLE_PURPOSES, assignable_users
from pristan.core import access
from pristan.core.forms import DateInput, PersonChoiceField, choice_field, model_choice_field, person_label, picklist
from pristan.core.models import Office
from pristan.people.forms import PersonForm

CONSENT_DECISIONS = [("", _("Not asked now")), ("yes", _("Given")), ("no", _("Withdrawn or refused"))]


class RegisterForm(PersonForm):
    """Step one of registration: the person, and the office that opens their case."""

    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none(), empty_label=None)
    field_order = ["office"]

    def __init__(self, *args: Any, offices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "office").queryset = offices
        self.order_fields(["office", *[name for name in self.fields if name != "office"]])


class ConsentForm(forms.Form):
    """The person's decision on every purpose, on one form and in one submit. A purpose left at
    "Not asked now" keeps the consent it has; `decisions` holds the others."""

    on = forms.DateField(label=_("Date"), widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for purpose in ConsentPurpose:
            self.fields[purpose.value] = forms.ChoiceField(
                label=purpose.label, choices=CONSENT_DECISIONS, required=False, initial="", widget=forms.RadioSelect
            )
        self.order_fields([*ConsentPurpose.values, "on", "note"])

    def decisions(self) -> dict[str, bool]:
        """Purpose → consent given, for the purposes decided on this form."""
        return {purpose: self.cleaned_data[purpose] == "yes" for purpose in ConsentPurpose.values if self.cleaned_data[purpose]}


class OverrideForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=[(p.value, p.label) for p in OVERRIDABLE_PURPOSES])
    reason = forms.CharField(label=_("Why the case must proceed without consent"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # On the consent page beside the consent form, which has a "purpose" too: ids of its own.
        kwargs.setdefault("auto_id", "id_override_%s")
        super().__init__(*args, **kwargs)


class StageForm(forms.Form):
    """The move to another stage, with the fields the chosen stage asks for (rules.STAGE_FIELDS).
    Every field is on the page, marked with its stage (`data-stage`), so the form works without
    JavaScript; pristan.js shows only those of the chosen stage. Values given for another stage are
    dropped here, whatever they are: a field the person could not see must not refuse the move."""

    stage = forms.ChoiceField(
        label=_("Move to stage"), choices=Stage.choices, widget=forms.Select(attrs={"data-stage-choice": ""})
    )
    closure_reason = forms.ChoiceField(
        label=_("Reason for closure"), choices=[("", "—"), *ClosureReason.choices], required=False,
        help_text=_("Only when the case is closed."),
    )  # fmt: skip
    closure_details = forms.CharField(
        label=_("Details of closure"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
        help_text=_("Only when the case is closed."),
    )  # fmt: skip

    def __init__(self, *args: Any, allowed: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "stage").choices = [(value, label) for value, label in Stage.choices if value in allowed]
        for stage, names in STAGE_FIELDS.items():
            for name in names:
                self.fields[name].widget.attrs["data-stage"] = stage

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        wanted = STAGE_FIELDS.get(data.get("stage", ""), ())
        for name in {name for names in STAGE_FIELDS.values() for name in names} - set(wanted):
            self.errors.pop(name, None)  # a field of another stage: neither its value nor its error counts
            data[name] = ""
        return data


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}))


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())
    assignee = PersonChoiceField(label=_("Assigned to"), queryset=User.objects.none())

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "assignee").queryset = assignable_users(case).order_by("last_name", "first_name", "username")


class CaseIdsField(forms.Field):
    """Cases ticked on the case list, by id (never a name): at most BULK_LIMIT of them."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> tuple[int, ...]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        if len(values) > BULK_LIMIT:
            raise ValidationError(BULK_TOO_MANY % {"limit": BULK_LIMIT})
        try:
            return tuple(sorted({int(item) for item in values}))
        except (TypeError, ValueError):
            raise ValidationError(_("Select cases from the list.")) from None


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or reference"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("Any stage")), *Stage.choices])
    office = forms.ChoiceField(label=_("Office"), required=False)
    owner = forms.ChoiceField(label=_("Caseworker"), required=False)
    exploitation = forms.ChoiceField(label=_("Type of exploitation"), required=False)
    minors = forms.BooleanField(label=_("Children only"), required=False)
    flag = forms.ChoiceField(label=_("Flag"), required=False)
    opened_from = forms.DateField(label=_("Opened on or after"), required=False, widget=DateInput())
    opened_to = forms.DateField(label=_("Opened on or before"), required=False, widget=DateInput())
    unchanged_since = forms.DateField(label=_("Unchanged since"), required=False, widget=DateInput())
    # The list's order travels with the filters and the pager (the results carry it, see _results.html).
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in SORT_CHOICES], widget=forms.HiddenInput)
    selected = CaseIdsField(required=False, label=_("Selected cases"))  # a bulk export hands its selection over

    def __init__(self, *args: Any, user: User, offices: Any, flag_kinds: list[FlagKind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "flag").choices = [("", _("Any or none")), *[(kind.value, kind.label) for kind in flag_kinds]]
        choice_field(self, "status").choices = [("", _("Any status")), *picklist("cas_Status", blank=False)]
        choice_field(self, "office").choices = [("", _("All my offices")), *[(o.code, str(o)) for o in offices]]
        choice_field(self, "exploitation").choices = [("", _("Any type")), *picklist("vic_TypeOfExploitation", blank=False)]
        choice_field(self, "owner").choices = [
            ("", _("Anyone")), (UNASSIGNED, _("Nobody (the caseworker left or was deactivated)")),
            *[(str(person.pk), person_label(person)) for person in access.caseworkers_of(offices)],
        ]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("opened_from") and data.get("opened_to") and data["opened_from"] > data["opened_to"]:
            self.add_error("opened_to", _("This date is before the one it follows: swap them."))
        return data


def case_filters(data: dict[str, Any]) -> CaseFilters:
    """The search of a valid case-list form (its cleaned data), as the case list and exports apply it."""
    return CaseFilters(
        query=data.get("q", ""), status=data.get("status", ""), stage=data.get("stage", ""),
        office=data.get("office", ""), exploitation=data.get("exploitation", ""), minors=data.get("minors", False),
        flag=data.get("flag", ""), owner=data.get("owner", ""), opened_from=data.get("opened_from"),
        opened_to=data.get("opened_to"), unchanged_since=data.get("unchanged_since"), selected=data.get("selected") or (),
    )  # fmt: skip


class AssignForm(forms.Form):
    """The case's caseworker, chosen by name among those who may own it (access.assignable_people)."""

    owner = PersonChoiceField(label=_("Caseworker"), queryset=User.objects.none())

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "owner").queryset = people


class BulkAction(models.TextChoices):
    ASSIGN = "assign", _("Assign to a caseworker")
    TRANSFER = "transfer", _("Transfer to another office")
    EXPORT = "export", _("Export identifiable data")


class BulkForm(forms.Form):
    """A bulk action on the cases ticked on the list (or every case of the page shown)."""

    selected = CaseIdsField(required=False)
    all_on_page = forms.BooleanField(label=_("Select all cases on this page"), required=False)
    page_cases = CaseIdsField(required=False)  # the cases of the page shown, for "all on this page"
    action = forms.ChoiceField(label=_("Action"), choices=BulkAction.choices)
    assignee = PersonChoiceField(label=_("Caseworker to assign"), queryset=User.objects.none(), required=False)
    to_office = forms.ModelChoiceField(label=_("Office to transfer to"), queryset=Office.objects.none(), required=False)
    reason = forms.CharField(label=_("Why the cases move (for a transfer)"), max_length=1000, required=False)

    def __init__(self, *args: Any, people: Any, offices: Any, exports: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "assignee").queryset = people
        model_choice_field(self, "to_office").queryset = offices
        if not exports:
            choice_field(self, "action").choices = [(a.value, a.label) for a in BulkAction if a != BulkAction.EXPORT]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("all_on_page"):
            data["selected"] = data.get("page_cases") or ()
        if not data.get("selected") and "selected" not in self.errors:
            self.add_error(None, BULK_EMPTY)
        if data.get("action") == BulkAction.ASSIGN and not data.get("assignee"):
            self.add_error("assignee", _("Choose the caseworker to assign the cases to."))
        if data.get("action") == BulkAction.TRANSFER and not data.get("to_office"):
            self.add_error("to_office", _("Choose the office to transfer the cases to."))
        return data


class FlagForm(forms.Form):
    kind = forms.ChoiceField(label=_("Flag"))
    reason = forms.CharField(label=_("Why"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    expires_on = forms.DateField(label=_("Expires on (optional)"), required=False, widget=DateInput())

    def __init__(self, *args: Any, kinds: list[FlagKind], **kwargs: Any) -> None:
        # Shown above every case tab, beside the tab's own form: ids of its own, so that neither the
        # labels nor the error summary's links land on the other form's "reason" or "kind".
        kwargs.setdefault("auto_id", "id_flag_%s")
        super().__init__(*args, **kwargs)
        choice_field(self, "kind").choices = [(kind.value, kind.label) for kind in kinds]


class FlagRemoveForm(forms.Form):
    flag = forms.IntegerField(widget=forms.HiddenInput)
    removal_reason = forms.CharField(label=_("Why remove this flag"), max_length=1000)
