"""Movement pages: the Movement tab of a case (every movement the case travels in, whole), the
movement officer's board, and the departure manifest.

The tab's forms post to the case's own address and name their movement (or traveller, document,
leg) in the form; the form's choices are only what the user may see of that case's movements.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pristan.cases.models import Case
from pristan.cases.pages import render_case
from pristan.core import access, trail
from pristan.core.forms import show_errors
from pristan.core.http import AuthenticatedRequest
from pristan.core.policy import Section
from pristan.movements import selectors, services
from pristan.movements.forms import (
    AllowanceForm,
    BoardFilterForm,
    CounsellingForm,
    DetailsForm,
    DocumentForm,
    DocumentUpdateForm,
    FitnessForm,
    LegForm,
    LegRemoveForm,
    ManifestForm,
    RequestForm,
    StageForm,
    TravellerForm,
)
from pristan.movements.manifest import render_manifest
from pristan.movements.models import FitToTravel, Movement, MovementStage

# The forms of each movement on the tab, by name; a form that failed is shown again in its place.
FORMS = ("details", "stage", "traveller", "leg", "counselling", "document", "fitness", "allowance")


@dataclass
class Block:
    view: selectors.MovementView
    forms: dict[str, forms.Form]
    open_form: str  # the form to show unfolded: the one with errors


def _movements(request: AuthenticatedRequest, case: Case) -> QuerySet[Movement]:
    return selectors.movements_of_case(user=request.user, case=case)


def _blank_forms(case: Case, movement: Movement, movements: QuerySet[Movement]) -> dict[str, forms.Form]:
    initial = {"movement": movement.pk}
    travellers = movement.travellers.select_related("case", "case__person")
    today = timezone.localdate()
    return {
        "details": DetailsForm(
            movements=movements, prefix=f"m{movement.pk}-details",
            initial={**initial, **{name: getattr(movement, name) for name in services.MOVEMENT_FIELDS}},
        ),
        "stage": StageForm(movements=movements, current=movement.stage, initial=initial, prefix=f"m{movement.pk}-stage"),
        "traveller": TravellerForm(movements=movements, initial=initial, prefix=f"m{movement.pk}-traveller"),
        "leg": LegForm(movements=movements, initial=initial, prefix=f"m{movement.pk}-leg"),
        "counselling": CounsellingForm(
            movements=movements, case=case, travellers=travellers, prefix=f"m{movement.pk}-counselling",
            initial={**initial, "travellers": list(travellers), "on": today},
        ),
        "document": DocumentForm(movements=movements, prefix=f"m{movement.pk}-document").limit_to(movement),
        "fitness": FitnessForm(
            movements=movements, initial={"assessed_on": today}, prefix=f"m{movement.pk}-fitness"
        ).limit_to(movement),
        "allowance": AllowanceForm(
            movements=movements, initial={"paid_on": today}, prefix=f"m{movement.pk}-allowance"
        ).limit_to(movement),
    }  # fmt: skip


def _page(
    request: AuthenticatedRequest, case: Case, *, request_form: RequestForm | None = None,
    failed: tuple[int, str, forms.Form] | None = None, status: int = 200,
) -> HttpResponse:  # fmt: skip
    movements = _movements(request, case)
    views = selectors.case_movements(user=request.user, case=case)
    blocks = []
    if failed and failed[0] not in {view.movement.pk for view in views}:
        messages.error(request, _("Choose the movement again: it is no longer one you may change from this case."))
    for view in views:
        movement_forms = _blank_forms(case, view.movement, movements)
        open_form = ""
        if failed and failed[0] == view.movement.pk:
            movement_forms[failed[1]], open_form = failed[2], failed[1]
        blocks.append(Block(view=view, forms=movement_forms, open_form=open_form))
        for traveller in view.travellers:  # the page shows the other travellers' cases too: a read of each
            if traveller.traveller.case_id != case.pk:
                trail.record_read(request, case=traveller.traveller.case, section="movement")
    context = {
        "blocks": blocks,
        "request_form": request_form or RequestForm(prefix="request"),
        "document_update_form": DocumentUpdateForm(movements=movements),
        "today": timezone.localdate(),
    }
    return render_case(request, case, "movements/case.html", "case_movement", context, status=status)


def _back(case: Case, movement: Movement) -> HttpResponse:
    return redirect(f"{reverse('case_movement', args=[case.reference])}#movement-{movement.pk}")


def case_movement(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    """The Movement tab; a POST requests a new movement for the case (and the household travelling with them)."""
    case = access.case_for(request.user, reference, section=Section.MOVEMENT, write=request.method == "POST")
    if request.method != "POST":
        return _page(request, case)
    form = RequestForm(request.POST, prefix="request")
    if form.is_valid():
        try:
            others = [_other_case(request, each) for each in form.cleaned_data["others"]]
            movement = services.movement_request(actor=request.user, case=case, data=form.cleaned_data, others=others)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Movement %(label)s requested.") % {"label": movement.label})
            return _back(case, movement)
    return _page(request, case, request_form=form, status=422)


def _other_case(request: AuthenticatedRequest, reference: str, field: str = "others") -> Case:
    """Another traveller's case, by reference: one the user may change in the movement section, or a
    field error that does not say whether the case exists."""
    try:
        return access.case_for(request.user, reference, section=Section.MOVEMENT, write=True)
    except (Http404, PermissionDenied):
        message = _("%(reference)s is not a case whose movement you may arrange.") % {"reference": reference}
        raise ValidationError({field: message}) from None


def _act(
    request: AuthenticatedRequest, reference: str, name: str, form_class: Any, action: Any, success: str,
    *, record: type[models.Model] | None = None, **form_kwargs: Any,
) -> HttpResponse:  # fmt: skip
    """The shape every form of the tab shares: check (the tab, and the sections of the kind of `record`
    the form writes, such as a clearance's health), validate, call one service, or show the errors
    beside the fields (422) in the movement's block."""
    case = access.case_for(request.user, reference, section=Section.MOVEMENT, write=True)
    if record is not None:
        access.require_write_record(request.user, record(case=case))
    movements = _movements(request, case)
    prefix = f"m{request.POST.get('movement_id', '')}-{name}"
    form = form_class(request.POST, movements=movements, prefix=prefix, **form_kwargs)
    movement: Movement | None = None
    if form.is_valid():
        movement = _movement_of(form.cleaned_data)
        try:
            action(case, movement, form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, success)
            return _back(case, movement)
    movement_id = movement.pk if movement else _posted_id(request)
    return _page(request, case, failed=(movement_id or 0, name, form), status=422)


def _movement_of(data: dict[str, Any]) -> Movement:
    if "movement" in data:
        return data["movement"]
    if "traveller" in data:
        return data["traveller"].movement
    if "document" in data:
        return data["document"].traveller.movement
    return data["leg"].movement


def _posted_id(request: AuthenticatedRequest) -> int | None:
    try:
        return int(request.POST.get("movement_id", ""))
    except ValueError:
        return None


@require_POST
def movement_details(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    def act(case: Case, movement: Movement, data: dict[str, Any]) -> None:
        services.movement_update(actor=request.user, movement=movement, data=data)

    return _act(request, reference, "details", DetailsForm, act, _("Movement saved."))


@require_POST
def movement_stage(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    def act(case: Case, movement: Movement, data: dict[str, Any]) -> None:
        services.movement_change_stage(
            actor=request.user, movement=movement, stage=data["stage"], reason=data["reason"], details=data["details"],
            at=data["at"],
        )  # fmt: skip

    return _act(request, reference, "stage", StageForm, act, _("Stage changed."))


@require_POST
def traveller_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    def act(case: Case, movement: Movement, data: dict[str, Any]) -> None:
        other = _other_case(request, data["reference"], field="reference")
        services.traveller_add(actor=request.user, movement=movement, case=other)

    return _act(request, reference, "traveller", TravellerForm, act, _("Traveller added."))


@require_POST
def leg_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    def act(case: Case, movement: Movement, data: dict[str, Any]) -> None:
        services.leg_add(actor=request.user, movement=movement, data=data)

    return _act(request, reference, "leg", LegForm, act, _("Leg added to the route."))


@require_POST
def leg_delete(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.MOVEMENT, write=True)
    form = LegRemoveForm(request.POST, movements=_movements(request, case))
    if not form.is_valid():
        messages.error(request, _("That leg is no longer part of a route you may change."))
        return redirect("case_movement", reference=case.reference)
    leg = form.cleaned_data["leg"]
    try:
        services.leg_remove(actor=request.user, leg=leg)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Leg removed from the route."))
    return _back(case, leg.movement)


@require_POST
def counselling_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.MOVEMENT, write=True)
    travellers = selectors.travellers_of(_movements(request, case))

    def act(case: Case, movement: Movement, data: dict[str, Any]) -> None:
        services.counselling_record(
            actor=request.user, movement=movement, travellers=list(data["travellers"]), on=data["on"], by=data["by"],
            note=data["note"],
        )  # fmt: skip

    return _act(request, reference, "counselling", CounsellingForm, act, _("Counselling recorded."), case=case,
                travellers=travellers)  # fmt: skip


@require_POST
def document_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    def act(case: Case, movement: Movement, data: dict[str, Any]) -> None:
        services.document_add(actor=request.user, movement=movement, traveller=data["traveller"], data=data)

    return _act(request, reference, "document", DocumentForm, act, _("Travel document added."))


@require_POST
def document_status(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    case = access.case_for(request.user, reference, section=Section.MOVEMENT, write=True)
    form = DocumentUpdateForm(request.POST, movements=_movements(request, case))
    if not form.is_valid():
        for message in [message for errors in form.errors.values() for message in errors]:
            messages.error(request, str(message))
        return redirect("case_movement", reference=case.reference)
    document = form.cleaned_data["document"]
    try:
        services.document_update(actor=request.user, document=document, data=form.cleaned_data)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Travel document updated."))
    return _back(case, document.traveller.movement)


@require_POST
def fitness_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    def act(case: Case, movement: Movement, data: dict[str, Any]) -> None:
        services.fitness_record(actor=request.user, movement=movement, traveller=data["traveller"], data=data)

    return _act(request, reference, "fitness", FitnessForm, act, _("Fitness to travel recorded."), record=FitToTravel)


@require_POST
def allowance_create(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    def act(case: Case, movement: Movement, data: dict[str, Any]) -> None:
        services.allowance_add(actor=request.user, movement=movement, traveller=data["traveller"], data=data)

    return _act(request, reference, "allowance", AllowanceForm, act, _("Allowance recorded."))


# The board and the manifest ---------------------------------------------------------------------


def _require_movements(request: AuthenticatedRequest) -> None:
    if not selectors.may_use_movements(request.user):
        raise Http404


@require_GET
def movement_board(request: AuthenticatedRequest) -> HttpResponse:
    """Upcoming departures and what each still lacks, for those who work with movements."""
    _require_movements(request)
    form = BoardFilterForm(request.GET or None, offices=access.offices_for(request.user))
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.BoardFilters(
        since=data.get("since"), until=data.get("until"), office=data.get("office", ""), stage=data.get("stage", "")
    )
    board = selectors.movement_board(user=request.user, filters=filters)
    shown = [traveller.case for row in [*board.upcoming, *board.undated] for traveller in row.travellers]
    trail.record_listing(request, cases=shown, listing="movement_board")  # the board names the travellers
    return render(
        request, "movements/board.html", {"form": form, "board": board, "stages": MovementStage},
        status=422 if form.errors else 200,
    )  # fmt: skip


@require_GET
def movement_manifest(request: AuthenticatedRequest) -> HttpResponse:
    """The departure manifest of a date and route, as a PDF; without them, the form that asks for them."""
    _require_movements(request)
    form = ManifestForm(request.GET or None)
    if not form.is_valid():
        return render(request, "movements/manifest.html", {"form": form}, status=422 if form.is_bound else 200)
    day, route = form.cleaned_data["date"], form.cleaned_data["route"]
    movements = selectors.manifest_movements(user=request.user, day=day, route=route)
    if not movements:
        return render(request, "movements/manifest.html", {"form": form, "nothing": True})
    for item in movements:  # printing names is reading the cases
        for traveller in item.travellers:
            trail.record_read(request, case=traveller.case, section="manifest")
    content = render_manifest(
        day=day, route=route, movements=movements, printed_by=request.user.get_full_name() or request.user.username
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="manifest-{day.isoformat()}-{route}.pdf"'
    return response
