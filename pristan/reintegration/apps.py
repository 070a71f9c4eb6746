from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReintegrationConfig(AppConfig):
    name = "pristan.reintegration"
    verbose_name = _("Reintegration")

    def ready(self) -> None:
        from pristan.movements.signals import movement_arrived
        from pristan.reintegration.services import arrival_from_movement

        movement_arrived.connect(arrival_from_movement, dispatch_uid="reintegration-arrival")
