from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case, ClosureReason, ConsentPurpose, FlagKind, Stage
from pristan.cases.services import OVERRIDABLE_PURPOSES, assignable_users
from pristan.core.forms import DateInput, PersonChoiceField, choice_field, model_choice_field, picklist
from pristan.core.models import Office
from pristan.people.forms import PersonForm


class RegisterForm(PersonForm):
    """Step one of registration: the person, and the office that opens their case."""

    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.none(), empty_label=None)
    field_order = ["office"]

    def __init__(self, *args: Any, offices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "office").queryset = offices
        self.order_fields(["office", *[name for name in self.fields if name != "office"]])


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    given = forms.TypedChoiceField(
        label=_("Consent"),
        choices=[("yes", _("Given")), ("no", _("Withdrawn or refused"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    on = forms.DateField(label=_("Date"), widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class OverrideForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=[(p.value, p.label) for p in OVERRIDABLE_PURPOSES])
    reason = forms.CharField(label=_("Why the case must proceed without consent"), widget=forms.Textarea(attrs={"rows": 3}))


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Move to stage"), choices=Stage.choices)
    closure_reason = forms.ChoiceField(label=_("Reason for closure"), choices=[("", "—"), *ClosureReason.choices], required=False)
    closure_details = forms.CharField(label=_("Details of closure"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, allowed: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "stage").choices = [(value, label) for value, label in Stage.choices if value in allowed]


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}))


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())
    assignee = PersonChoiceField(label=_("Assigned to"), queryset=User.objects.none())

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "assignee").queryset = assignable_users(case).order_by("last_name", "first_name", "username")


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or reference"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("Any stage")), *Stage.choices])
    office = forms.ChoiceField(label=_("Office"), required=False)
    exploitation = forms.ChoiceField(label=_("Type of exploitation"), required=False)
    minors = forms.BooleanField(label=_("Children only"), required=False)
    flag = forms.ChoiceField(label=_("Flag"), required=False)

    def __init__(self, *args: Any, user: User, offices: Any, flag_kinds: list[FlagKind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "flag").choices = [("", _("Any or none")), *[(kind.value, kind.label) for kind in flag_kinds]]
        choice_field(self, "status").choices = [("", _("Any status")), *picklist("cas_Status", blank=False)]
        choice_field(self, "office").choices = [("", _("All my offices")), *[(o.code, str(o)) for o in offices]]
        choice_field(self, "exploitation").choices = [("", _("Any type")), *picklist("vic_TypeOfExploitation", blank=False)]


class FlagForm(forms.Form):
    kind = forms.ChoiceField(label=_("Flag"))
    reason = forms.CharField(label=_("Why"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    expires_on = forms.DateField(label=_("Expires on (optional)"), required=False, widget=DateInput())

    def __init__(self, *args: Any, kinds: list[FlagKind], **kwargs: Any) -> None:
        # Its own ids: the form sits on every case tab, beside that tab's forms, which have their
        # own "kind" and "reason" fields (attachments, screening); two id_kind break the labels.
        kwargs.setdefault("auto_id", "flag-%s")
        super().__init__(*args, **kwargs)
        choice_field(self, "kind").choices = [(kind.value, kind.label) for kind in kinds]


class FlagRemoveForm(forms.Form):
    flag = forms.IntegerField(widget=forms.HiddenInput)
    removal_reason = forms.CharField(label=_("Why remove this flag"), max_length=1000)
