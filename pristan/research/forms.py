from django import forms
from django.utils.translation import gettext_lazy as _

from pristan.research.anonymity import DEFAULT_K
from pristan.research.services import MAX_K, MIN_K


class ResearchExportForm(forms.Form):
    k = forms.IntegerField(
        label=_("k: the smallest group published"),
        min_value=MIN_K,
        max_value=MAX_K,
        initial=DEFAULT_K,
        help_text=_(
            "A record is published only where at least k records share its year, gender, age, citizenship, country of "
            "exploitation and type of exploitation. CTDC publishes with k = 11."
        ),
    )
