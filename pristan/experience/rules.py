"""The rules of a trafficking experience, pure (no database): which values it takes and when they are
valid. `experience_update` applies them to one case; bulk writers (imports) to many."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from pristan.core import vocabularies

# Experience field -> the HTCDS picklist its codes come from.
EXPERIENCE_PICKLISTS = {
    "methods_of_recruitment": "vic_MethodOfRecruitment",
    "recruitment_websites": "vic_RecruitmentWebsitesAndApps",
    "relationship_to_trafficker": "vic_RelationshipToTrafficker",
    "methods_of_control": "vic_MethodsOfControl",
    "types_of_exploitation": "vic_TypeOfExploitation",
    "forced_labour_industry": "vic_ForcedLabourIndustry",
    "types_of_sex_exploitation": "vic_TypeOfSexExploitation",
    "exploitation_websites": "vic_ExploitationWebsitesAndApps",
    "vulnerabilities": "vic_Vulnerabilities",
}
OTHER_FIELDS = ("vulnerability_details", "age_when_trafficked", "exploitation_began_on")
NOT_IN_LIST = _("Choose values from the list.")


def experience_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``data`` that an experience takes (the rest is ignored)."""
    return {name: data[name] for name in (*EXPERIENCE_PICKLISTS, *OTHER_FIELDS) if name in data}


def experience_errors(data: Mapping[str, Any], *, born: date | None) -> dict[str, StrOrPromise]:
    """The problems of an experience's values (the person's date of birth bounds when it began).
    Codes are checked first: when one is not in its list, only those are reported."""
    errors: dict[str, StrOrPromise] = {}
    for name, picklist in EXPERIENCE_PICKLISTS.items():
        value = data.get(name)
        values = value if isinstance(value, list) else [value] if value else []
        if any(code not in vocabularies.code_set(picklist) for code in values):
            errors[name] = NOT_IN_LIST
    if errors:
        return errors
    began = data.get("exploitation_began_on")
    if began and began > timezone.localdate():
        errors["exploitation_began_on"] = _("This date cannot be in the future.")
    elif began and born and began < born:
        errors["exploitation_began_on"] = _("The exploitation cannot have begun before the person was born.")
    return errors


def experience_check(data: Mapping[str, Any], *, born: date | None) -> None:
    errors = experience_errors(data, born=born)
    if errors:
        raise ValidationError(errors)
