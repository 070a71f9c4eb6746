from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    name = "pristan.research"
    verbose_name = _("Research data")

    def ready(self) -> None:
        from pristan.research import console, signals  # noqa: F401 - signals connects its receivers

        console.register_export_format()
