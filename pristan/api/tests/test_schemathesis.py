"""Schemathesis against the served OpenAPI document, through the WSGI app, with a fixed budget
(a few derandomized examples per operation): no server error and every response as the document
says, as a token's holder; and without credentials, no request is accepted."""

from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from pristan.assistance.services import service_add
from pristan.cases.services import consent_record
from pristan.interchange.models import ImportJob
from pristan.movements.services import movement_request
from pristan.referrals.services import referral_send

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
BUDGET = settings(max_examples=15, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def wsgi_app():
    """Pristan's WSGI app, keeping the test's database connection open between requests (as
    Django's test client does): closing it would end the test's transaction on PostgreSQL."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def served(active_case, ana, sofia, partner, token_of, wsgi_app, settings, tmp_path):
    """The document as Pristan serves it to a token's holder, the token, and real ids to aim requests at."""
    settings.VAR_DIR = tmp_path  # where an upload aimed at a real office is kept
    consent_record(actor=ana, case=active_case, purpose="referral", given=True)
    service = service_add(actor=ana, case=active_case, data={"kind": "accommodation"})
    referral = referral_send(actor=ana, case=active_case, organisation=partner, reason="AdditionalServicesRequired")
    movement = movement_request(actor=ana, case=active_case, data={"kind": "voluntary_return", "destination_country": "MD"})
    job = ImportJob.objects.create(office=sofia, actor=ana, filename="cases.csv", status="ready")
    headers = {"Authorization": f"Bearer {token_of(ana)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) >= 15
    real = {
        "path": {"reference": active_case.reference, "person_id": active_case.person_id, "service_id": service.pk,
                 "referral_id": referral.pk, "movement_id": movement.pk, "job_id": str(job.pk)},
        "body": {"office": "SOF", "person": active_case.person_id, "provider": partner.pk, "organisation": partner.pk,
                 "reason": "AdditionalServicesRequired", "decision": "PossibleVictimOfTrafficking", "indicators": []},
    }  # fmt: skip
    return operations, headers, real


def _aimed(case: Any, real: dict[str, dict[str, Any]]) -> Any:
    """The case aimed at real records where it names them; None if it names none."""
    path = {name: value for name, value in real["path"].items() if name in (case.path_parameters or {})}
    body = {name: value for name, value in real["body"].items() if isinstance(case.body, dict) and name in case.body}
    if not (path or body):
        return None
    if path:
        case.path_parameters = {**case.path_parameters, **path}
    if body:
        case.body = {**case.body, **body}
    return case


def test_the_api_keeps_to_its_document(served):
    operations, headers, real = served
    for operation in operations:

        @BUDGET
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)
            aimed = _aimed(case, real)
            if aimed is not None:  # the same request again, aimed at a real case, person, office …
                aimed.call_and_validate(headers=headers, checks=CHECKS)

        run()


def test_nothing_is_accepted_without_credentials(served):
    operations, _headers, real = served
    for operation in operations:

        @BUDGET
        @given(case=operation.as_strategy())
        def run(case):
            case = _aimed(case, real) or case
            response = case.call()
            # 429 once the generated wrong tokens from this one address reach the throttle (api/tokens.py)
            assert response.status_code in (401, 429), f"{case.method} {case.formatted_path}: {response.status_code}"

        run()
