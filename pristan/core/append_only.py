"""Tables the database itself keeps append-only: the audit trail (core/audit.py) and the audit chain's
witness in the key store (core/audit_witness.py).

Triggers refuse UPDATE and DELETE (SQLite and PostgreSQL) and TRUNCATE (PostgreSQL, where PUBLIC's
UPDATE, DELETE and TRUNCATE are also revoked). A table may let one kind of UPDATE through (the audit
trail's chaining of an entry of its intake): a condition per vendor, on OLD and NEW. A role that owns
the table can still drop the triggers; what notices that is the hash chain and its witness.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper

Trigger = tuple[str, str, str]  # (name, SQL that installs it, SQL that removes it)


@dataclass(frozen=True)
class AppendOnlyGuard:
    table: str
    message: str
    sqlite_update_allowed: str = ""  # an SQLite expression on OLD and NEW: an UPDATE it holds for is let through
    postgresql_update_allowed: str = ""  # the same in PL/pgSQL

    @property
    def function(self) -> str:
        return f"{self.table}_append_only()"

    def triggers(self, connection: BaseDatabaseWrapper) -> list[Trigger]:
        table, message = self.table, self.message
        refuse = f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
        if connection.vendor == "sqlite":
            when = f"WHEN NOT ({self.sqlite_update_allowed}) " if self.sqlite_update_allowed else ""
            return [
                (
                    f"{table}_no_update",
                    f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} {when}{refuse}",
                    f"DROP TRIGGER IF EXISTS {table}_no_update;",
                ),
                (
                    f"{table}_no_delete",
                    f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} {refuse}",
                    f"DROP TRIGGER IF EXISTS {table}_no_delete;",
                ),
            ]
        if connection.vendor == "postgresql":
            return [
                (
                    f"{table}_no_update_delete",
                    f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {self.function};",
                    f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};",
                ),
                (
                    f"{table}_no_truncate",
                    f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {self.function};",
                    f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
                ),
            ]
        return []

    def _postgresql_function(self) -> str:
        allowed = ""
        if self.postgresql_update_allowed:
            allowed = f"IF {self.postgresql_update_allowed} THEN\n        RETURN NEW;\n    END IF;\n    "
        return (
            f"CREATE OR REPLACE FUNCTION {self.function} RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n    {allowed}RAISE EXCEPTION '{self.message}' USING ERRCODE = 'restrict_violation';\nEND;\n$$;"
        )

    def install(self, connection: BaseDatabaseWrapper) -> None:
        """Idempotent."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(self._postgresql_function())
                cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {self.table} FROM PUBLIC;")
            for _name, create, drop in self.triggers(connection):
                cursor.execute(drop)
                cursor.execute(create)

    def remove(self, connection: BaseDatabaseWrapper) -> None:
        with connection.cursor() as cursor:
            for _name, _create, drop in self.triggers(connection):
                cursor.execute(drop)
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP FUNCTION IF EXISTS {self.function};")

    def present(self, connection: BaseDatabaseWrapper, *, enabled_only: bool = False) -> set[str]:
        """The names of the guard's triggers on the table (only those enabled, if asked)."""
        expected = {name for name, _create, _drop in self.triggers(connection)}
        if not expected:
            return set()
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [self.table])
            else:
                query = "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal"
                cursor.execute(query + (" AND tgenabled <> 'D'" if enabled_only else ""), [self.table])
            return expected & {row[0] for row in cursor.fetchall()}

    def installed(self, connection: BaseDatabaseWrapper) -> bool:
        """Whether every trigger of the guard exists and is enabled."""
        expected = {name for name, _create, _drop in self.triggers(connection)}
        return bool(expected) and self.present(connection, enabled_only=True) == expected
