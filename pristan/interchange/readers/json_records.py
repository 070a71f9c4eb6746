"""JSON import files as a stream of flat records, read with ijson's basic events: a bare list of
records, or the list under "records" (Pristan's export) or "value" (ODK Central's OData).

ijson's items() and parse() build a path string per nesting level (quadratic in the depth), and
flattening nested groups by recursion fails past Python's recursion limit: a file nested 100,000
levels deep took a worker to 22 GB. Here the records are built from the events with an explicit
stack, refused at the first level past the limit, and no token longer than a cell is buffered.
"""

from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import ijson

from pristan.interchange.readers.limits import (
    LIMITS,
    TOO_DEEP,
    TOO_DEEP_AT,
    TOO_LARGE_ROW,
    TOO_LONG_CELL,
    TOO_LONG_NAME,
    TOO_LONG_TOKEN,
    TOO_MANY_COLUMNS,
    TOO_MANY_ROWS,
    TOO_MANY_VALUES,
    UNREADABLE,
    UnreadableFile,
    refusal,
)

Opener = Callable[[], BinaryIO]
BOM = b"\xef\xbb\xbf"
BLANK = b" \t\r\n"  # JSON's whitespace
CHUNK = 64 * 1024
BARE = "item"  # the records are the file's top-level list
CONTAINERS = {"start_map": 1, "start_array": 1, "end_map": -1, "end_array": -1}
OPENING = frozenset({"start_map", "start_array"})
CLOSING = frozenset({"end_map", "end_array"})


class _Resumed:
    """A binary stream whose first bytes, already read, are given back first."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self.head, self.stream = head, stream

    def read(self, size: int = -1) -> bytes:
        if not self.head:
            return self.stream.read(size)
        if size < 0:
            data, self.head = self.head + self.stream.read(), b""
        else:
            data, self.head = self.head[:size], self.head[size:]
        return data


class _Bounded:
    """The parser's input, refused once it has read more than a token's worth since the last event:
    yajl keeps a string, number or run of whitespace whole until it ends, so a 10 MB string (or
    1 GB of blanks) is refused after a few hundred KiB instead of being buffered."""

    def __init__(self, stream: _Resumed) -> None:
        self.stream, self.since, self.offset = stream, 0, 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(CHUNK if size < 0 else size)
        self.since += len(data)
        self.offset += len(data)
        if self.since > LIMITS.token + CHUNK:
            raise refusal(TOO_LONG_TOKEN, limit=LIMITS.cell, offset=self.offset)
        return data


def _start(stream: BinaryIO) -> tuple[bytes, _Resumed]:
    """The first byte that is not blank, after an optional BOM, and the stream from that byte on."""
    head = stream.read(len(BOM))
    head = (b"" if head == BOM else head).lstrip(BLANK)
    blanks = 0
    while not head and (chunk := stream.read(CHUNK)):
        blanks += len(chunk)
        if blanks > LIMITS.token + CHUNK:
            raise refusal(TOO_LONG_TOKEN, limit=LIMITS.cell, offset=blanks)
        head = chunk.lstrip(BLANK)
    return head[:1], _Resumed(head, stream)


def _events(opener: Opener) -> Iterator[tuple[str, Any]]:
    """Every event of the file, each container opening checked against the depth limit (plus the
    two levels of {"records": [...]} and one to spare) so that no part of the file, records or not, nests deeper."""
    with opener() as stream:
        first, rest = _start(stream)
        if first not in (b"[", b"{"):
            raise UnreadableFile(UNREADABLE)
        bounded = _Bounded(rest)
        depth = 0
        try:
            deepest = LIMITS.depth + 3  # the record's own levels are checked in _record, with its number
            for item in ijson.basic_parse(bounded, use_float=True):
                bounded.since = 0
                step = CONTAINERS.get(item[0])
                if step:
                    depth += step
                    if depth > deepest:
                        raise refusal(TOO_DEEP_AT, limit=LIMITS.depth, offset=bounded.offset)
                yield item
        except ijson.JSONError:
            raise UnreadableFile(UNREADABLE) from None


def records_key(opener: Opener) -> str:
    """Where the records are: BARE, or the top-level key "records" (which wins wherever it is) or "value"."""
    events = _events(opener)
    event, _value = next(events, ("", None))
    if event == "start_array":
        return BARE
    starts: dict[str, str] = {}
    depth, key = 1, ""
    for event, value in events:
        if depth == 1 and event == "map_key":
            key = value
            continue
        if depth == 1 and key in ("records", "value"):
            starts.setdefault(key, event)  # the event that opens the key's value
            if key == "records":
                break
        depth += CONTAINERS.get(event, 0)
        key = ""
    found = "records" if "records" in starts else "value"
    if starts.get(found) != "start_array":
        raise UnreadableFile(UNREADABLE)
    return found


def records(opener: Opener, key: str) -> Iterator[dict[str, Any]]:
    """The records one at a time, nested groups flattened to group/name like the CSV export;
    UnreadableFile wherever the file turns out not to be a list of objects, or breaks a limit."""
    events = _events(opener)
    next(events, None)  # the top-level [ or {
    counter = [0]
    if key == BARE:
        yield from _listed(events, counter)
    else:
        depth, current = 1, ""  # the depth in the top-level object, the top-level key being read
        for event, value in events:
            if depth == 1 and event == "map_key":
                current = value
            elif depth == 1 and current == key and event == "start_array":
                yield from _listed(events, counter)
                current = ""
            else:
                depth += CONTAINERS.get(event, 0)
    for _event in events:  # to the end, so that trailing garbage is refused too
        pass


def _listed(events: Iterator[tuple[str, Any]], counter: list[int]) -> Iterator[dict[str, Any]]:
    """The records of a list whose start_array was read, up to its end."""
    for event, _value in events:
        if event == "end_array":
            return
        if event != "start_map":
            raise UnreadableFile(UNREADABLE)
        counter[0] += 1
        if counter[0] > LIMITS.rows:
            raise refusal(TOO_MANY_ROWS, limit=LIMITS.rows)
        yield _record(events, counter[0])


def _record(events: Iterator[tuple[str, Any]], number: int) -> dict[str, Any]:
    """One record, its start_map already read: objects directly in objects flattened to a/b, lists
    (ODK repeat groups) kept as lists, built with a stack of open containers."""
    flat: dict[str, Any] = {}
    # Each open container: [its path prefix when flattened into `flat`, or None; the container
    # itself when built, a dict or a list; the key its next value goes under].
    stack: list[list[Any]] = [["", None, ""]]
    top = stack[0]
    values = chars = 0
    depth, columns, cell, row_chars, most = LIMITS.depth, LIMITS.columns, LIMITS.cell, LIMITS.row_chars, LIMITS.record_values
    for event, value in events:
        if event == "map_key":
            if top[0] is None:
                top[2] = value
                continue
            name = top[0] + value
            if len(name) > LIMITS.name:
                raise refusal(TOO_LONG_NAME, column=name[:80] + "…", length=len(name), limit=LIMITS.name)
            top[2] = name
        elif event in OPENING:
            if len(stack) >= depth:
                raise refusal(TOO_DEEP, record=number, limit=depth)
            if event == "start_map" and top[0] is not None:
                top = [top[2] + "/", None, ""]
            else:
                top = [None, {} if event == "start_map" else [], ""]
            stack.append(top)
        elif event in CLOSING:
            closed = stack.pop()
            if not stack:
                return flat
            top = stack[-1]
            if closed[1] is not None:
                _place(top, flat, closed[1])
        else:
            values += 1
            if values > most:
                raise refusal(TOO_MANY_VALUES, record=number, limit=most)
            if type(value) is str:
                chars += len(value)
                if len(value) > cell:
                    column = next((frame[2] for frame in reversed(stack) if frame[0] is not None), "")
                    raise refusal(TOO_LONG_CELL, row=number, column=column, length=len(value), limit=cell)
                if chars > row_chars:
                    raise refusal(TOO_LARGE_ROW, row=number, limit=row_chars)
            if top[0] is not None:
                flat[top[2]] = value
                if len(flat) > columns:
                    raise refusal(TOO_MANY_COLUMNS, row=number, limit=columns)
            else:
                _place(top, flat, value)
    raise UnreadableFile(UNREADABLE)  # the events ended inside a record: ijson raises first


def _place(frame: list[Any], flat: dict[str, Any], value: Any) -> None:
    if frame[0] is not None:
        flat[frame[2]] = value
    elif isinstance(frame[1], list):
        frame[1].append(value)
    else:
        frame[1][frame[2]] = value


def headers(found: Iterator[dict[str, Any]]) -> list[str]:
    """Every key of the records, in first-seen order; refused past the column limit."""
    keys: dict[str, None] = {}
    for number, record in enumerate(found, start=1):
        keys.update(dict.fromkeys(record))
        if len(keys) > LIMITS.columns:
            raise refusal(TOO_MANY_COLUMNS, row=number, limit=LIMITS.columns)
    return list(keys)
