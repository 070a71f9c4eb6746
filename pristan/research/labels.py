"""The CTDC layout's column names, said in the reader's language.

The file keeps CTDC's own names (researchers join on them), so the page shows both: what a column
holds, in the reader's words, and its name in the file in brackets.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

_LABELS = {
    # The quasi-identifiers of the anonymity report (anonymity.QUASI_IDENTIFIERS)
    "yearOfRegistration": _("Year of registration"),
    "gender": _("Gender"),
    "age": _("Age"),
    "citizenship": _("Citizenship"),
    "CountryOfExploitation": _("Country of exploitation"),
    "typeOfExploitation": _("Type of exploitation"),
    # The columns Pristan has no source for (ctdc.NO_SOURCE)
    "majorityEntry": _("Minor or adult when recruited"),
    "meansOfControlRestrictsMovement": _("Means of control: restricts movement"),
    "meansOfControlUsesChildren": _("Means of control: uses children"),
    "typeOfLabourAquafarming": _("Forced labour in aquafarming"),
    "typeOfLabourIllicitActivities": _("Forced labour in illicit activities"),
    "typeOfLabourPeddling": _("Forced labour in peddling"),
    "recruiterRelationIntimatePartner": _("Recruited by an intimate partner"),
    # What a value was generalised to (anonymity.QuasiIdentifier.step_names)
    "region": _("Region"),
}


def column_label(name: str) -> str:
    """'Citizenship (citizenship)': what the column holds, then its CTDC name; an unknown name alone."""
    label = _LABELS.get(name)
    if label is None:
        return name
    return gettext("%(label)s (%(column)s)") % {"label": label, "column": name}
