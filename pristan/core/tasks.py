"""The core's periodic work on the queue (pristan/jobs/schedule.py): the audit trail's chain and partitions."""

from django.db import DEFAULT_DB_ALIAS, connections

from pristan.core.audit import audit_chain_pending
from pristan.core.audit_partitions import ensure_partitions
from pristan.jobs.services import job


@job(retries_when_lost=1)  # chaining is safe to repeat: it only chains what is not chained yet
def audit_chain_run() -> int:
    """Chain the reads recorded while the chain's head was taken, when no append or read has since."""
    return audit_chain_pending()


@job(retries_when_lost=1)  # making a partition that is missing is safe to repeat
def audit_partitions_run() -> dict[str, list[str]]:
    """The audit trail's partitions of this year and the next, made if missing (PostgreSQL only)."""
    return {"made": ensure_partitions(connections[DEFAULT_DB_ALIAS])}
