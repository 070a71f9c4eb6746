"""The OpenAPI document: every operation lists the error bodies it may return."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, append_meta
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

ERROR_CODES = {
    "400": "The request has errors: each field's messages.",
    "401": "No valid credentials.",
    "403": "Refused: the role or the token does not allow this.",
    "404": "Does not exist, or not for you.",
    "413": "The request declares a body larger than Pristan accepts: it was not read.",
}


# `{"errors": {"field": ["message", …]}}` (pristan/api/errors.py)
ERROR = inline_serializer("Error", {"errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField()))})


class PristanSchema(AutoSchema):
    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False) -> Any:
        """A choice field naming its own enum component (`enum_component`), such as a movement's
        stage: its values differ from a case's, which are the `StageEnum` of the same field name."""
        name = getattr(field, "enum_component", "")
        if not name:
            return super()._map_serializer_field(field, direction, bypass_extensions)  # type: ignore[no-untyped-call]
        values = [value for value in field.choices if value not in ("", None)]
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema={"type": "string", "enum": values}
        )  # type: ignore[no-untyped-call]
        self.registry.register_on_missing(component)
        return append_meta(component.ref, self._get_serializer_field_meta(field, direction))  # type: ignore[no-untyped-call]

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        bodies: dict[str, Any] = super()._get_response_bodies(direction)
        for code, description in ERROR_CODES.items():
            response = self._get_response_for_code(ERROR, code, direction=direction)  # type: ignore[no-untyped-call]
            bodies.setdefault(code, {**response, "description": description})
        return bodies


class TokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "pristan.api.authentication.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "http", "scheme": "bearer", "description": "A personal access token (`pristan_…`)."}


class SessionScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "pristan.api.authentication.VerifiedSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid", "description": "A signed-in session, with its CSRF token."}
