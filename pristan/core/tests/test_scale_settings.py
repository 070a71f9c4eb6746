"""The settings that switch on the parts of a central deployment: a read replica, the connection
pool, PgBouncer's needs, PostgreSQL's JIT off, a shared cache and shared storage. Each case reads
pristan/settings.py afresh under the environment given."""

import runpy
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from pristan.env import CACHE_TABLE, cache_from_url

SETTINGS = Path(__file__).resolve().parents[2] / "settings.py"
POSTGRES = "postgres://pristan:secret@db.example:5432/pristan"


def settings_under(monkeypatch: pytest.MonkeyPatch, **environment: str) -> dict[str, Any]:
    for name in ("DATABASE_URL", "PRISTAN_REPLICA_DATABASE_URL", "PRISTAN_DB_POOL_MAX_SIZE", "PRISTAN_CACHE_URL",
                 "PRISTAN_DB_CONN_MAX_AGE", "PRISTAN_DB_DISABLE_SERVER_SIDE_CURSORS", "PRISTAN_SHARED_DIR"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_a_laptop_has_no_replica_and_a_cache_of_its_own(monkeypatch):
    values = settings_under(monkeypatch)
    assert set(values["DATABASES"]) == {"default", "keys"}
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert values["PRISTAN_SHARED_DIR"] == ""  # the files stay in PRISTAN_VAR_DIR


def test_a_replica_url_makes_the_replica_alias_a_mirror_for_tests(monkeypatch):
    values = settings_under(
        monkeypatch, DATABASE_URL=POSTGRES, PRISTAN_REPLICA_DATABASE_URL="postgres://reader@replica.example:5432/pristan"
    )
    replica = values["DATABASES"]["replica"]
    assert (replica["HOST"], replica["USER"], replica["TEST"]) == ("replica.example", "reader", {"MIRROR": "default"})
    assert values["DATABASE_ROUTERS"][0] == "pristan.core.routers.ReplicaRouter"


def test_every_postgresql_connection_runs_without_jit(monkeypatch):
    values = settings_under(monkeypatch, DATABASE_URL=POSTGRES, PRISTAN_REPLICA_DATABASE_URL=POSTGRES)
    for alias in ("default", "keys", "replica"):
        assert values["DATABASES"][alias]["OPTIONS"]["options"] == "-c jit=off", alias


def test_the_pool_replaces_persistent_connections(monkeypatch):
    values = settings_under(monkeypatch, DATABASE_URL=POSTGRES, PRISTAN_DB_POOL_MAX_SIZE="8", PRISTAN_DB_CONN_MAX_AGE="60")
    default = values["DATABASES"]["default"]
    assert default["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 8, "timeout": 10}
    assert default["CONN_MAX_AGE"] == 0  # Django refuses a pool with persistent connections


def test_behind_pgbouncer_server_side_cursors_are_off_and_connections_persist(monkeypatch):
    values = settings_under(
        monkeypatch, DATABASE_URL=POSTGRES, PRISTAN_DB_DISABLE_SERVER_SIDE_CURSORS="1", PRISTAN_DB_CONN_MAX_AGE="60"
    )
    default = values["DATABASES"]["default"]
    assert (default["DISABLE_SERVER_SIDE_CURSORS"], default["CONN_MAX_AGE"]) == (True, 60)
    assert "pool" not in default["OPTIONS"]


def test_sqlite_gets_none_of_postgresqls_options(monkeypatch):
    default = settings_under(monkeypatch, PRISTAN_DB_POOL_MAX_SIZE="8")["DATABASES"]["default"]
    assert "pool" not in default["OPTIONS"]
    assert "options" not in default["OPTIONS"]


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("redis://cache.example:6379/0", "django.core.cache.backends.redis.RedisCache", "redis://cache.example:6379/0"),
        ("memcached://cache.example:11211", "django.core.cache.backends.memcached.PyMemcacheCache", "cache.example:11211"),
        ("db://", "django.core.cache.backends.db.DatabaseCache", CACHE_TABLE),
    ],
)
def test_a_cache_url_names_a_shared_cache(url, backend, location):
    assert cache_from_url(url) == {"BACKEND": backend, "LOCATION": location}


@pytest.mark.parametrize("url", ["redis", "memcached://", "ftp://cache.example", "db://elsewhere"])
def test_a_cache_url_pristan_cannot_read_stops_the_start(url):
    with pytest.raises(ImproperlyConfigured, match="PRISTAN_CACHE_URL"):
        cache_from_url(url)


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="JIT is PostgreSQL's")
def test_the_connection_really_runs_without_jit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
