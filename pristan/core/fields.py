"""A model field for HTCDS multi-select picklists and lists of ISO codes.

Stored as text with a delimiter on both ends ("|ForcedLabour|Servitude|") so that "has this
value" is a plain `contains` lookup on SQLite and PostgreSQL alike (see `has_code`).
"""

from typing import TYPE_CHECKING, Any

from django.db import models

DELIMITER = "|"


def has_code(field: str, code: str) -> dict[str, str]:
    """Filter kwargs matching rows whose list in `field` holds `code`."""
    return {f"{field}__contains": f"{DELIMITER}{code}{DELIMITER}"}


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [item for item in value.split(DELIMITER) if item]
    return [str(item) for item in value if item]


if TYPE_CHECKING:
    _Field = models.Field[Any, list[str]]
else:
    _Field = models.Field


class CodeListField(_Field):
    description = "A list of codes"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> list[str]:
        return _as_list(value)

    def to_python(self, value: Any) -> list[str]:
        return _as_list(value)

    def get_prep_value(self, value: Any) -> str:
        if isinstance(value, str):
            return value  # a lookup's right-hand side, already in stored form
        codes = _as_list(value)
        return f"{DELIMITER}{DELIMITER.join(codes)}{DELIMITER}" if codes else ""

    def value_to_string(self, obj: models.Model) -> str:
        return self.get_prep_value(self.value_from_object(obj))
