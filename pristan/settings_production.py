"""The production profile: everything from settings.py, hardened. A secret key is required."""

from pristan.env import env_bool, env_int, env_secret
from pristan.settings import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_secret("PRISTAN_SECRET_KEY")
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
