from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from pristan.core import trail


class NoStoreMiddleware:
    """Pages for a signed-in user hold personal data: no browser or proxy may keep a copy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response


class AuditRefusalMiddleware:
    """A request for an object that is refused (403) or does not exist for the user (404) is an
    audit entry, so that probing for records by URL leaves a trace."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        match = request.resolver_match
        if isinstance(exception, Http404 | PermissionDenied) and match and match.kwargs and request.user.is_authenticated:
            target = " ".join([match.url_name or "", *(str(value) for value in match.kwargs.values())])
            trail.record_refusal(request, target=target)
