"""The `pristan` command: every manage.py command, plus Pristan's own (demo, generate, start, …)."""

import os
import sys


def main() -> None:
    # `pristan start` serves production: it takes the production profile unless told otherwise.
    profile = "pristan.settings_production" if sys.argv[1:2] == ["start"] else "pristan.settings"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", profile)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
