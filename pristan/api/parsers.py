"""The API's parsers: DRF's, with every way a body can fail to parse turned into a 400 in the one
error shape and the request's language. A body of 100,000 nested `[` makes `json.load` raise
RecursionError, which DRF's parser lets through as a server error; the size of a body is bounded
before it is read (core.middleware.RequestSizeMiddleware)."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http.multipartparser import MultiPartParserError
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from pristan.api.messages import NOT_JSON, NOT_MULTIPART, TOO_DEEP


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(str(TOO_DEEP)) from None
        except ParseError as error:  # DRF's "JSON parse error - …", in English only
            raise ParseError(str(NOT_JSON) % {"error": str(error.detail).removeprefix("JSON parse error - ")}) from None


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except (ParseError, MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) as error:
            detail = error.detail if isinstance(error, ParseError) else error
            text = str(detail).removeprefix("Multipart form parse error - ")
            raise ParseError(str(NOT_MULTIPART) % {"error": text}) from None
