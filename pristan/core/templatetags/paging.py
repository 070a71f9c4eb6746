"""Links between pages: the address of the page asked for, keeping every other list where it was."""

from typing import Any

from django import template
from django.http import HttpRequest

register = template.Library()


@register.simple_tag(takes_context=True)
def page_link(context: dict[str, Any], name: str, value: int | None, *dropped: str) -> str:
    """`?…` with `name` set to `value` (removed when None) and the names in `dropped` removed; the
    other parameters of the current address kept (another list's page, the audit trail's filters)."""
    request: HttpRequest = context["request"]
    params = request.GET.copy()
    for other in (name, *dropped):
        params.pop(other, None)
    if value is not None:
        params[name] = str(value)
    return f"?{params.urlencode()}"
