"""Inserting many rows quickly (the generator and imports): plain tuples, one `executemany` per table, ids reserved up front.

`bulk_create` spends most of its time compiling SQL: for every value of every object it runs
`pre_save` and `get_db_prep_save` and builds a multi-row statement. With it the generator spent
more time inserting than deciding what to insert, and managed about 1,250 cases a second; this way
it managed over 3,000 (before names were sealed and indexed, which halved that: bench/README.md).
Here each table has one prepared statement, rows are tuples in column order, and only the values
whose stored form differs from the Python one (dates, moments, decimals, ids, code lists) are
converted, by the same backend adapters the ORM ends in.

Rows refer to each other by ids handed out by `IdBlock` before anything is inserted, so a case,
its person and its services can be built in one pass and written in any order.

On PostgreSQL `write` sends the rows with COPY FROM STDIN in binary format instead: one stream per
table rather than a statement per row, which costs the client and the server a fraction of the
time (bench/README.md). The rows are the same, the same adapters prepare them, and COPY obeys the
same constraints, deferred foreign keys and indexes as INSERT. ``Table(..., copy=False)`` keeps
`executemany` (the tests compare the two).

Sealed columns (core/sealed.py) are sealed as a row is added, under the `SealingKey` of the person
the row belongs to, exactly as `SealedField.pre_save` seals them: the value as text, bound to its
column by the same additional data, and an empty value stored as empty bytes, unsealed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, NamedTuple
from uuid import UUID

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from pristan.core import crypto
from pristan.core.fields import CodeListField
from pristan.core.sealed import SealedDateField, SealedTextField

__all__ = ["IdBlock", "SealingKey", "Table", "WriteBehind"]

_SEALED = (SealedTextField, SealedDateField)


class SealingKey(NamedTuple):
    """A person's data key (see keystore.services.wrapped_rows): what their rows are sealed with."""

    id: UUID
    key: bytes


def _converter(field: models.Field[Any, Any], db: BaseDatabaseWrapper) -> Callable[[Any], Any] | None:
    """How a value of ``field`` is stored, or None where it is stored as it is (text, numbers, ids).

    Values must already be of the field's Python type (a date for a DateField, an aware datetime
    for a DateTimeField, a Decimal for a DecimalField): the backend adapters are called directly,
    without the `to_python` clean-up that `get_db_prep_save` does first. That skips nothing we need
    and is most of what makes `bulk_create` slow.
    """
    ops = db.ops
    if isinstance(field, models.UUIDField):  # hex text in SQLite, native in PostgreSQL
        return partial(field.get_db_prep_value, connection=db, prepared=True)
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        return partial(ops.adapt_decimalfield_value, max_digits=field.max_digits, decimal_places=field.decimal_places)
    if isinstance(field, CodeListField | models.JSONField):
        return partial(field.get_db_prep_save, connection=db)
    return None


def _column(field: models.Field[Any, Any]) -> str:
    assert field.column is not None  # concrete fields always have one
    return field.column


def _types(connection: BaseDatabaseWrapper, table: str, columns: tuple[str, ...]) -> tuple[int, ...]:
    """The type oids of ``columns``, which binary COPY needs to encode each value; looked up once
    per database and table (tables are made per batch), as the server's built-in types never change."""
    settings = connection.settings_dict
    key = (str(settings.get("HOST")), str(settings.get("PORT")), str(settings["NAME"]), table, columns)
    found = _TYPES.get(key)
    if found is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [connection.ops.quote_name(table)],
            )
            oids = dict(cursor.fetchall())
        found = _TYPES[key] = tuple(int(oids[column]) for column in columns)
    return found


_TYPES: dict[tuple[str, str, str, str, tuple[str, ...]], tuple[int, ...]] = {}
_UNSET = object()


class Table:
    """Rows for one model, added as keyword arguments and inserted together into ``connection``.

    Columns left out of ``add`` get the field's default (``""`` for text, ``None`` where null is
    allowed, empty bytes where sealed). With ``with_id=False`` the database numbers the rows itself.
    On PostgreSQL the rows are written with COPY unless ``copy=False``.
    """

    def __init__(self, model: type[models.Model], connection: BaseDatabaseWrapper, *, with_id: bool, copy: bool = True) -> None:
        fields = [field for field in model._meta.concrete_fields if with_id or not field.primary_key]
        quote = connection.ops.quote_name
        self.model = model
        self._connection = connection
        self._copy = copy and connection.vendor == "postgresql"
        self._db_columns = tuple(_column(field) for field in fields)
        self._names = tuple(field.attname for field in fields)
        self._known = frozenset(self._names)
        self._defaults = {
            field.attname: b"" if isinstance(field, _SEALED) else field.get_default() for field in fields if not field.primary_key
        }
        self._sealed = [(index, field.aad, field.to_text) for index, field in enumerate(fields) if isinstance(field, _SEALED)]
        converters = [(index, _converter(field, connection)) for index, field in enumerate(fields)]
        self._converters = [(index, convert) for index, convert in converters if convert is not None]
        # Table and column names come from the model, never from input.
        self._sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - model names # nosec B608
            quote(model._meta.db_table),
            ", ".join(quote(_column(field)) for field in fields),
            ", ".join(["%s"] * len(fields)),
        )
        self._copy_sql = "COPY {} ({}) FROM STDIN (FORMAT BINARY)".format(
            quote(model._meta.db_table), ", ".join(quote(column) for column in self._db_columns)
        )
        self.rows: list[Sequence[Any]] = []

    def add(self, key: SealingKey | None, /, **values: Any) -> None:
        """Add a row; ``key`` seals its sealed columns (None only for a model without any)."""
        if not self._known.issuperset(values):
            raise TypeError(f"{self.model.__name__} has no column {sorted(set(values) - self._known)}")
        defaults = self._defaults
        self.add_row(key, [values[name] if name in values else defaults[name] for name in self._names])

    def add_row(self, key: SealingKey | None, row: list[Any], /) -> None:
        """Add a row given whole: a value for each of `columns`, in order (sealed as `add` seals)."""
        if self._sealed:
            if key is None:
                raise TypeError(f"{self.model.__name__} has sealed columns: its rows need the key of their person.")
            key_id, data_key = key
            for index, aad, to_text in self._sealed:
                value = row[index]
                if value is None or value == "" or value == b"":
                    row[index] = b""
                else:
                    row[index] = crypto.seal(key_id, data_key, to_text(value).encode(), aad)
        self.rows.append(row)

    @property
    def columns(self) -> tuple[str, ...]:
        """The field names (``attname``) of the columns, in the order `add_many` takes them."""
        return self._names

    def add_many(self, columns: tuple[str, ...], rows: Iterable[Sequence[Any]]) -> None:
        """Add rows given as tuples of ``columns`` (all the table's, in order), stored as they are.

        For tables of many small rows (name tokens), where the checks `add` makes for every row
        would cost more than inserting it: so no defaults, no conversion and no sealing.
        """
        if columns != self._names:
            raise TypeError(f"{self.model.__name__} rows have the columns {self._names}, not {columns}")
        if self._sealed or self._converters:
            raise TypeError(f"{self.model.__name__} has values to seal or convert: add its rows one by one.")
        self.rows.extend(rows)

    def _prepared(self) -> list[Sequence[Any]]:
        # A column's value is often the very same object down the rows (the batch's moment in every
        # created_at): it is converted once.
        for index, convert in self._converters:
            last: Any = _UNSET
            converted: Any = None
            for row in self.rows:
                assert isinstance(row, list)  # rows with values to convert come from `add`
                value = row[index]
                if value is not last:
                    last, converted = value, convert(value)
                row[index] = converted
        return self.rows

    def write(self) -> int:
        count = len(self.rows)
        if not count:
            return 0
        if self._copy:
            # The driver's own cursor: Django's wrapper has no `copy`. Its errors are turned into
            # Django's (IntegrityError …) as those of `executemany` are.
            with self._connection.cursor() as cursor, self._connection.wrap_database_errors:
                _copy(cursor.cursor, self._take_copy())
        else:
            with self._connection.cursor() as cursor:
                cursor.executemany(self._sql, self._prepared())
        self.rows = []
        return count

    def _take_copy(self) -> _Copy:
        """The table's rows as one COPY, prepared; the table is left empty."""
        types = _types(self._connection, self.model._meta.db_table, self._db_columns)
        rows, self.rows = self._prepared(), []
        return _Copy(self._copy_sql, types, rows)


class _Copy(NamedTuple):
    sql: str
    types: tuple[int, ...]
    rows: list[Sequence[Any]]


def _copy(cursor: Any, job: _Copy) -> None:
    with cursor.copy(job.sql) as copy:
        copy.set_types(job.types)
        write_row = copy.write_row
        for row in job.rows:
            write_row(row)


class WriteBehind:
    """Writes tables while the caller makes the next ones: on PostgreSQL their COPY streams run in
    a thread, one batch behind, on the caller's own connection and so in its transaction.

    That thread mostly waits for the server to take the rows into tables and indexes (psycopg
    releases the GIL meanwhile), so making and writing overlap: the caller's Python and the
    server's work run on two cores instead of one after the other. The driver's connection lets
    one user at a time in: a query the caller makes while a batch is being written waits for it.
    Use it as a context manager inside the transaction: leaving it waits for the last batch and
    raises what failed there (as Django's error), so the transaction never ends under a COPY.
    On SQLite, or for a table with ``copy=False``, `write` writes at once.
    """

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self._connection = connection
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def __enter__(self) -> WriteBehind:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        if exc_type is None:
            self.wait()
        elif self._thread is not None:  # the error on its way out says more than the batch's
            self._thread.join()
            self._thread, self._error = None, None

    def write(self, tables: Iterable[Table]) -> None:
        """Write the tables' rows, after those of the previous `write`; the tables are left empty."""
        self.wait()
        tables = list(tables)
        if not all(table._copy for table in tables):
            for table in tables:
                table.write()
            return
        jobs = [table._take_copy() for table in tables if table.rows]
        if jobs:
            self._connection.ensure_connection()
            # The driver's connection, taken here: Django's connections belong to their thread.
            driver = self._connection.connection
            self._thread = threading.Thread(target=self._run, args=(driver, jobs), name="pristan-write-behind", daemon=True)
            self._thread.start()

    def _run(self, driver: Any, jobs: list[_Copy]) -> None:
        try:
            with driver.cursor() as cursor:
                for job in jobs:
                    _copy(cursor, job)
        except BaseException as error:  # handed to the caller's thread by `wait`
            self._error = error

    def wait(self) -> None:
        """Wait for the batch being written; raise what failed."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            with self._connection.wrap_database_errors:
                raise error


class IdBlock:
    """Primary keys for new rows of one table, taken before the rows are inserted.

    SQLite: the next free id, above both the highest row and the AUTOINCREMENT counter, so ids of
    deleted rows are never reused (audit entries keep them). This is only safe while the batch's
    transaction holds SQLite's write lock, which Pristan's IMMEDIATE transactions take at BEGIN.
    PostgreSQL: ids drawn from the table's sequence, so concurrent inserts cannot collide.
    """

    _POSTGRES_BLOCK = 1000

    def __init__(self, model: type[models.Model], connection: BaseDatabaseWrapper) -> None:
        self._connection = connection
        self._table = model._meta.db_table
        pk = model._meta.pk
        assert pk is not None
        self._pk_column = _column(pk)
        self._ids: list[int] = []
        self._next = 0
        if connection.vendor == "sqlite":
            self._next = self._next_free_sqlite_id()
        elif connection.vendor != "postgresql":
            raise ImproperlyConfigured(f"Generating data needs SQLite or PostgreSQL, not {connection.vendor}.")

    def _next_free_sqlite_id(self) -> int:
        quote = self._connection.ops.quote_name
        with self._connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX({quote(self._pk_column)}) FROM {quote(self._table)}")  # noqa: S608 - model names # nosec B608
            highest = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self._table])
            found = cursor.fetchone()
        return max(highest, found[0] if found else 0) + 1

    def _refill_from_sequence(self, count: int) -> None:
        with self._connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [self._table, self._pk_column, count],
            )
            # Taken from the end: the new ids after those still left.
            self._ids = [row[0] for row in cursor.fetchall()][::-1] + self._ids

    def reserve(self, count: int) -> None:
        """Make sure ``count`` ids can be taken without a query (on SQLite none is ever needed)."""
        if self._connection.vendor == "postgresql" and len(self._ids) < count:
            self._refill_from_sequence(count - len(self._ids))

    def take(self) -> int:
        if self._connection.vendor == "sqlite":
            self._next += 1
            return self._next - 1
        if not self._ids:
            self._refill_from_sequence(self._POSTGRES_BLOCK)
        return self._ids.pop()
