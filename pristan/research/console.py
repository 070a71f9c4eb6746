"""The research export on the command line: `pristan research-export`, and `pristan export --format
ctdc` through the interchange registry of formats. Both print the report: counts only."""

from argparse import ArgumentParser
from pathlib import Path

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pristan.research.anonymity import DEFAULT_K, AnonymityReport
from pristan.research.services import ctdc_export_write

K_HELP = gettext_lazy("Publish only combinations of quasi-identifiers shared by at least K records (default: %(default)s).")
FORMAT_HELP = gettext_lazy("The CTDC global-dataset layout, anonymised and k-anonymous, for research (CSV).")


def add_k_argument(parser: ArgumentParser) -> None:
    parser.add_argument("--k", type=int, default=DEFAULT_K, metavar="K", help=str(K_HELP))


def report_lines(report: AnonymityReport) -> list[str]:
    lines = [
        ngettext(
            "%(count)d case with consent to research use was considered.",
            "%(count)d cases with consent to research use were considered.",
            report.considered,
        ) % {"count": report.considered},
        ngettext(
            "%(count)d record published, in groups of at least %(k)d with the same quasi-identifiers.",
            "%(count)d records published, in groups of at least %(k)d with the same quasi-identifiers.",
            report.published,
        ) % {"count": report.published, "k": report.k},
        ngettext(
            "%(count)d record suppressed: it could not be placed in such a group.",
            "%(count)d records suppressed: they could not be placed in such a group.",
            report.suppressed,
        ) % {"count": report.suppressed},
        ngettext(
            "%(count)d published record has at least one value generalised.",
            "%(count)d published records have at least one value generalised.",
            report.generalised_records,
        ) % {"count": report.generalised_records},
    ]  # fmt: skip
    lines += [
        _("  %(quasi_identifier)s → %(step)s: %(count)d") % {"quasi_identifier": item.quasi_identifier, "step": item.step,
                                                             "count": item.records}
        for item in report.generalisations
    ]  # fmt: skip
    lines.append(_("Quasi-identifiers: %(names)s.") % {"names": ", ".join(report.quasi_identifiers)})
    return lines


def write_ctdc(*, actor: User, output: Path, k: int) -> list[str]:
    """Write the CSV to `output` and return the report's lines (a file written is recorded and audited)."""
    try:
        with output.open("wb") as target:  # written as it is made
            written = ctdc_export_write(actor=actor, k=k, target=target)
    except BaseException:
        output.unlink(missing_ok=True)  # half a file is no file
        raise
    return [*report_lines(written.report), _("Written to %(path)s.") % {"path": output}]


def register_export_format() -> None:
    """Make `pristan export --format ctdc` write this export (pristan/interchange/registry.py)."""
    from pristan.interchange.registry import CommandFormat, ExportRequest, register

    def run(request: ExportRequest) -> str:
        return "\n".join(write_ctdc(actor=request.actor, output=request.output, k=int(request.options.get("k") or DEFAULT_K)))

    register("ctdc", CommandFormat(help=FORMAT_HELP, run=run, arguments=add_k_argument, needs_passphrase=False))
