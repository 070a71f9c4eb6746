"""XLSX workbooks, inspected before openpyxl opens them.

An XLSX file is a zip archive of XML parts. openpyxl trusts it: it loads the shared strings and
every part but the worksheets whole, and a part that inflates 400 times held an upload for five
minutes and 850 MB. So the archive's central directory and every XML part are checked first, by
their declared sizes and by a cheap pass over their bytes, and only then handed to openpyxl.

Why the declared sizes bound what is read: CPython's zipfile reads a member with ZipExtFile,
which starts from the central directory's file_size (`self._left = zipinfo.file_size`) and cuts
every decompressed block to what is left (`data = data[:self._left]`, then EOF at zero; see
ZipExtFile._read1 in Lib/zipfile.py, 3.11 to 3.13). A member that inflates past its declared size
is therefore cut there (and fails its CRC check), never read further. Deflate decompresses in
bounded steps (decompress(data, n)); bzip2 and LZMA do not, and Excel never uses them: refused.
"""

import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any, BinaryIO

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from pristan.interchange.readers.limits import (
    LIMITS,
    NOT_XLSX,
    TOO_LARGE_ROW,
    TOO_LONG_CELL,
    TOO_MANY_COLUMNS,
    TOO_MANY_ROWS,
    XLSX_BROKEN,
    XLSX_COMPRESSION,
    XLSX_DTD,
    XLSX_LONG_TOKEN,
    XLSX_MEMBERS,
    XLSX_PART_TOO_LARGE,
    XLSX_RATIO,
    XLSX_STRINGS,
    XLSX_TOO_LARGE,
    XLSX_UNREADABLE,
    MiB,
    UnreadableFile,
    refusal,
)

# openpyxl parses with defusedxml when it is installed (it is a dependency of Pristan): entity
# declarations (billion laughs) and external entities are refused. Checked here so that an
# environment without it (or with OPENPYXL_DEFUSEDXML=False) fails loudly rather than quietly.
assert openpyxl.DEFUSEDXML, "openpyxl must parse with defusedxml: install defusedxml"

CHUNK = 64 * 1024
END_OF_DIRECTORY = b"PK\x05\x06"
END_RECORD = struct.Struct("<4s4H2LH")  # signature, disks, entries here, entries in all, size, offset, comment
WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
SHARED_STRINGS = re.compile(r"xl/sharedStrings[^/]*\.xml")
ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
STRING_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
XML_PART = (".xml", ".rels", ".vml")
# What openpyxl raises on a damaged workbook: malformed XML (ParseError is a SyntaxError),
# defusedxml's refusals (ValueError), missing parts (KeyError), attributes of the wrong type.
BROKEN = (OSError, EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError, SyntaxError, RecursionError,
          zipfile.BadZipFile, zlib.error, struct.error, InvalidFileException)  # fmt: skip


def _mib(size: int) -> int:
    return -(-size // MiB)


def _check_directory(stream: BinaryIO) -> None:
    """The end-of-directory record, read before zipfile reads the whole directory into memory."""
    size = stream.seek(0, 2)
    tail_start = max(0, size - (END_RECORD.size + 0xFFFF))
    stream.seek(tail_start)
    tail = stream.read()
    at = tail.rfind(END_OF_DIRECTORY)
    if at < 0 or len(tail) - at < END_RECORD.size:
        raise UnreadableFile(NOT_XLSX)
    _signature, _disk, _start, _here, entries, directory, _offset, _comment = END_RECORD.unpack_from(tail, at)
    if entries > LIMITS.members:  # 0xFFFF (ZIP64) included: no workbook needs 65,535 parts
        raise refusal(XLSX_MEMBERS, count=entries, limit=LIMITS.members)
    if directory > LIMITS.directory:
        raise UnreadableFile(NOT_XLSX)
    stream.seek(0)


def inspect(stream: BinaryIO) -> None:
    """Refuse a workbook that is not a zip archive, or whose parts would cost more than the limits."""
    try:
        _check_directory(stream)
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
            if len(members) > LIMITS.members:
                raise refusal(XLSX_MEMBERS, count=len(members), limit=LIMITS.members)
            total = 0
            for member in members:
                _check_member(member)
                total += member.file_size
                if total > LIMITS.archive:
                    raise refusal(XLSX_TOO_LARGE, size=_mib(total), limit=_mib(LIMITS.archive))
            for member in members:
                if member.filename.endswith(XML_PART):
                    try:
                        with archive.open(member) as part:
                            _scan(member.filename, part)
                    except (zipfile.BadZipFile, EOFError, zlib.error) as error:  # a bad CRC: a size that lied
                        raise refusal(XLSX_BROKEN, part=member.filename) from error
    except UnreadableFile:
        raise
    # zipfile's own ways of refusing an archive: NotImplementedError for a compression method it lacks,
    # RuntimeError for an encrypted member (both are refused earlier by _check_member; kept as a net).
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, zlib.error, struct.error,
            NotImplementedError, RuntimeError):  # fmt: skip
        raise UnreadableFile(NOT_XLSX) from None
    stream.seek(0)


def _check_member(member: zipfile.ZipInfo) -> None:
    name = member.filename
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or member.flag_bits & 0x1:
        raise refusal(XLSX_COMPRESSION, part=name)
    if WORKSHEET.fullmatch(name):
        limit = LIMITS.member
    elif SHARED_STRINGS.fullmatch(name):
        limit = LIMITS.shared_strings
    else:
        limit = LIMITS.other_part
    if member.file_size > limit:
        raise refusal(XLSX_PART_TOO_LARGE, part=name, size=_mib(member.file_size), limit=_mib(limit))
    if member.file_size > LIMITS.ratio_from and member.file_size > LIMITS.ratio * max(member.compress_size, 1):
        ratio = member.file_size // max(member.compress_size, 1)
        raise refusal(XLSX_RATIO, part=name, ratio=ratio, limit=LIMITS.ratio)


def _scan(name: str, part: IO[bytes]) -> None:
    """One pass over an XML part's bytes, at the speed of bytes.find: no text or tag longer than a
    cell, no DTD, and, in a worksheet, no stretch between two rows that openpyxl would hold as a
    tree larger than the row limits; in the shared strings, no more strings than the limit."""
    worksheet, strings = bool(WORKSHEET.fullmatch(name)), bool(SHARED_STRINGS.fullmatch(name))
    carry = b""  # from the last "<" of what was read: a tag perhaps incomplete
    rows = tags = size = count = 0
    while chunk := part.read(CHUNK):
        buffer = carry + chunk
        last = buffer.rfind(b"<")
        if last < 0:
            last = 0
        region, carry = buffer[:last], buffer[last:]
        if len(carry) > LIMITS.token:
            raise refusal(XLSX_LONG_TOKEN, part=name, limit=LIMITS.cell)
        if DECLARATION.search(buffer):
            raise refusal(XLSX_DTD, part=name)
        if strings:
            count += sum(1 for _match in STRING_START.finditer(region))
            if count > LIMITS.strings:
                raise refusal(XLSX_STRINGS, limit=LIMITS.strings)
        if worksheet:
            start = 0
            for match in ROW_START.finditer(region):
                tags += region.count(b"<", start, match.start())
                size += match.start() - start
                _check_row(rows, tags, size)
                rows, tags, size, start = rows + 1, 0, 0, match.start()
            tags += region.count(b"<", start)
            size += len(region) - start
            _check_row(rows, tags, size)
    if worksheet:
        _check_row(rows, tags + carry.count(b"<"), size + len(carry))


def _check_row(row: int, tags: int, size: int) -> None:
    if tags > LIMITS.row_tags:
        raise refusal(TOO_MANY_COLUMNS, row=max(row, 1), limit=LIMITS.columns)
    if size > LIMITS.row_chars * 4:
        raise refusal(TOO_LARGE_ROW, row=max(row, 1), limit=LIMITS.row_chars)


def workbook(stream: BinaryIO) -> openpyxl.Workbook:
    inspect(stream)
    try:
        with warnings.catch_warnings():  # the single-select variant's list validations, which reading does not need
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except BROKEN as error:
        raise _broken(error) from None


def _broken(error: BaseException) -> UnreadableFile:
    if isinstance(error, (zipfile.BadZipFile, InvalidFileException)):
        return UnreadableFile(NOT_XLSX)
    return UnreadableFile(XLSX_UNREADABLE)


def sheet_rows(stream: BinaryIO, first: int, last: int | None = None) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) of the first worksheet from row `first`, each row checked; the
    worksheet's declared <dimension> ignored (a lying A1:XFD1048576 would pad every row)."""
    book = workbook(stream)
    try:
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()
            found = sheet.iter_rows(min_row=first, max_row=last, values_only=True)
        except BROKEN as error:
            raise _broken(error) from None
        number = first
        while True:
            try:
                values = next(found, None)
            except BROKEN as error:
                raise _broken(error) from None
            if values is None:
                return
            if number > LIMITS.rows:
                raise refusal(TOO_MANY_ROWS, limit=LIMITS.rows)
            if len(values) > LIMITS.columns:
                raise refusal(TOO_MANY_COLUMNS, row=number, limit=LIMITS.columns)
            for index, value in enumerate(values):
                if isinstance(value, str) and len(value) > LIMITS.cell:
                    raise refusal(TOO_LONG_CELL, row=number, column=get_column_letter(index + 1), length=len(value),
                                  limit=LIMITS.cell)  # fmt: skip
            yield number, list(values)
            number += 1
    finally:
        book.close()
