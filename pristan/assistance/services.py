"""The assistance plan and its services."""

from typing import Any

import pycountry
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from pristan.assistance.models import PlanObjective, ServiceItem, ServiceKind, ServiceStatus
from pristan.cases.models import Case
from pristan.core import access, vocabularies
from pristan.core.audit import audit_record
from pristan.core.models import AuditEntry

# Currencies replaced by the euro that older records still carry (Croatia 2023, Bulgaria 2026).
FORMER_CURRENCIES = frozenset({"HRK", "BGN"})
SERVICE_TRANSITIONS: dict[str, frozenset[str]] = {
    ServiceStatus.PLANNED: frozenset({ServiceStatus.IN_PROGRESS, ServiceStatus.DELIVERED, ServiceStatus.CANCELLED}),
    ServiceStatus.IN_PROGRESS: frozenset({ServiceStatus.DELIVERED, ServiceStatus.CANCELLED}),
    ServiceStatus.DELIVERED: frozenset(),
    ServiceStatus.CANCELLED: frozenset(),
}
STATUS_NOT_ALLOWED = _("A service that is %(current)s cannot become %(target)s.")


@transaction.atomic
def objective_add(*, actor: User, case: Case, data: dict[str, Any]) -> PlanObjective:
    access.require_write_record(actor, PlanObjective(case=case, plan_type=str(data.get("plan_type") or "")))
    errors: dict[str, Any] = {}
    if data.get("plan_type") not in vocabularies.codes("spl_Type"):
        errors["plan_type"] = _("Choose the type of objective.")
    if not str(data.get("objectives", "")).strip():
        errors["objectives"] = _("Describe what the person and you want to achieve.")
    if errors:
        raise ValidationError(errors)
    objective = PlanObjective.objects.create(case=case, **data)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=objective, case=case, fields=data)
    return objective


def _validate_service(case: Case, data: dict[str, Any]) -> None:
    errors: dict[str, Any] = {}
    if data.get("kind") not in ServiceKind.values:
        errors["kind"] = _("Choose the kind of service.")
    if data.get("objective") is not None and data["objective"].case_id != case.pk:
        errors["objective"] = _("Choose an objective of this case.")
    if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
        errors["ends_on"] = _("The end cannot be before the start.")
    cost, currency = data.get("cost"), str(data.get("currency", ""))
    if cost is not None and cost < 0:
        errors["cost"] = _("The cost cannot be negative.")
    if (
        (cost is not None or currency)
        and pycountry.currencies.get(alpha_3=currency) is None
        and currency not in FORMER_CURRENCIES
    ):
        errors["currency"] = _("Give the currency of the cost as a three-letter code, such as EUR or BGN.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def service_add(*, actor: User, case: Case, data: dict[str, Any]) -> ServiceItem:
    access.require_write_record(actor, ServiceItem(case=case, kind=str(data.get("kind") or ""), objective=data.get("objective")))
    _validate_service(case, data)
    service = ServiceItem.objects.create(case=case, created_by=actor, **data)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=service, case=case, fields=data)
    return service


@transaction.atomic
def service_change_status(*, actor: User, service: ServiceItem, status: str) -> ServiceItem:
    access.require_write_record(actor, service)
    if status not in SERVICE_TRANSITIONS.get(service.status, frozenset()):
        raise ValidationError(
            STATUS_NOT_ALLOWED,
            params={
                "current": ServiceStatus(service.status).label,
                "target": ServiceStatus(status).label if status in ServiceStatus.values else status,
            },
        )
    previous, service.status = service.status, status
    service.save(update_fields=["status"])
    audit_record(
        actor=actor, action=AuditEntry.Action.TRANSITION, obj=service, case=service.case, fields=["status"],
        detail=f"{previous} → {status}",
    )  # fmt: skip
    return service
