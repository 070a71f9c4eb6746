"""Where reports, research and exports read: a read replica of the case database when one is
configured (PRISTAN_REPLICA_DATABASE_URL, the alias `replica`), else the primary.

Explicit rather than routed: a selector of those modules reads with `.using(reporting_db())` at
its top-level querysets, and everything else (every write, every other read) stays on the primary
through Django's defaults. A read inside a transaction on the primary stays there too: such a read
belongs to a write (an export that records what it read), and must see that transaction's own rows.

A replica lags the primary by its replication delay (usually under a second): a report may miss the
newest changes, which is what a report may do; access is still decided on the primary.
"""

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"


def reporting_db() -> str:
    """The alias reports, research and exports read from now."""
    if REPLICA not in connections.settings or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA
