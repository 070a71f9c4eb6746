"""Show audit entries in the reader's words: the object's and fields' names, not their codes."""

from django import template

from pristan.core.audit import entry_field_labels, object_type_label
from pristan.core.models import AuditEntry

register = template.Library()


@register.filter
def object_label(entry: AuditEntry) -> str:
    return object_type_label(entry.object_type)


@register.filter
def fields_label(entry: AuditEntry) -> str:
    return ", ".join(entry_field_labels(entry))
