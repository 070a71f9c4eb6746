from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def keyring_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Pristan does not start without its keys: every sealed value would be unreadable."""
    from pristan.keystore.services import keyring

    try:
        keyring()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), hint="See README, Keys: `pristan keys init` writes a key file.", id="pristan.E001")]
    return []


class KeystoreConfig(AppConfig):
    name = "pristan.keystore"
    verbose_name = _("Key store")

    def ready(self) -> None:
        checks.register(keyring_check)
