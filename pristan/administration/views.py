"""The administration pages (/admin-area/): people, their access, offices and partners.

Every view first asks the access layer: someone who administers nothing is refused (403, saying
why); a person outside the offices one administers does not exist (404); a change one may not
make is refused by the service (403, saying why)."""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pristan.accounts.first_sign_in import LINK_LIFETIME
from pristan.administration import forms, selectors, services
from pristan.core import access
from pristan.core.forms import show_errors
from pristan.core.http import AuthenticatedRequest
from pristan.core.models import Organisation
from pristan.core.services import membership_grant, membership_revoke


@require_GET
def people(request: AuthenticatedRequest) -> HttpResponse:
    """The people of the offices the user administers (every office for a system administrator)."""
    access.require_administrator(request.user)
    offices = access.administered_offices(request.user)
    office = offices.filter(code=request.GET.get("office", "")).first()
    people = selectors.people_list(actor=request.user, office=office)
    page = Paginator(people, settings.PRISTAN_CASES_PER_PAGE * 2).get_page(request.GET.get("page"))
    query = urlencode({"office": office.code} if office else {})
    return render(request, "administration/people.html", {"page": page, "offices": offices, "office": office, "query": query})


def _created(request: AuthenticatedRequest, new: services.NewUser) -> HttpResponse:
    """How the new person signs in for the first time: shown once, in this response only."""
    link = request.build_absolute_uri(reverse("welcome", kwargs={"secret": new.link_secret})) if new.link_secret else ""
    context = {"new": new, "link": link, "days": LINK_LIFETIME.days}
    return render(request, "administration/person_created.html", context)


@require_http_methods(["GET", "POST"])
def person_add(request: AuthenticatedRequest) -> HttpResponse:
    access.require_administrator(request.user)
    form = forms.PersonAddForm(request.POST if request.method == "POST" else None, actor=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            new = services.user_add(
                actor=request.user, username=data["username"], full_name=data["name"], email=data["email"],
                method=data["method"], **form.grant(),
            )  # fmt: skip
        except ValidationError as error:
            show_errors(form, error)
        else:
            return _created(request, new)
    return render(request, "administration/person_add.html", {"form": form}, status=422 if form.errors else 200)


def _person_page(request: AuthenticatedRequest, user_id: int, *, status: int = 200, **forms_given: Any) -> HttpResponse:
    person = access.administered_user(request.user, user_id)
    detail = selectors.person_detail(person=person)
    context = {
        "detail": detail,
        "person": person,
        "grant_form": forms_given.get("grant_form") or forms.MembershipForm(actor=request.user),
        "revoke_form": forms_given.get("revoke_form") or forms.RevokeForm(person=person),
        "reset_form": forms_given.get("reset_form") or forms.ConfirmForm(),
        "own": person.pk == request.user.pk,
    }
    return render(request, "administration/person.html", context, status=status)


@require_GET
def person(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    access.require_administrator(request.user)
    return _person_page(request, user_id)


@require_POST
def person_grant(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    access.require_administrator(request.user)
    person = access.administered_user(request.user, user_id)
    form = forms.MembershipForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            membership_grant(actor=request.user, user=person, **form.grant())
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("The access of %(username)s is saved.") % {"username": person.username})
            return redirect("admin_person", user_id=person.pk)
    return _person_page(request, user_id, status=422, grant_form=form)


@require_POST
def person_revoke(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    access.require_administrator(request.user)
    person = access.administered_user(request.user, user_id)
    form = forms.RevokeForm(request.POST, person=person)
    if form.is_valid():
        office = form.cleaned_data["office"]
        try:
            membership_revoke(actor=request.user, user=person, office=office)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(
                request, _("%(username)s no longer works in %(office)s.") % {"username": person.username, "office": office.code}
            )
            if access.administered_users(request.user).filter(pk=person.pk).exists():
                return redirect("admin_person", user_id=person.pk)
            return redirect("admin_people")
    return _person_page(request, user_id, status=422, revoke_form=form)


@require_POST
def person_active(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    access.require_administrator(request.user)
    person = access.administered_user(request.user, user_id)
    form = forms.ActiveForm(request.POST)
    if form.is_valid():
        try:
            services.user_set_active(actor=request.user, user=person, active=form.cleaned_data["active"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            text = (
                _("%(username)s is active again.")
                if person.is_active
                else _("%(username)s is deactivated; every session of theirs has ended.")
            )
            messages.success(request, text % {"username": person.username})
        return redirect("admin_person", user_id=person.pk)
    return _person_page(request, user_id, status=422)


@require_POST
def person_second_step_reset(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    access.require_administrator(request.user)
    person = access.administered_user(request.user, user_id)
    form = forms.ConfirmForm(request.POST)
    if form.is_valid():
        services.user_second_step_reset(actor=request.user, user=person)
        messages.success(
            request,
            _(
                "The authenticators and recovery codes of %(username)s are removed: they set up the second step "
                "at their next sign-in."
            )
            % {"username": person.username},
        )
        return redirect("admin_person", user_id=person.pk)
    return _person_page(request, user_id, status=422, reset_form=form)


@require_POST
def person_sign_in_link(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    access.require_administrator(request.user)
    person = access.administered_user(request.user, user_id)
    secret = services.user_sign_in_link(actor=request.user, user=person)
    return _created(request, services.NewUser(user=person, link_secret=secret))


@require_http_methods(["GET", "POST"])
def offices(request: AuthenticatedRequest) -> HttpResponse:
    """The offices, and adding one (system administrators)."""
    access.require_installation_administrator(request.user)
    form = forms.OfficeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            office = services.office_add(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Added the office %(office)s.") % {"office": office})
            return redirect("admin_offices")
    context = {"form": form, "offices": selectors.offices_list()}
    return render(request, "administration/offices.html", context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def partners(request: AuthenticatedRequest) -> HttpResponse:
    """Partner organisations, and adding one (system administrators)."""
    access.require_installation_administrator(request.user)
    form = forms.PartnerForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            partner = services.partner_add(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Added the partner organisation %(name)s.") % {"name": partner.name})
            return redirect("admin_partner", organisation_id=partner.pk)
    context = {"form": form, "partners": selectors.partners_list()}
    return render(request, "administration/partners.html", context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def partner(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    """A partner organisation's users, and adding one (system administrators)."""
    access.require_installation_administrator(request.user)
    organisation = Organisation.objects.filter(pk=organisation_id, is_operator=False).first()
    if organisation is None:
        raise Http404
    form = forms.PartnerUserForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            new = services.partner_user_add(
                actor=request.user, username=data["username"], full_name=data["name"], email=data["email"],
                organisation=organisation, child_clearance=data["child_clearance"], method=data["method"],
            )  # fmt: skip
        except ValidationError as error:
            show_errors(form, error)
        else:
            return _created(request, new)
    users = organisation.partner_memberships.select_related("user").order_by("user__username")
    context = {"form": form, "organisation": organisation, "users": users}
    return render(request, "administration/partner.html", context, status=422 if form.errors else 200)
