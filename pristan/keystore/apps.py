from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KeystoreConfig(AppConfig):
    name = "pristan.keystore"
    verbose_name = _("Key store")
