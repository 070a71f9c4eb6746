"""Recording a screening: Pristan suggests from the indicators, the caseworker decides."""

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from pristan.cases.models import Case
from pristan.core import access
from pristan.core.audit import audit_record
from pristan.core.models import AuditEntry
from pristan.core.policy import Section
from pristan.screening.models import Screening
from pristan.screening.rules import SCREENING_FIELDS, screening_new


@transaction.atomic
def screening_record(
    *, actor: User, case: Case, indicator_list: str, indicators: Iterable[str], decision: str,
    reason: str, deciding_body: str = "", screened_on: date | None = None,
) -> Screening:  # fmt: skip
    access.require_write(actor, case, Section.SCREENING)
    screening = screening_new(
        case=case, indicator_list=indicator_list, indicators=indicators, decision=decision, reason=reason,
        deciding_body=deciding_body, screened_on=screened_on or timezone.localdate(), actor=actor,
    )  # fmt: skip
    screening.save()
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, obj=screening, case=case,
        fields=SCREENING_FIELDS, detail=decision,
    )  # fmt: skip
    return screening
