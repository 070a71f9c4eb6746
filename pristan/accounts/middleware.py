"""Two gates every request passes after Django's authentication, django-otp's OTPMiddleware and
LoginRequiredMiddleware: the session's absolute lifetime, then the second step of sign-in."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from pristan.accounts import first_sign_in, services

# What a user who has given their password but not yet the second step may reach.
BEFORE_SECOND_STEP = frozenset({"login", "logout", "set_language", "mfa_verify", "mfa_enrol"})
# What a user signed in with a temporary password may reach before choosing their own.
BEFORE_OWN_PASSWORD = frozenset({"login", "logout", "set_language", "password_change"})


class SessionLifetimeMiddleware:
    """Signs out a session PRISTAN_SESSION_MAX_SECONDS after sign-in, however active it was
    (the idle timeout is SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and services.session_expired(request):
            services.audit_expiry(request)
            logout(request)
            messages.info(request, _("For your safety, you are signed out after a long session. Please sign in again."))
        return self.get_response(request)


class SecondStepRequiredMiddleware:
    """Sends a signed-in user who has not completed the second step to it: to verification if
    they have an authenticator, to enrolment if not; one signed in with a temporary password first
    to choosing their own (pristan/accounts/first_sign_in.py). Only the pages of BEFORE_SECOND_STEP are
    reachable before; LoginRequiredMiddleware has already sent anonymous users to sign in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not isinstance(user, User) or services.is_verified(request) or not services.mfa_required(user):
            return None
        match = request.resolver_match
        name = match.url_name if match is not None else None
        if first_sign_in.password_change_required(user):  # a temporary password: first their own password
            if name in BEFORE_OWN_PASSWORD:
                return None
            target = reverse("password_change")
        elif name in BEFORE_SECOND_STEP:
            return None
        else:
            target = reverse("mfa_verify" if services.user_has_totp(user) else "mfa_enrol")
        response = redirect_to_login(request.get_full_path(), target)
        if request.headers.get("HX-Request"):  # htmx would swap the page into a fragment; go there instead
            htmx = HttpResponse(status=204)
            htmx["HX-Redirect"] = response["Location"]
            return htmx
        return response
