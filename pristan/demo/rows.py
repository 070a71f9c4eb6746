"""Inserting many rows quickly: plain tuples, one `executemany` per table, ids reserved up front.

`bulk_create` spends most of its time compiling SQL: for every value of every object it runs
`pre_save` and `get_db_prep_save` and builds a multi-row statement. With it the generator spent
more time inserting than deciding what to insert, and managed about 1,250 cases a second; this way
it manages over 3,000. Here each table has one prepared statement, rows are tuples in column
order, and only the values whose stored form differs from the Python one (dates, moments,
decimals, code lists) are converted, by the same backend adapters the ORM ends in.

Rows refer to each other by ids handed out by `IdBlock` before anything is inserted, so a case,
its person and its services can be built in one pass and written in any order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from pristan.core.fields import CodeListField

__all__ = ["IdBlock", "Table"]


def _converter(field: models.Field[Any, Any], db: BaseDatabaseWrapper) -> Callable[[Any], Any] | None:
    """How a value of ``field`` is stored, or None where it is stored as it is (text, numbers, ids).

    Values must already be of the field's Python type (a date for a DateField, an aware datetime
    for a DateTimeField, a Decimal for a DecimalField): the backend adapters are called directly,
    without the `to_python` clean-up that `get_db_prep_save` does first. That skips nothing we need
    and is most of what makes `bulk_create` slow.
    """
    ops = db.ops
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


class Table:
    """Rows for one model, added as keyword arguments and inserted together.

    Columns left out of ``add`` get the field's default (``""`` for text, ``None`` where null is
    allowed). With ``with_id=False`` the database numbers the rows itself.
    """

    def __init__(self, model: type[models.Model], connection: BaseDatabaseWrapper, *, with_id: bool) -> None:
        fields = [field for field in model._meta.concrete_fields if with_id or not field.primary_key]
        quote = connection.ops.quote_name
        self.model = model
        self._names = tuple(field.attname for field in fields)
        self._known = frozenset(self._names)
        self._defaults = {field.attname: field.get_default() for field in fields if not field.primary_key}
        converters = [(index, _converter(field, connection)) for index, field in enumerate(fields)]
        self._converters = [(index, convert) for index, convert in converters if convert is not None]
        # Table and column names come from the model, never from input.
        self._sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - model names # nosec B608
            quote(model._meta.db_table),
            ", ".join(quote(_column(field)) for field in fields),
            ", ".join(["%s"] * len(fields)),
        )
        self.rows: list[list[Any]] = []

    def add(self, **values: Any) -> None:
        if not self._known.issuperset(values):
            raise TypeError(f"{self.model.__name__} has no column {sorted(set(values) - self._known)}")
        defaults = self._defaults
        self.rows.append([values[name] if name in values else defaults[name] for name in self._names])

    def _prepared(self) -> Iterator[list[Any]]:
        converters = self._converters
        for row in self.rows:
            for index, convert in converters:
                row[index] = convert(row[index])
            yield row

    def write(self, connection: BaseDatabaseWrapper) -> int:
        if not self.rows:
            return 0
        with connection.cursor() as cursor:
            cursor.executemany(self._sql, list(self._prepared()))
        count = len(self.rows)
        self.rows = []
        return count


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

    def _refill_from_sequence(self) -> None:
        with self._connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [self._table, self._pk_column, self._POSTGRES_BLOCK],
            )
            self._ids = [row[0] for row in cursor.fetchall()][::-1]

    def take(self) -> int:
        if self._connection.vendor == "sqlite":
            self._next += 1
            return self._next - 1
        if not self._ids:
            self._refill_from_sequence()
        return self._ids.pop()
