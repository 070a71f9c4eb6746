"""Rows of text kept on disk instead of in memory while a research file is made: a spill (rows
written once, read back once, in the same order) and an external sort (rows sorted a run at a time,
each run spilled, the runs merged as they are read back).

The files are sealed (core/sealed_file.py) under a key made for them that only this process ever
holds: once it ends, for whatever reason, what it left on disk can no longer be read. They live in
a temporary directory of the exports' directory, deleted when the block that made it ends.
"""

from __future__ import annotations

import csv
import heapq
import io
import os
import sys
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, cast

from pristan.core.sealed_file import SealedWriter, open_sealed

Values = tuple[str, ...]
RUN = 10_000  # rows sorted in memory at a time
FAN_IN = 8  # runs merged at a time: each open run holds a chunk of its file in memory


class Spill:
    """Rows written to a sealed file as they come, read back in the same order."""

    def __init__(self, path: Path, key: bytes) -> None:
        self._path, self._key = path, key
        file = path.open("wb")
        sealed = SealedWriter(file, uuid.uuid4(), key, b"pristan.research.spill")
        text = io.TextIOWrapper(cast(BinaryIO, _Sink(sealed)), encoding="utf-8", newline="", write_through=True)
        self._writing: tuple[BinaryIO, SealedWriter, io.TextIOWrapper[BinaryIO]] | None = (file, sealed, text)
        self._csv = csv.writer(text)
        self.count = 0

    def write(self, values: Iterable[str]) -> None:
        self._csv.writerow(values)
        self.count += 1

    def finish(self) -> None:
        """The last row is written: the file is complete and closed, and its writers' buffers freed
        (a text wrapper keeps 128 KiB: many runs waiting to be merged must not each keep theirs)."""
        if self._writing is not None:
            file, sealed, text = self._writing
            text.flush()
            sealed.close()
            file.close()
            self._writing = None
            del self._csv

    def rows(self) -> Iterator[Values]:
        """Every row written, in order."""
        self.finish()
        source = open_sealed(self._path, self._key, b"pristan.research.spill")
        with io.TextIOWrapper(source, encoding="utf-8", newline="") as text:
            # The values come from short fixed lists: interned, a row is a tuple of pointers to shared strings.
            for row in csv.reader(text):
                yield tuple(map(sys.intern, row))


class _Sink(io.RawIOBase):
    def __init__(self, sealed: SealedWriter) -> None:
        super().__init__()
        self._sealed = sealed

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        self._sealed.write(chunk)
        return len(chunk)


class Spills:
    """Where a file's spills go, and the key that seals them (never stored)."""

    def __init__(self, directory: Path) -> None:
        self._directory, self._key = directory, os.urandom(32)

    def new(self) -> Spill:
        return Spill(self._directory / f"{uuid.uuid4()}.spill", self._key)


@contextmanager
def spills(parent: Path) -> Iterator[Spills]:
    with tempfile.TemporaryDirectory(dir=parent, prefix="research-") as directory:
        yield Spills(Path(directory))


class ExternalSort:
    """Rows added in any order, read back sorted; at most RUN rows in memory (and one per run)."""

    def __init__(self, spills: Spills, run: int | None = None) -> None:
        self._spills, self._run = spills, run or RUN
        self._rows: list[Values] = []
        self._runs: list[Spill] = []

    def add(self, row: Values) -> None:
        self._rows.append(row)
        if len(self._rows) >= self._run:
            self._spill()

    def _spill(self) -> None:
        self._rows.sort()
        spill = self._spills.new()
        for row in self._rows:
            spill.write(row)
        spill.finish()
        self._runs.append(spill)
        self._rows = []

    def sorted(self) -> Iterator[Values]:
        self._rows.sort()
        if not self._runs:
            yield from self._rows
            return
        self._spill()
        while len(self._runs) > FAN_IN:  # merged FAN_IN at a time into longer runs, until FAN_IN are left
            merged = self._spills.new()
            for row in heapq.merge(*(run.rows() for run in self._runs[:FAN_IN])):
                merged.write(row)
            merged.finish()
            self._runs = [*self._runs[FAN_IN:], merged]
        yield from heapq.merge(*(run.rows() for run in self._runs))
