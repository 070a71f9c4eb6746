"""What the import and export commands print, shared with nothing else but kept out of the
command modules (`import` cannot be imported by name)."""

import os

from django.utils.translation import gettext as _

from pristan.interchange.services import Preview


def language_from_environment() -> str:
    """The language of LANGUAGE, LC_ALL, LC_MESSAGES or LANG (bg_BG.UTF-8 -> bg), if Pristan speaks it."""
    from django.conf import settings

    spoken = {code for code, _name in settings.LANGUAGES}
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        for each in value.split(":"):
            code = each.split(".")[0].replace("_", "-").lower()
            if code == "sr-rs@latin" or code.endswith("@latin"):
                code = "sr-latn"
            for candidate in (code, code.split("-")[0]):
                if candidate in spoken:
                    return candidate
    return settings.LANGUAGE_CODE


def describe(preview: Preview) -> list[str]:
    """The preview as the page shows it, line by line."""
    lines = [
        _(
            "Rows: %(rows)d. To create: %(create)d. To update: %(update)d. Unchanged, to skip: %(skip)d. "
            "With problems: %(invalid)d."
        )
        % {"rows": preview.rows, "create": preview.to_create, "update": preview.to_update, "skip": preview.to_skip,
           "invalid": preview.invalid},
    ]  # fmt: skip
    if preview.ignored_columns:
        lines.append(_("Columns Pristan does not keep: %(columns)s") % {"columns": ", ".join(preview.ignored_columns)})
    for problem in preview.problems:
        lines.append(
            _("Row %(row)d, column %(column)s, value “%(value)s”: %(message)s")
            % {"row": problem.row, "column": problem.column or "—", "value": problem.value, "message": problem.message}
        )
    if preview.problem_count > len(preview.problems):
        lines.append(_("… and %(count)d more problems.") % {"count": preview.problem_count - len(preview.problems)})
    return lines
