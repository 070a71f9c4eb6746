"""The demo commands refuse to run under the production profile.

`pristan demo` creates accounts whose password is printed in the README, and `pristan generate`
invents persons; neither belongs on a server with real people's records. The refusal comes before
the system checks and before the generator is imported, so it holds on a server installed without
the `demo` extra (no Faker) and writes nothing.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from pristan.core.management.translated import TranslatedCommand
from pristan.interchange.console import language_from_environment


class DemoCommand(TranslatedCommand):
    command_name = ""  # as typed after `pristan`, for the message

    def execute(self, *args: Any, **options: Any) -> str | None:
        if settings.PRISTAN_PRODUCTION:
            with translation.override(language_from_environment()):
                raise CommandError(
                    _(
                        "`pristan %(command)s` does not run on a production server (%(settings)s): it makes up persons "
                        "and demo accounts whose password is published. Nothing was written."
                    )
                    % {"command": self.command_name, "settings": settings.SETTINGS_MODULE}
                )
        return super().execute(*args, **options)
