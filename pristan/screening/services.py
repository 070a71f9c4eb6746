"""Recording a screening: Pristan suggests from the indicators, the caseworker decides."""

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pristan.cases.models import Case
from pristan.core import access, vocabularies
from pristan.core.audit import audit_record
from pristan.core.models import AuditEntry
from pristan.core.policy import Section
from pristan.screening.indicators import IndicatorList
from pristan.screening.models import Screening
from pristan.screening.rules import assess


@transaction.atomic
def screening_record(
    *, actor: User, case: Case, indicator_list: str, indicators: Iterable[str], decision: str,
    reason: str, deciding_body: str = "", screened_on: date | None = None,
) -> Screening:  # fmt: skip
    access.require_write(actor, case, Section.SCREENING)
    screened_on = screened_on or timezone.localdate()
    errors: dict[str, object] = {}
    if indicator_list not in IndicatorList.values:
        raise ValidationError({"indicator_list": _("Choose an indicator list.")})
    if decision not in vocabularies.codes("vic_TraffickingStatus"):
        errors["decision"] = _("Record the decision: possible, actual or not a victim of trafficking.")
    if deciding_body and deciding_body not in vocabularies.codes("vic_TraffickingStatusDecisionMakingOrg"):
        errors["deciding_body"] = _("Choose who decided from the list.")
    if not reason.strip():
        errors["reason"] = _("Explain why you decided so, especially where it differs from the suggestion.")
    if screened_on > timezone.localdate():
        errors["screened_on"] = _("The screening cannot be dated in the future.")
    if errors:
        raise ValidationError(errors)
    keys = sorted(set(indicators))
    assessment = assess(IndicatorList(indicator_list), keys)  # raises ValidationError on unknown keys
    screening = Screening.objects.create(
        case=case,
        indicator_list=indicator_list,
        indicators=keys,
        positive_dimensions=[str(dimension) for dimension in assessment.positive_dimensions],
        suggested_victim=assessment.presumed_victim,
        decision=decision,
        deciding_body=deciding_body,
        reason=reason.strip(),
        screened_on=screened_on,
        screened_by=actor,
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, obj=screening, case=case,
        fields=["indicator_list", "indicators", "decision", "deciding_body", "reason"], detail=decision,
    )  # fmt: skip
    return screening
