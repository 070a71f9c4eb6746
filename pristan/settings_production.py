"""The production profile: everything from settings.py, hardened. A long, random secret key is required."""

from pristan.env import env_bool, env_int, env_secret_key, env_secret_list, secret_keys_checked
from pristan.settings import *  # noqa: F403
from pristan.settings import MIDDLEWARE

DEBUG = False
# Refused while the settings load, so that every way in (pristan start, gunicorn, pristan worker, any
# command) stops: the audit chain's key and the API tokens' digests derive from it (pristan/env.py).
SECRET_KEY = env_secret_key("PRISTAN_SECRET_KEY")
SECRET_KEY_FALLBACKS = secret_keys_checked(env_secret_list("PRISTAN_SECRET_KEY_FALLBACKS"), "PRISTAN_SECRET_KEY_FALLBACKS")
PRISTAN_KEY_FILE_AUTOCREATE = False  # a missing key must stop Pristan, not start a new keyring
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("PRISTAN_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("PRISTAN_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
PRISTAN_PRODUCTION = True

# Static files are served by Pristan itself (WhiteNoise, right after the security middleware, so
# HTTPS and HSTS apply to them too), from STATIC_ROOT, which `pristan start` fills at every start.
_after_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE = [*MIDDLEWARE[:_after_security], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[_after_security:]]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# A load balancer probes /health/ on the server itself, over plain HTTP: answer it there.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
