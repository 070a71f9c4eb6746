"""One shape for every error the API returns: `{"errors": {"field": ["message", …]}}`, with
`non_field_errors` for what concerns no one field and `detail` for refusals; messages in the
request's language. A refused or unknown object asked for by URL is an audit entry, as for pages."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from pristan.api.messages import NOT_FOUND, NOT_SIGNED_IN
from pristan.core import trail


class Refused(exceptions.APIException):
    """A refusal with a status of its own (413 too large, 429 too many at once), in the one shape."""

    def __init__(self, detail: dict[str, list[str]], *, status: int) -> None:
        super().__init__(detail)
        self.status_code = status


def _messages(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [message for item in value.values() for message in _messages(item)]
    if isinstance(value, list | tuple):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


def _body(detail: Any) -> dict[str, dict[str, list[str]]]:
    if isinstance(detail, dict):
        return {"errors": {str(name): _messages(value) for name, value in detail.items()}}
    if isinstance(detail, list):
        return {"errors": {"non_field_errors": _messages(detail)}}
    return {"errors": {"detail": _messages(detail)}}


def _django_validation(error: DjangoValidationError) -> dict[str, Any]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if name == "__all__" else name): list(messages) for name, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


def handle(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) if exc.args else None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _body(exc.detail if isinstance(exc.detail, dict) else list(exc.detail))
    elif isinstance(exc, exceptions.NotAuthenticated):
        response.data = _body(NOT_SIGNED_IN)
    else:
        response.data = _body(getattr(exc, "detail", str(exc)))
    if response.status_code in (status.HTTP_403_FORBIDDEN, status.HTTP_404_NOT_FOUND):
        _record_refusal(context)
    return response


def _record_refusal(context: dict[str, Any]) -> None:
    request = context.get("request")
    kwargs = context.get("kwargs") or {}
    if request is None or not kwargs or not request.user.is_authenticated:
        return
    match = request._request.resolver_match
    target = " ".join([match.url_name if match and match.url_name else "", *(str(value) for value in kwargs.values())])
    trail.record_refusal(request._request, target=target)
