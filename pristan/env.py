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


def env_secret_list(name: str) -> list[str]:
    """Secrets from NAME or NAME_FILE, separated by commas, blanks or lines (none when unset)."""
    return env_secret(name, "").replace(",", " ").split()


# The development profile's public key (settings.py): anyone can forge sessions and audit entries with it.
DEVELOPMENT_SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105 # nosec B105
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 10
HOW_TO_MAKE_ONE = 'python3 -c "import secrets; print(secrets.token_urlsafe(50))"'


def secret_key_problem(value: str) -> str | None:
    """Why ``value`` cannot be a production secret key, or None when it can.

    The audit chain's HMAC key and the API tokens' digests derive from the secret key, and it signs
    sessions: a short, public or patterned one lets whoever guesses it forge all three. Randomness
    cannot be proven; these refuse what is plainly not random (the rules of Django's own check W009).
    """
    if value == DEVELOPMENT_SECRET_KEY:
        return "it is the public development key"
    if value.startswith("django-insecure-"):
        return "it is a key Django generated for development (django-insecure-...)"
    if len(value) < SECRET_KEY_MIN_LENGTH:
        return f"it has {len(value)} characters, fewer than {SECRET_KEY_MIN_LENGTH}"
    if len(set(value)) < SECRET_KEY_MIN_DISTINCT:
        return f"it uses only {len(set(value))} different characters, so it is not random"
    return None


def env_secret_key(name: str) -> str:
    """A production secret key from NAME or NAME_FILE, refused unless long and random. The message
    names the variable and how to make a key, and never shows the key."""
    value = env_secret(name)
    problem = secret_key_problem(value)
    if problem:
        raise ImproperlyConfigured(
            f"{name} (or {name}_FILE) is not a usable secret key: {problem}. Set it to at least "
            f"{SECRET_KEY_MIN_LENGTH} random characters, made for example with: {HOW_TO_MAKE_ONE}"
        )
    return value


def secret_keys_checked(keys: list[str], name: str) -> list[str]:
    """Every key of a list (SECRET_KEY_FALLBACKS), each refused as env_secret_key refuses one."""
    for position, key in enumerate(keys, start=1):
        problem = secret_key_problem(key)
        if problem:
            label = f"{name} (key {position})" if len(keys) > 1 else name
            raise ImproperlyConfigured(
                f"{label} is not a usable secret key: {problem}. Every secret key must be at least "
                f"{SECRET_KEY_MIN_LENGTH} random characters, made for example with: {HOW_TO_MAKE_ONE}"
            )
    return keys


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
