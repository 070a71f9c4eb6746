"""The audit trail's periodic job (see pristan.jobs.schedule.PERIODIC)."""

from pristan.core.audit import audit_chain_pending
from pristan.jobs.services import job


@job(retries_when_lost=1)  # chaining is safe to repeat: it only chains what is not chained yet
def audit_chain_run() -> int:
    """Chain the reads recorded while the chain's head was taken, when no append or read has since."""
    return audit_chain_pending()
