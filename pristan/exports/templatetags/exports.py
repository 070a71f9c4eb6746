from django import template
from django.contrib.auth.models import AnonymousUser, User

from pristan.core import access

register = template.Library()


@register.filter
def may_export(user: User | AnonymousUser) -> bool:
    """Whether to offer the export: `{% if user|may_export %}` (the page checks again)."""
    return access.may_export(user)
