from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from django_stubs_ext import StrOrPromise

from pristan.accounts import services
from pristan.accounts.models import Authenticator
from pristan.core.http import client_ip


class SignInForm(AuthenticationForm):
    """Django's sign-in form, throttled: see pristan/accounts/services.py for the policy."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "Too many failed attempts to sign in. Wait %(minutes)d minutes and try again, or ask your administrator for help."
        ),
    }

    def _locked_error(self) -> ValidationError:
        minutes = int(services.PAIR_LOCK.total_seconds() // 60)
        return ValidationError(self.error_messages["locked"], code="locked", params={"minutes": minutes})

    @sensitive_variables("password")
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password or self.request is None:
            return self.cleaned_data
        ip = client_ip(self.request)
        known = User.objects.filter(username=username).first()  # only to name the user in the audit trail
        services.pause(services.sign_in_gate(username=username, ip=ip).delay)  # slow down before taking the lock
        outcome = "ok"
        with services.one_attempt_at_a_time(username=username, ip=ip):
            # Checked again inside: a parallel attempt may have just locked this pair.
            if services.sign_in_gate(username=username, ip=ip).refused:
                services.record_refused(username=username, ip=ip, user=known)
                outcome = "locked"
            else:
                self.user_cache = authenticate(self.request, username=username, password=password)
                if self.user_cache is None:
                    detail = "unknown username" if known is None else "wrong password" if known.is_active else "inactive account"
                    locked = services.record_failure(username=username, ip=ip, user=known, detail=detail)
                    outcome = "locked" if locked else "wrong"
        # Raised only after the attempt's records are committed.
        if outcome == "locked":
            raise self._locked_error()
        if outcome == "wrong":
            raise self.get_invalid_login_error()
        assert self.user_cache is not None
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


TOO_MANY_WRONG_CODES = _("Too many wrong codes. Wait a minute, then enter the code the app shows at that time.")


class OneTimeCodeInput(forms.TextInput):
    """A code is never typed twice: the field comes back empty after a wrong one."""

    def format_value(self, value: Any) -> str | None:
        return None


def _code_field(help_text: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=help_text,
        widget=OneTimeCodeInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "off", "spellcheck": "false"}
        ),
    )


class EnrolForm(forms.Form):
    """Confirms a new authenticator with the code it shows now."""

    code = _code_field(_("The six-digit code your authenticator app shows now."))

    def __init__(self, *args: Any, request: HttpRequest, user: User, device: Authenticator, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request, self.user, self.device = request, user, device
        self.recovery_codes: list[str] = []

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"])
        if not self.device.verify_is_allowed()[0]:
            raise ValidationError(TOO_MANY_WRONG_CODES, code="throttled")
        codes = services.confirm_enrolment(
            request=self.request, user=self.user, device=self.device, code=code, ip=client_ip(self.request)
        )
        if codes is None:
            raise ValidationError(
                _(
                    "That code is not right. Enter the code the app shows now; if it still fails, check that the "
                    "time on your phone is set automatically."
                ),
                code="wrong_code",
            )
        self.recovery_codes = codes
        return code


class VerifyForm(forms.Form):
    """The second step: a code from the authenticator app, or a recovery code."""

    code = _code_field(_("The six-digit code from your authenticator app, or one of your recovery codes."))

    def __init__(self, *args: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request, self.user = request, user
        self.result: services.Verification | None = None

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"])
        result = services.verify_second_step(request=self.request, user=self.user, code=code, ip=client_ip(self.request))
        if not result.ok:
            if result.throttled:
                raise ValidationError(TOO_MANY_WRONG_CODES, code="throttled")
            raise ValidationError(
                _("That code is not right, or a recovery code that has already been used. Enter the code the app shows now."),
                code="wrong_code",
            )
        self.result = result
        return code


class ReauthenticateForm(forms.Form):
    """Confirms the signed-in user's identity again: the password and a second-step code."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("The six-digit code from your authenticator app, or one of your recovery codes."),
        widget=OneTimeCodeInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request, self.user = request, user

    @sensitive_variables("password", "code")
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, code = data.get("password"), data.get("code")
        if not password or not code:
            return data
        outcome = services.reauthenticate(request=self.request, user=self.user, password=password, code=code)
        if outcome is services.Confirmation.LOCKED:
            minutes = int(services.PAIR_LOCK.total_seconds() // 60)
            raise ValidationError(SignInForm.error_messages["locked"], code="locked", params={"minutes": minutes})
        if outcome is services.Confirmation.THROTTLED:
            raise ValidationError(TOO_MANY_WRONG_CODES, code="throttled")
        if outcome is services.Confirmation.WRONG:
            raise ValidationError(
                _("The password or the code is not right. Enter your password and the code the app shows now."),
                code="wrong",
            )
        return data
