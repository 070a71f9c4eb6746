"""Show stored codes in the reader's language: HTCDS values, countries and languages."""

from collections.abc import Iterable, Mapping
from typing import Any

from django import template

from pristan.core import geography, vocabularies

register = template.Library()


@register.filter
def htcds(value: str | Iterable[str], field: str) -> str:
    """`{{ case.status|htcds:"cas_Status" }}`; a list of codes becomes a comma-separated list."""
    if not value:
        return ""
    codes = [value] if isinstance(value, str) else list(value)
    return ", ".join(vocabularies.label(field, code) for code in codes)


@register.filter
def country(code: str) -> str:
    return geography.country_name(code) if code else ""


@register.filter
def countries(codes: Iterable[str]) -> str:
    return ", ".join(geography.country_name(code) for code in codes or [])


@register.filter
def languages(codes: Iterable[str]) -> str:
    return ", ".join(geography.language_name(code) for code in codes or [])


@register.filter
def get_item(mapping: Mapping[str, Any], key: str) -> Any:
    return mapping.get(key)
