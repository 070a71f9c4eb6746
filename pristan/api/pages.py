"""The page where users create, list and revoke their personal access tokens for the API."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from pristan.accounts.services import recently_reauthenticated
from pristan.api import tokens
from pristan.api.forms import TokenForm
from pristan.api.models import AccessToken
from pristan.core.forms import show_errors
from pristan.core.http import AuthenticatedRequest, client_ip


@require_safe
def api_tokens(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "api/tokens.html", {"tokens": tokens.tokens_of(request.user)})


def api_token_create(request: AuthenticatedRequest) -> HttpResponse:
    """A token acts as its user until it expires: the user confirms who they are first (password
    and a code again; the page is only reached past the second step of sign-in)."""
    if not recently_reauthenticated(request):
        return redirect(f"{reverse('reauthenticate')}?{urlencode({'next': reverse('api_token_create')})}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = tokens.token_create(actor=request.user, ip=client_ip(request), **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:  # shown this once, never stored: the page is not cached (NoStoreMiddleware)
            return render(request, "api/token_created.html", {"token": token, "secret": secret})
    return render(request, "api/token_form.html", {"form": form}, status=422 if form.errors else 200)


@require_POST
def api_token_revoke(request: AuthenticatedRequest) -> HttpResponse:
    given = request.POST.get("token", "")
    token = AccessToken.objects.filter(user=request.user, pk=int(given)).first() if given.isdigit() and len(given) < 16 else None
    if token is None:
        raise Http404
    tokens.token_revoke(actor=request.user, token=token, ip=client_ip(request))
    messages.success(request, _("Token %(prefix)s revoked: it no longer works.") % {"prefix": token.prefix})
    return redirect("api_tokens")
