"""`flush`, which empties every table, also empties the append-only audit table (case database) and
the append-only table of the audit chain's witnesses (key store).

Django's flush deletes (SQLite) or truncates (PostgreSQL) every table, and these tables' triggers
refuse both. This is the only place Pristan lifts them: in one transaction, the guard is removed,
the tables emptied and the guard installed again, so it is never left off. Django's test runner
flushes the databases after every transactional test the same way.
"""

from typing import Any

from django.core.management.commands import flush
from django.db import connections, transaction

from pristan.core.audit import append_only_guard_present, install_append_only_guard, remove_append_only_guard
from pristan.core.audit_witness import install_witness_guard, remove_witness_guard, witness_guard_present


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        database = options["database"]
        connection = connections[database]
        guards = [
            (install, remove)
            for present, install, remove in (
                (append_only_guard_present, install_append_only_guard, remove_append_only_guard),
                (witness_guard_present, install_witness_guard, remove_witness_guard),
            )
            if present(connection)
        ]
        if not guards:
            super().handle(**options)
            return
        with transaction.atomic(using=database):
            for _install, remove in guards:
                remove(connection)
            super().handle(**options)
            for install, _remove in guards:
                install(connection)
