from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from pristan.env import secret_keys_checked


def keyring_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Pristan does not start without its keys: every sealed value would be unreadable."""
    from pristan.keystore.integrity import KeyFileMissing
    from pristan.keystore.services import keyring

    try:
        keyring()
    except KeyFileMissing as error:  # a new key file would open none of the data: the message says what to do
        return [checks.Error(str(error), id="pristan.E001")]
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), hint="See README, Keys: `pristan keys init` writes a key file.", id="pristan.E001")]
    return []


def secret_key_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """In production, SECRET_KEY and every key of SECRET_KEY_FALLBACKS must be long and random. The production
    profile refuses a weak PRISTAN_SECRET_KEY while it loads; this also covers a settings module of an
    installation's own that builds on it and sets either setting itself."""
    if not settings.PRISTAN_PRODUCTION:
        return []
    try:
        secret_keys_checked([settings.SECRET_KEY], "SECRET_KEY")
        secret_keys_checked([str(key) for key in settings.SECRET_KEY_FALLBACKS], "SECRET_KEY_FALLBACKS")
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="pristan.E010")]
    return []


class KeystoreConfig(AppConfig):
    name = "pristan.keystore"
    verbose_name = _("Key store")

    def ready(self) -> None:
        checks.register(keyring_check)
        checks.register(secret_key_check)
