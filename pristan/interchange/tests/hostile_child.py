"""The reading child of `hostile.reading`: started from a fork server (a fresh interpreter), so this
module imports nothing of Django's models before it has set Django up."""

import importlib
import os
import resource
from pathlib import Path
from typing import Any

MiB = 1024 * 1024
ALLOWANCE = 256 * MiB  # what a reading may allocate on top of what the process held when it started
CPU_SECONDS = 60  # a hang guard: no reading here takes a tenth of it


def read(path: Path, module_name: str, send: Any) -> None:
    """Read `path` with `open_table` of the module named, then every row, under the ceilings; send
    (error class, message in English, message in Bulgarian, message is lazy, rows read)."""
    import django

    django.setup()
    from django.utils import translation
    from django.utils.functional import Promise

    module = importlib.import_module(module_name)
    with open("/proc/self/statm") as statm:
        virtual = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (virtual + ALLOWANCE, virtual + ALLOWANCE))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 5))
    with translation.override("en"):
        try:
            table = module.open_table(path, path.name)
            rows = sum(1 for _row in table.rows())
        except BaseException as error:  # everything, MemoryError included: the point is to see it
            lazy = isinstance(getattr(error, "message", None), Promise)
            message = str(error)
            with translation.override("bg"):
                bulgarian = str(error)
            send.send((type(error).__name__, message, bulgarian, lazy, 0))
        else:
            send.send(("", "", "", False, rows))
    send.close()
