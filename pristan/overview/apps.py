from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OverviewConfig(AppConfig):
    name = "pristan.overview"
    verbose_name = _("Overview for supervisors")
