from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MovementsConfig(AppConfig):
    name = "pristan.movements"
    verbose_name = _("Movements")

    def ready(self) -> None:
        from pristan.erasure.signals import person_erased
        from pristan.movements.services import erasure_of_traveller

        person_erased.connect(erasure_of_traveller, dispatch_uid="movements-erasure")
