"""Small typed readers for settings that come from the environment.

Each reader fails with a message that names the variable and what was wrong, so a
misconfigured server stops at start-up instead of running half-configured.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Set the environment variable {name}.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no, on/off), not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_fraction(name: str, default: float) -> float:
    """A number from 0 to 1."""
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not 0 <= number <= 1:  # also refuses nan
        raise ImproperlyConfigured(f"{name} must be a number from 0 to 1, not {value!r}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name: str, default: str | None = None) -> str:
    """A secret from NAME, or from the file that NAME_FILE points to (Docker/systemd secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{name}_FILE points to {file_name!r}, which cannot be read: {error}.") from None
    return env_str(name, default)


_CACHE_BACKENDS = {
    "redis": "django.core.cache.backends.redis.RedisCache",
    "rediss": "django.core.cache.backends.redis.RedisCache",
    "memcached": "django.core.cache.backends.memcached.PyMemcacheCache",
}
CACHE_TABLE = "pristan_cache"


def cache_from_url(url: str) -> dict[str, object]:
    """Django's cache settings from a URL: redis://, rediss:// (the `redis` package), memcached://host:port
    (`pymemcache`), db:// (the table CACHE_TABLE in the case database), or "" for each process's own memory."""
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    scheme, _, rest = url.partition("://") if "://" in url else ("", "", "")
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": _CACHE_BACKENDS[scheme], "LOCATION": url}
    if scheme == "memcached" and rest:
        return {"BACKEND": _CACHE_BACKENDS[scheme], "LOCATION": rest.rstrip("/")}
    if scheme == "db" and not rest.strip("/"):
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}
    raise ImproperlyConfigured(
        f"PRISTAN_CACHE_URL must start with redis://, rediss://, memcached://host:port or be db://, not {url!r}."
    )
