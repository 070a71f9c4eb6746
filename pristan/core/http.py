import ipaddress

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest

UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104 - recorded when no address can be read, never bound # nosec B104


class AuthenticatedRequest(HttpRequest):
    """Every page but sign-in requires a signed-in user (LoginRequiredMiddleware), so views may
    rely on `request.user` being a real user."""

    user: User


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or with PRISTAN_TRUSTED_PROXY_COUNT = N proxies in front
    of Pristan the N-th address from the right of X-Forwarded-For (each proxy appends the address
    it received the request from, so entries to the left of that can be forged by the client)."""
    remote = str(request.META.get("REMOTE_ADDR", "")).strip()
    candidate = remote
    hops = settings.PRISTAN_TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if part.strip()]
        if forwarded:
            candidate = forwarded[-hops] if len(forwarded) >= hops else forwarded[0]
    for value in (candidate, remote):
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            continue
    return UNKNOWN_ADDRESS
