"""`flush`, which empties every table, also empties the append-only audit table.

Django's flush deletes (SQLite) or truncates (PostgreSQL) every table, and the audit table's
triggers refuse both. This is the only place Pristan lifts them: in one transaction, the guard
is removed, the tables emptied and the guard installed again, so it is never left off. Django's
test runner flushes the database after every transactional test the same way.
"""

from typing import Any

from django.core.management.commands import flush
from django.db import connections, transaction

from pristan.core.audit import append_only_guard_present, install_append_only_guard, remove_append_only_guard


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        database = options["database"]
        connection = connections[database]
        if not append_only_guard_present(connection):
            super().handle(**options)
            return
        with transaction.atomic(using=database):
            remove_append_only_guard(connection)
            super().handle(**options)
            install_append_only_guard(connection)
