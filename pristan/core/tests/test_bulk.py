"""The bulk writer's COPY path (PostgreSQL) stores exactly what its `executemany` path stores."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, models, transaction

from pristan.assistance.models import ServiceItem
from pristan.cases.services import case_open
from pristan.core.bulk import SealingKey, Table, WriteBehind
from pristan.demo.world import ensure_world
from pristan.keystore.models import DataKey
from pristan.keystore.router import KEYS_DB
from pristan.keystore.services import key_scope, wrapped_rows
from pristan.people.models import NameToken, Person
from pristan.people.services import person_register

pytestmark = [
    pytest.mark.django_db(databases="__all__"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]


@pytest.fixture(autouse=True)
def _keys_cached() -> Iterator[None]:
    with key_scope():
        yield


def _new_key() -> SealingKey:
    ((key_id, key, row),) = wrapped_rows(1)
    row.save()
    return SealingKey(key_id, key)


def _write_both_ways(model: type[models.Model], rows: Sequence[tuple[SealingKey | None, dict[str, Any]]]) -> list[Any]:
    """Write ``rows`` by COPY, then again by executemany; returns the pairs of instances read back."""
    db = connections[model._default_manager.db]
    before = set(model._default_manager.values_list("pk", flat=True))
    written = []
    for copy in (True, False):
        table = Table(model, db, with_id=False, copy=copy)
        for key, values in rows:
            table.add(key, **values)
        assert table.write() == len(rows)
        new = list(model._default_manager.exclude(pk__in=before).order_by("pk"))
        before |= {instance.pk for instance in new}
        written.append(new)
    assert len(written[0]) == len(written[1]) == len(rows)
    return list(zip(*written, strict=True))


def _stored(instance: models.Model) -> dict[str, Any]:
    """Every column but the id, as the model reads it (sealed columns opened)."""
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields if not field.primary_key}


def test_persons_written_by_copy_read_back_as_those_written_by_executemany() -> None:
    office = ensure_world(1).offices[0].office
    key, other_key = _new_key(), _new_key()
    moment = datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    rows = [
        (key, {
            "office_id": office.pk, "key_id": key.id, "given_name": "Ана", "family_name": "Петрова-Ћирић",
            "other_names": "tab\there, back\\slash, new\nline, quote \"'", "aliases": "", "name_latin": "Ana Petrova-Cirić",
            "gender": "Feminine", "date_of_birth": date(2007, 2, 28), "date_of_birth_estimated": True,
            "citizenships": ["BG", "MK"], "languages": ["bg"], "phone": "+359 88 123 4567", "email": "ana@example.org",
            "city": "София", "country": "BG", "guardian_name": "Мария Петрова", "guardian_relationship": "майка",
            "created_at": moment,
        }),
        (other_key, {  # empty values: empty sealed columns, an unknown date, no code, no creator, no erasure
            "office_id": office.pk, "key_id": other_key.id, "given_name": "X", "date_of_birth": None, "citizenships": [],
            "created_at": moment, "created_by_id": None, "erased_at": None,
        }),
    ]  # fmt: skip
    pairs = _write_both_ways(Person, rows)
    for by_copy, by_executemany in pairs:
        assert _stored(by_copy) == _stored(by_executemany)
    first = _stored(pairs[0][0])
    assert (first["other_names"], first["date_of_birth"], first["citizenships"]) == (
        rows[0][1]["other_names"], date(2007, 2, 28), ["BG", "MK"],
    )  # fmt: skip
    assert first["created_at"] == moment
    second = _stored(pairs[1][0])
    assert (second["family_name"], second["date_of_birth"], second["citizenships"], second["erased_at"]) == ("", None, [], None)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT family_name, date_of_birth, citizenships, given_name FROM people_person WHERE id IN (%s, %s) ORDER BY id",
            [pairs[1][0].pk, pairs[1][1].pk],
        )
        stored = cursor.fetchall()
    # An empty sealed value is empty bytes in both (never NULL); a filled one is sealed, with a nonce of its own.
    assert [(bytes(row[0]), bytes(row[1]), row[2]) for row in stored] == [(b"", b"", "")] * 2
    assert bytes(stored[0][3]) != bytes(stored[1][3])


def test_decimals_nulls_and_dates_of_services_and_the_key_store_and_tokens() -> None:
    world = ensure_world(1).offices[0]
    user, office = world.caseworker, world.office
    person = person_register(actor=user, office=office, data={"given_name": "Иван", "family_name": "Петров"})
    case = case_open(actor=user, person=person, office=office)
    key = _new_key()
    moment = datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)
    services = [
        (key, {"case_id": case.pk, "kind": "Shelter", "status": "Completed", "starts_on": date(2024, 1, 2),
               "ends_on": date(2024, 2, 3), "cost": Decimal("1234.50"), "currency": "BGN", "description": "Нощувки",
               "created_by_id": user.pk, "created_at": moment}),
        (key, {"case_id": case.pk, "kind": "Medical", "status": "Planned", "starts_on": None, "ends_on": None,
               "cost": None, "currency": "", "objective_id": None, "provider_id": None, "created_by_id": user.pk,
               "created_at": moment}),
    ]  # fmt: skip
    for by_copy, by_executemany in _write_both_ways(ServiceItem, services):
        assert _stored(by_copy) == _stored(by_executemany)
        assert by_copy.cost in (Decimal("1234.50"), None)

    # The key store's own database: uuids and bytes.
    keys = [(None, {"id": key_id, "master_key_id": row.master_key_id, "wrapped": row.wrapped, "created_at": moment})
            for key_id, _key, row in wrapped_rows(2)]  # fmt: skip
    for copy, (_none, values) in zip((True, False), keys, strict=True):
        table = Table(DataKey, connections[KEYS_DB], with_id=True, copy=copy)
        table.add(None, **values)
        table.write()
    stored_keys = DataKey.objects.using(KEYS_DB).in_bulk([values["id"] for _none, values in keys])
    for _none, values in keys:
        stored = stored_keys[values["id"]]
        assert (stored.master_key_id, bytes(stored.wrapped), stored.created_at) == (
            values["master_key_id"], values["wrapped"], moment,
        )  # fmt: skip

    # Name tokens, added in bulk: the whole range of 64-bit hashes.
    tokens = [(person.pk, -(2**63)), (person.pk, 2**63 - 1), (person.pk, 0)]
    for copy in (True, False):
        table = Table(NameToken, connection, with_id=False, copy=copy)
        table.add_many(("person_id", "token"), tokens)
        table.write()
    stored_tokens = sorted(NameToken.objects.filter(token__in=[token for _p, token in tokens]).values_list("token", flat=True))
    assert stored_tokens == sorted([token for _p, token in tokens] * 2)


def test_a_copy_that_breaks_a_constraint_raises_django_s_integrity_error() -> None:
    world = ensure_world(1).offices[0]
    office, key = world.office, _new_key()
    table = Table(Person, connection, with_id=True)
    taken = person_register(actor=world.caseworker, office=office, data={"given_name": "Ана"}).pk
    table.add(key, id=taken, office_id=office.pk, key_id=key.id, given_name="Ана", created_at=datetime.now(tz=UTC))
    with pytest.raises(IntegrityError), transaction.atomic():
        table.write()


def _persons(*ids: int) -> Table:
    """A table of new persons of the first office numbered ``ids``, not yet written."""
    office, key = ensure_world(1).offices[0].office, _new_key()
    table = Table(Person, connection, with_id=True)
    for pk in ids:
        table.add(key, id=pk, office_id=office.pk, key_id=key.id, given_name=f"Ана {pk}", created_at=datetime.now(tz=UTC))
    return table


def test_rows_written_behind_are_in_the_caller_s_transaction() -> None:
    ids = [900_000, 900_001, 900_002]
    table = _persons(*ids)
    with transaction.atomic():
        with WriteBehind(connection) as writer:
            writer.write([table])
            assert table.rows == []  # taken by the writer
        assert sorted(Person.objects.filter(pk__in=ids).values_list("pk", flat=True)) == ids  # seen by the same transaction
        transaction.set_rollback(True)
    assert not Person.objects.filter(pk__in=ids).exists()  # and gone with its rollback


def test_a_write_behind_that_fails_raises_django_s_error_in_the_caller() -> None:
    world = ensure_world(1).offices[0]
    taken = person_register(actor=world.caseworker, office=world.office, data={"given_name": "Ана"}).pk
    table = _persons(900_000, taken)
    with pytest.raises(IntegrityError), transaction.atomic(), WriteBehind(connection) as writer:
        writer.write([table])
    assert not Person.objects.filter(pk=900_000).exists()


def test_leaving_on_the_caller_s_error_waits_for_the_write_and_keeps_that_error() -> None:
    ids = [900_000, 900_001]
    table = _persons(*ids)

    def write_then_fail() -> None:
        with transaction.atomic(), WriteBehind(connection) as writer:
            writer.write([table])
            raise ValueError("the caller's")

    with pytest.raises(ValueError, match="the caller's"):
        write_then_fail()
    assert not Person.objects.filter(pk__in=ids).exists()
