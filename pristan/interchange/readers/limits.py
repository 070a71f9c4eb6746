"""How much of a file Pristan will read, and the refusals when a file asks for more.

Import files come from anyone allowed to import, so every reader checks these bounds while it
reads, before it allocates anything large: a file that breaks one is refused with a message that
says what and where, never with a server error or an exhausted worker. The values are generous
for every file an organisation makes (the official HTCDS spreadsheets, Pristan's exports, ODK
Central and KoboToolbox exports of the official XLSForm) and small for a server.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    # ODK nests a submission's groups a few levels (group/subgroup/repeat); 16 is four times the
    # deepest official XLSForm export, and stops a file nested 100,000 deep at its 17th level.
    depth: int = 16
    # The official spreadsheet has 39 columns (its single-select variant 40); the official
    # XLSForm exported by KoboToolbox with one 0/1 column per option of every one of its 331
    # choices is under 400 (34 questions, metadata): five times that.
    columns: int = 2_000
    # Excel's own limits: a sheet has at most 1,048,576 rows, a cell at most 32,767 characters.
    rows: int = 1_048_576
    cell: int = 32_767
    # A column name (a JSON key path such as group_person/prs_First_Name, a CSV header): HTCDS
    # names are under 50 characters, ODK group paths a few hundred.
    name: int = 1_024
    # One row or record in all: 40 HTCDS columns of long notes are well under a million
    # characters; 4 Mi characters is at most 16 MiB of memory for the row being read.
    row_chars: int = 4 * 1024 * 1024
    # Scalar values in one JSON record (ODK repeat groups arrive as lists of values).
    record_values: int = 32_000
    # XLSX is a zip archive: an Excel workbook has a few dozen parts.
    members: int = 1_000
    # The central directory is read whole by zipfile before any check: a few dozen bytes a part.
    directory: int = 1 * MiB
    # A worksheet is read as a stream (one row at a time), so it may be large...
    member: int = 1024 * MiB
    archive: int = 2048 * MiB
    # ...but openpyxl keeps the shared strings whole in memory, and parses every other part
    # (workbook, styles, relationships) into a whole tree.
    shared_strings: int = 64 * MiB
    strings: int = 1_048_576
    other_part: int = 16 * MiB
    # Legitimate XLSX XML compresses 5-30 times, zip bombs 100-1,000 times; a part under 1 MiB
    # cannot hurt whatever its ratio.
    ratio: int = 100
    ratio_from: int = 1 * MiB
    # Within a worksheet, what openpyxl holds as a tree at once is the XML between two <row>
    # starts: at most this many tags (a cell is 2-6 tags: <c>, <v>, <is>, <t>, their ends)...
    row_tags: int = 16 * 2_000
    # ...and this many bytes.
    row_bytes: int = 16 * MiB

    @property
    def token(self) -> int:
        """The longest run of bytes a parser may buffer for one token (a JSON string or number, an
        XML text or tag): a cell of the longest length in UTF-8 or XML-escaped (&quot; is 6 bytes)."""
        return self.cell * 6 + 1024


LIMITS = Limits()

UNREADABLE = _("This file cannot be read. Upload the HTCDS spreadsheet (.xlsx), a CSV file or a JSON file.")
NO_COLUMNS = _("No column of this file is an HTCDS field: is its first row the field names, such as prs_FirstName?")
NOT_UTF8 = _('This file is not UTF-8 text (line %(line)s). Save it again as "CSV UTF-8" and upload it again.')
CSV_BROKEN = _('Line %(line)s of this file cannot be read as CSV. Check its quotes and save it again as "CSV UTF-8".')
CSV_CELL_TOO_LONG = _(
    "A cell on line %(line)s of this file is longer than %(limit)s characters. A cell holds at most %(limit)s characters."
)
TOO_DEEP = _(
    "Record %(record)s of this file nests more than %(limit)s levels deep. Pristan reads records nested at most %(limit)s levels."
)
TOO_DEEP_AT = _(
    "This file nests values more than %(limit)s levels deep (near byte %(offset)s). Pristan reads records"
    " nested at most %(limit)s levels."
)
TOO_LONG_TOKEN = _(
    "This file has a value longer than %(limit)s characters near byte %(offset)s. A cell holds at most %(limit)s characters."
)
TOO_LONG_CELL = _(
    "Row %(row)s, column %(column)s has %(length)s characters; a cell holds at most %(limit)s. Shorten it"
    " and upload the file again."
)
TOO_LONG_NAME = _("Column %(column)s has a name of %(length)s characters; a column name has at most %(limit)s.")
TOO_MANY_COLUMNS = _(
    "Row %(row)s of this file has more than %(limit)s columns. An import file has at most %(limit)s "
    "columns: remove the ones Pristan does not need."
)
TOO_MANY_ROWS = _("This file has more than %(limit)s rows. Split it into files of at most %(limit)s rows.")
TOO_LARGE_ROW = _("Row %(row)s of this file is longer than %(limit)s characters. Shorten its cells or split it.")
TOO_MANY_VALUES = _("Record %(record)s of this file holds more than %(limit)s values. A record holds at most %(limit)s values.")
NOT_XLSX = _(
    "This file is not an Excel workbook (.xlsx), although its name says so. Save it again from Excel as "
    '"Excel Workbook (.xlsx)", without a password, or upload a CSV file.'
)
XLSX_MEMBERS = _(
    "This workbook has %(count)s parts; an Excel workbook has at most %(limit)s. Save it again from Excel, or upload a CSV file."
)
XLSX_PART_TOO_LARGE = _(
    "The part %(part)s of this workbook expands to %(size)s MiB; Pristan reads at most %(limit)s MiB of "
    "it. Split the workbook, or upload a CSV file."
)
XLSX_TOO_LARGE = _("This workbook expands to %(size)s MiB; Pristan reads at most %(limit)s MiB. Split it, or upload a CSV file.")
XLSX_RATIO = _(
    "The part %(part)s of this workbook expands %(ratio)s times; Excel's own parts expand at most "
    "%(limit)s times. Pristan does not read it: save the workbook again from Excel."
)
XLSX_COMPRESSION = _(
    "The part %(part)s of this workbook is packed in a way Excel does not use (encrypted or not "
    "deflated). Save the workbook again from Excel."
)
XLSX_STRINGS = _("This workbook holds more than %(limit)s different texts. Split it, or upload a CSV file.")
XLSX_DTD = _(
    "The part %(part)s of this workbook declares XML entities, which Excel never writes and Pristan does "
    "not read. Save the workbook again from Excel."
)
XLSX_LONG_TOKEN = _(
    "The part %(part)s of this workbook has a text or tag longer than %(limit)s characters. A cell holds "
    "at most %(limit)s characters."
)
XLSX_BROKEN = _("The part %(part)s of this workbook is damaged. Save the workbook again from Excel.")
XLSX_UNREADABLE = _(
    "This workbook is damaged, or holds something Excel does not write, and cannot be read. Save it again from Excel,"
    " or upload a CSV file."
)


class UnreadableFile(ValueError):
    """A file Pristan does not read; `message` is a lazy translation, read in the language in force
    when it is shown (str(error) in the job's language)."""

    def __init__(self, message: StrOrPromise) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def _formatted(message: StrOrPromise, params: dict[str, Any]) -> str:
    return str(message) % params


_lazy_formatted: Callable[..., StrOrPromise] = lazy(_formatted, str)


def refusal(message: StrOrPromise, **params: Any) -> UnreadableFile:
    """The error for `message` with its placeholders, still translated lazily."""
    return UnreadableFile(_lazy_formatted(message, params) if params else message)
