from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from pristan.core import trail
from pristan.interchange import uploads


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


class RequestSizeMiddleware:
    """A request whose declared length is over the limit (interchange.uploads.body_limit) is refused
    with 413 before anything reads its body: this runs before every view and before the CSRF check,
    which reads a form's fields. The limit of a multipart body is the upload's; of any other body,
    Django's DATA_UPLOAD_MAX_MEMORY_SIZE, which the API's JSON parser would not check by itself.
    After the view, an upload whose reading stopped on an error leaves nothing behind."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = uploads.body_limit(request.META)
        if limit is not None and uploads.declared_length(request.META) > limit:
            return self.refuse(request, str(uploads.REQUEST_TOO_LARGE) % {"limit": uploads.megabytes(limit)})
        try:
            return self.get_response(request)
        finally:
            uploads.abandon_unfinished(request)

    def refuse(self, request: HttpRequest, message: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": {"detail": [message]}}, status=413)
        return render(request, "413.html", {"message": message}, status=413)
