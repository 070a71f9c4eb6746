from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterchangeConfig(AppConfig):
    name = "pristan.interchange"
    verbose_name = _("Import and export in the field's standards")

    def ready(self) -> None:
        from pristan.interchange import htcds_export

        htcds_export.register()
