"""The formats of `pristan export`. Each is a function that writes the file for a user and says
what it wrote. The HTCDS layouts are registered here; other apps register their own from their
AppConfig.ready(), for example the CTDC research layout:

    from pristan.interchange.registry import CommandFormat, register
    register("ctdc", CommandFormat(help=..., run=write_ctdc, arguments=add_k_argument))

`arguments` adds the format's own options (such as --k) to the command's parser.
"""

from argparse import ArgumentParser
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class ExportRequest:
    actor: User
    output: Path
    passphrase: str | None  # None when the format writes no identifiable data and needs none
    purpose: str
    options: dict[str, Any] = field(default_factory=dict)  # every option of the command line


@dataclass(frozen=True)
class CommandFormat:
    help: StrOrPromise
    run: Callable[[ExportRequest], str]  # returns the line the command prints
    arguments: Callable[[ArgumentParser], None] | None = None
    needs_passphrase: bool = True


FORMATS: dict[str, CommandFormat] = {}


def register(name: str, command_format: CommandFormat) -> None:
    FORMATS[name] = command_format
