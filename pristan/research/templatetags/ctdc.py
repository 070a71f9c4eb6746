from django import template

from pristan.research.labels import column_label

register = template.Library()


@register.filter
def ctdc_column(name: str) -> str:
    """`{{ item.quasi_identifier|ctdc_column }}`: a CTDC column in the reader's language."""
    return column_label(name)
