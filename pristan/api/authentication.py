"""How an API request says who makes it: a personal access token (`Authorization: Bearer …`), or
the browser's session, past the second step of sign-in and with its CSRF token."""

from django.contrib.auth.models import User
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from pristan.accounts.services import is_verified
from pristan.api import tokens
from pristan.api.messages import TOKEN_REFUSED
from pristan.api.models import AccessToken
from pristan.core.http import client_ip


class TokensThrottled(exceptions.Throttled):
    """429 with Retry-After and our own translated sentence (DRF's would add one of its own)."""

    def __init__(self, wait: int, detail: str) -> None:
        exceptions.APIException.__init__(self, detail)
        self.wait = wait


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, AccessToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _, value = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None  # no token: perhaps a session
        now = tokens.clock()
        wait = tokens.token_gate(token=value.strip(), ip=client_ip(request._request), now=now)
        if wait:
            raise TokensThrottled(wait, tokens.throttled_message(wait))
        check = tokens.token_check(value.strip())
        if check.reason or check.token is None:
            tokens.record_failure(request._request, check, now=now)
            raise exceptions.AuthenticationFailed(TOKEN_REFUSED)
        tokens.record_use(request._request, check.token)
        return check.token.user, check.token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The signed-in browser session, only once the second step is done (CSRF is enforced)."""

    def authenticate(self, request: Request) -> tuple[User, None] | None:
        if not is_verified(request._request):
            return None
        result = super().authenticate(request)
        return None if result is None else (result[0], None)
