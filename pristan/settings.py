"""Settings for Pristan. Every value that differs between installations comes from the
environment (see the table in README.md); the defaults run a single office on a laptop."""

import re
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from pristan.env import cache_from_url, env_bool, env_fraction, env_int, env_list, env_secret, env_secret_list, env_str

django_stubs_ext.monkeypatch()  # lets type hints such as ModelChoiceField[Office] run

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PRISTAN_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("PRISTAN_DEBUG", False)
# The production profile (settings_production.py) sets this; `pristan demo` and `generate` refuse to run there.
PRISTAN_PRODUCTION = False
# The development key only works with DEBUG or in tests; production refuses to start without a key.
SECRET_KEY = env_secret("PRISTAN_SECRET_KEY", "insecure-development-key-do-not-use-in-production")
# Earlier secret keys, newest first, kept after a rotation for as long as what they signed must verify
# (audit entries hashed under them, sessions, API token digests).
SECRET_KEY_FALLBACKS = env_secret_list("PRISTAN_SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = env_list("PRISTAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("PRISTAN_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_static",
    "pristan.core",
    "pristan.people",
    "pristan.cases",
    "pristan.screening",
    "pristan.experience",
    "pristan.assistance",
    "pristan.demo",
    "pristan.accounts",
    "pristan.exports",
    "pristan.movements",
    "pristan.reintegration",
    "pristan.erasure",
    "pristan.referrals",
    "pristan.overview",
    "pristan.research",
    "pristan.keystore",
    "pristan.interchange",
    "pristan.backups",
    "pristan.notifications",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pristan.api",
    "pristan.administration",
    "pristan.attachments",
    "django_tasks",
    "django_tasks_db",
    "pristan.jobs",
    "pristan.duplicates",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "pristan.keystore.middleware.KeyScopeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "pristan.accounts.middleware.SessionLifetimeMiddleware",
    "pristan.accounts.middleware.SecondStepRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "pristan.core.middleware.NoStoreMiddleware",
    "pristan.core.middleware.AuditRefusalMiddleware",
    "pristan.core.middleware.RequestSizeMiddleware",  # last: every other one wraps its 413; before any view reads the body
]

ROOT_URLCONF = "pristan.urls"
WSGI_APPLICATION = "pristan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "pristan" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "pristan.core.context_processors.navigation",
                "pristan.notifications.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'pristan.sqlite3'}"),
        conn_max_age=env_int("PRISTAN_DB_CONN_MAX_AGE", 0),
        conn_health_checks=env_bool("PRISTAN_DB_CONN_HEALTH_CHECKS", False),
    )
}

# The key store (every person's wrapped data key) is a database of its own, backed up apart
# from the case database and kept briefly, so that erasing a key reaches the case backups.
# Default: beside the case database (var/keys.sqlite3, or "<name>_keys" on the same server).
_keys_url = env_str("PRISTAN_KEYS_DATABASE_URL", "")
if _keys_url:
    DATABASES["keys"] = dj_database_url.parse(_keys_url)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["keys"] = dj_database_url.parse(f"sqlite:///{VAR_DIR / 'keys.sqlite3'}")
else:
    DATABASES["keys"] = {**DATABASES["default"], "NAME": f"{DATABASES['default']['NAME']}_keys"}
DATABASES["keys"]["TEST"] = {"DEPENDENCIES": []}
DATABASES["default"]["TEST"] = {"DEPENDENCIES": ["keys"]}
# A read replica of the case database (PostgreSQL streaming replication): reports, research and
# exports read from it (pristan/core/replica.py); every write, and every read inside a transaction,
# goes to the primary. Unset: everything reads from the primary.
_replica_url = env_str("PRISTAN_REPLICA_DATABASE_URL", "")
if _replica_url:
    DATABASES["replica"] = dj_database_url.parse(
        _replica_url,
        conn_max_age=env_int("PRISTAN_DB_CONN_MAX_AGE", 0),
        conn_health_checks=env_bool("PRISTAN_DB_CONN_HEALTH_CHECKS", False),
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["pristan.core.routers.ReplicaRouter", "pristan.keystore.router.KeystoreRouter"]
# The case list's covering indexes carry columns (INCLUDE) that only PostgreSQL keeps: SQLite ignores
# them, harmlessly, and would say so on every command of a development or demo installation.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else []
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work while one writer commits; IMMEDIATE avoids deadlocking upgrades.
        _database["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "timeout": 20,
        }
    elif _database["ENGINE"] == "django.db.backends.postgresql":
        _options = _database.setdefault("OPTIONS", {})
        # JIT off: it compiles the plans of short OLTP queries (the case list's OR-EXISTS form spent
        # 1.2 s of 1.8 s compiling, issue 11); Pristan runs no query long enough to win it back.
        # (Written once here for every PostgreSQL connection; the "lists" work needs it too.)
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
        # Django 5.2's own connection pool (psycopg_pool) in each process, e.g. PRISTAN_DB_POOL_MAX_SIZE=10;
        # 0 (the default) keeps one connection per thread, reused for PRISTAN_DB_CONN_MAX_AGE seconds.
        # Not together with CONN_MAX_AGE (Django refuses it), nor behind PgBouncer (pool there instead).
        if _pool_max := env_int("PRISTAN_DB_POOL_MAX_SIZE", 0):
            _options["pool"] = {
                "min_size": env_int("PRISTAN_DB_POOL_MIN_SIZE", 1),
                "max_size": _pool_max,
                "timeout": env_int("PRISTAN_DB_POOL_TIMEOUT", 10),
            }
            _database["CONN_MAX_AGE"] = 0
        # Behind PgBouncer in transaction mode a cursor must not outlive its transaction: Django's
        # server-side cursors (.iterator() outside a transaction) would then break.
        _database["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("PRISTAN_DB_DISABLE_SERVER_SIDE_CURSORS", False)

# Master keys wrap the data keys; the index key makes the blind indexes of names. From the
# environment (PRISTAN_MASTER_KEYS="id:base64[,id:base64…]", first active, and PRISTAN_INDEX_KEY,
# or their _FILE variants), else from the key file; `pristan keys init` writes one.
PRISTAN_MASTER_KEYS = env_secret("PRISTAN_MASTER_KEYS", "")
PRISTAN_INDEX_KEY = env_secret("PRISTAN_INDEX_KEY", "")
PRISTAN_KEY_FILE = env_str("PRISTAN_KEY_FILE", str(VAR_DIR / "keyring.toml"))
# Development and tests create the key file on first use; production never does (it must exist).
PRISTAN_KEY_FILE_AUTOCREATE = env_bool("PRISTAN_KEY_FILE_AUTOCREATE", True)
# Backups (pristan/backups): the key that seals the key store's backups (base64, 32 bytes; else the key
# file's `backup` entry), and where pg_dump and pg_restore are when not found by themselves.
PRISTAN_BACKUP_KEY = env_secret("PRISTAN_BACKUP_KEY", "")
PRISTAN_PG_BIN = env_str("PRISTAN_PG_BIN", "")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "pristan.accounts.validators.BreachedLookingPasswordValidator"},
]
# Argon2id for new and changed passwords; older hashes still verify and are upgraded at sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Every uploaded file is sealed as it arrives: none rests in memory whole or in a temporary file.
FILE_UPLOAD_HANDLERS = ["pristan.interchange.uploads.SealingUploadHandler"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # each role's start page (pristan/start)
LOGOUT_REDIRECT_URL = "login"

SESSION_ENGINE = "pristan.accounts.sessions"  # sessions kept under a digest of their key (accounts/sessions.py)
SESSION_COOKIE_AGE = env_int("PRISTAN_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the age above is an idle timeout
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Sign-in (pristan/accounts): a session ends this long after sign-in however active it is; the
# client address is REMOTE_ADDR unless this many proxies in front of Pristan add X-Forwarded-For.
PRISTAN_SESSION_MAX_SECONDS = env_int("PRISTAN_SESSION_MAX_SECONDS", 12 * 60 * 60)
PRISTAN_TRUSTED_PROXY_COUNT = env_int("PRISTAN_TRUSTED_PROXY_COUNT", 0)
# Exporting identifiable data needs the password and a second-step code again, at most this long before.
PRISTAN_REAUTH_SECONDS = env_int("PRISTAN_REAUTH_SECONDS", 5 * 60)

LANGUAGE_CODE = env_str("PRISTAN_LANGUAGE", "en")
# Each language is named in itself, as a speaker of it looks for it.
LANGUAGES = [
    ("en", "English"),
    ("bg", "Български"),
    ("mk", "Македонски"),
    ("bs", "Bosanski"),
    ("hr", "Hrvatski"),
    ("sr", "Српски"),
    ("sr-latn", "Srpski (latinica)"),
]
FORMAT_MODULE_PATH = ["pristan.formats"]  # where Django's own locale formats fall short
LOCALE_PATHS = [Path(env_str("PRISTAN_LOCALE_DIR", str(BASE_DIR / "locale")))]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("PRISTAN_TIME_ZONE", "Europe/Sofia")
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Files that every application server and worker must find, whichever wrote them: the sealed
# uploads waiting for their import (imports/) and the sealed export files waiting for their one
# download (exports/). With several servers, a shared file system mounted on each (pristan/core/shared.py).
PRISTAN_SHARED_DIR = env_str("PRISTAN_SHARED_DIR", "")  # "": PRISTAN_VAR_DIR
# The cache, shared by every process when set (several servers need it shared, e.g.
# redis://host:6379/0 or memcached://host:11211; db:// for a table in the case database, made by
# `pristan createcachetable`). Unset: each process keeps its own in memory.
CACHES = {"default": cache_from_url(env_str("PRISTAN_CACHE_URL", ""))}

PRISTAN_CASES_PER_PAGE = env_int("PRISTAN_CASES_PER_PAGE", 25)

# How long a finished export waits for its one download before it is deleted and its key destroyed.
PRISTAN_EXPORT_FILE_MINUTES = env_int("PRISTAN_EXPORT_FILE_MINUTES", 60)
# Reintegration: the latest composite score (0–1) a case with a reintegration plan needs before it closes.
PRISTAN_REINTEGRATION_CLOSE_SCORE = env_fraction("PRISTAN_REINTEGRATION_CLOSE_SCORE", 0.66)
PRISTAN_ORGANISATION_NAME = env_str("PRISTAN_ORGANISATION_NAME", "Pristan")
# Duplicates (pristan/duplicates): the probability from which a person is proposed as the one being
# registered or imported, and the most memory the scan's in-memory DuckDB may take (it never spills to disk).
PRISTAN_DUPLICATES_PROPOSE = env_fraction("PRISTAN_DUPLICATES_PROPOSE", 0.8)
PRISTAN_DUPLICATES_MEMORY = env_str("PRISTAN_DUPLICATES_MEMORY", "4GB")
if not re.fullmatch(r"[0-9]+(\.[0-9]+)?\s*[KMGT]i?B", PRISTAN_DUPLICATES_MEMORY):
    raise ImproperlyConfigured("PRISTAN_DUPLICATES_MEMORY must be an amount of memory such as 4GB or 512MiB.")
OTP_TOTP_ISSUER = PRISTAN_ORGANISATION_NAME  # the account's name in authenticator apps

# Notifications (pristan/notifications): e-mail only with a mail server; an empty host sends none.
# The e-mail says only that something awaits the reader, with a link to PRISTAN_BASE_URL's list.
EMAIL_HOST = env_str("PRISTAN_EMAIL_HOST", "")
EMAIL_PORT = env_int("PRISTAN_EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("PRISTAN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_secret("PRISTAN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("PRISTAN_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10  # seconds: a mail server that hangs delays the page that notified, never breaks it
DEFAULT_FROM_EMAIL = env_str("PRISTAN_EMAIL_FROM", "pristan@localhost")
PRISTAN_BASE_URL = env_str("PRISTAN_BASE_URL", "http://127.0.0.1:8000")

# Content-Security-Policy (django-csp): only Pristan's own scripts, styles and forms; no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# The REST API (pristan/api): JSON only; a personal access token or the verified session (with
# CSRF); one error shape; the OpenAPI document and its page served from Pristan's own static files.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "pristan.api.authentication.TokenAuthentication",
        "pristan.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["pristan.api.parsers.JSONParser"],  # RecursionError is a 400, not a 500
    "DEFAULT_SCHEMA_CLASS": "pristan.api.schema.PristanSchema",
    "DEFAULT_PAGINATION_CLASS": "pristan.api.pagination.Pagination",
    "EXCEPTION_HANDLER": "pristan.api.errors.handle",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pristan API",
    "DESCRIPTION": (
        "Cases, persons, screening, consent, services, referrals, movements, reintegration visits, imports and the "
        "list of exports, with the same access rules as the pages. Identifiable exports are made in the web interface "
        "only: they need the password and a second-step code again."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ServiceStatusEnum": "pristan.assistance.models.ServiceStatus",
        "ReferralStatusEnum": "pristan.referrals.models.ReferralStatus",
    },
}

# Background jobs (pristan/jobs): a queue kept in the case database, run by `pristan worker`, which
# also runs the periodic work (pristan/jobs/schedule.py): retention daily at this local hour (0–23).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
PRISTAN_RETENTION_HOUR = env_int("PRISTAN_RETENTION_HOUR", 3)
if not 0 <= PRISTAN_RETENTION_HOUR <= 23:
    raise ImproperlyConfigured(f"PRISTAN_RETENTION_HOUR must be an hour from 0 to 23, not {PRISTAN_RETENTION_HOUR}.")
# The local hour at which the worker tells people of their overdue tasks and monitoring visits.
PRISTAN_OVERDUE_HOUR = env_int("PRISTAN_OVERDUE_HOUR", 6)
if not 0 <= PRISTAN_OVERDUE_HOUR <= 23:
    raise ImproperlyConfigured(f"PRISTAN_OVERDUE_HOUR must be an hour from 0 to 23, not {PRISTAN_OVERDUE_HOUR}.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("PRISTAN_LOG_LEVEL", "INFO")},
}

# Labels of the vocabularies that the standard does not translate are shipped in our catalogues.
APP_NAME = _("Pristan")

# The audit chain's witness (pristan/core/audit_witness.py): the chain's head, written after it moves
# to the key store's database and to this append-only file ("": audit-witness.log in PRISTAN_VAR_DIR),
# at most once a second per process. Keep the file where the case database's users cannot write
# (or ship it off the machine); PRISTAN_AUDIT_WITNESS_SYSLOG (e.g. /dev/log) also sends each line
# to the system log.
PRISTAN_AUDIT_WITNESS_FILE = env_str("PRISTAN_AUDIT_WITNESS_FILE", "")
PRISTAN_AUDIT_WITNESS_INTERVAL = env_fraction("PRISTAN_AUDIT_WITNESS_INTERVAL", 1.0)
# The witness's lines go to the system log only when asked (else one a second would fill the console).
_witness_syslog = env_str("PRISTAN_AUDIT_WITNESS_SYSLOG", "")
if _witness_syslog:
    LOGGING["handlers"]["audit_witness_syslog"] = {"class": "logging.handlers.SysLogHandler", "address": _witness_syslog}  # type: ignore[index]
LOGGING["loggers"] = {
    "pristan.audit.witness": {
        "handlers": ["audit_witness_syslog"] if _witness_syslog else [],
        "level": "INFO",
        "propagate": False,
    }
}
