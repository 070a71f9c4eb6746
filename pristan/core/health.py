"""`/health/` for load balancers and monitors: can this server do its work right now?

Each check is a small function that raises when its part is not working. The answer is JSON,
200 when every check passes and 503 otherwise, with "ok" or "fail" per check and nothing else:
no versions, no error text, no timing, so that it tells an attacker nothing. Why a check failed is
written to the server's log. Anyone may ask, signed in or not: the answer names no person,
office or user, and the checks only read (a probe every few seconds writes no audit entry).
"""

import logging
from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from pristan.jobs.selectors import queue_reachable, worker_running
from pristan.keystore.models import DataKey
from pristan.keystore.router import KEYS_DB
from pristan.keystore.services import keyring

logger = logging.getLogger(__name__)

OK = "ok"
FAIL = "fail"


def database() -> None:
    """The case database answers."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def key_store() -> None:
    """The keyring loads (every sealed value needs it) and the key store's table can be read."""
    keyring()
    DataKey.objects.using(KEYS_DB).exists()


def jobs() -> None:
    """The queue of background jobs can be read (imports and exports are enqueued there)."""
    if not queue_reachable():
        raise RuntimeError("The job queue cannot be read.")


def worker() -> None:
    """A worker is alive to run what is queued."""
    if not worker_running():
        raise RuntimeError("No worker is running.")


# Name in the answer -> check. Each must pass for a 200: without them this server cannot serve.
CHECKS: dict[str, Callable[[], None]] = {
    "database": database,
    "key_store": key_store,
    "jobs": jobs,
}

# Reported beside them, without changing the status: a load balancer that took every web server out
# of rotation because the worker stopped would stop the office's work too, while a monitor reading
# "worker": "fail" tells an administrator to restart it.
REPORTED: dict[str, Callable[[], None]] = {"worker": worker}


def run_checks(checks: dict[str, Callable[[], None]]) -> dict[str, str]:
    results = {}
    for name, check in checks.items():
        try:
            check()
        except Exception:
            logger.exception("Health check %r failed.", name)
            results[name] = FAIL
        else:
            results[name] = OK
    return results


@login_not_required
@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    checks = run_checks(CHECKS)
    healthy = all(result == OK for result in checks.values())
    answer = {"status": OK if healthy else FAIL, "checks": checks | run_checks(REPORTED)}
    return JsonResponse(answer, status=200 if healthy else 503)
