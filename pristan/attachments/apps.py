from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttachmentsConfig(AppConfig):
    name = "pristan.attachments"
    verbose_name = _("Attachments")

    def ready(self) -> None:
        from pristan.attachments.services import erasure_of_person
        from pristan.erasure.signals import person_erased

        person_erased.connect(erasure_of_person, dispatch_uid="attachments-erasure")
