from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuplicatesConfig(AppConfig):
    name = "pristan.duplicates"
    verbose_name = _("Possible duplicates")

    def ready(self) -> None:
        from pristan.duplicates.signals import erasure_of_person
        from pristan.erasure.signals import person_erased

        person_erased.connect(erasure_of_person, dispatch_uid="duplicates-erasure")
