"""The printable case summary: one PDF of a case in the reader's language, holding only what the
reader may see of it, by the same rules as the case pages (pristan.core.access): a part of the case
only where the reader is granted its section, and within it only the records `visible_in_sections`
lists (a medical service only with health; a partner only the services referred to it).

Names are printed exactly as written, with their Latin transliteration beside them where the
script differs; every page carries a confidentiality footer naming who printed it and when.
Printing is recorded like a read (trail.record_print) by the view, with the sections printed.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from pristan.assistance.selectors import services_visible
from pristan.cases.models import Case, ConsentPurpose
from pristan.cases.selectors import consents_for, flags_in_force
from pristan.core import access, geography, vocabularies
from pristan.core.dates import day_text, moment_text
from pristan.core.pdf import BOLD, FAMILY, Document, document
from pristan.core.policy import Section

NOTES_PRINTED = 20  # the newest notes; the whole list is on the case page


@dataclass
class _Summary:
    pdf: Document
    printed: list[Section] = field(default_factory=list)

    def heading(self, section: Section) -> None:
        self.printed.append(section)
        self.pdf.ln(3)
        self.pdf.paragraph(str(section.label), size=13, bold=True, height=7)

    def facts(self, rows: list[tuple[str, str]]) -> None:
        self.pdf.set_font(FAMILY, size=10)
        with self.pdf.table(col_widths=(60, 130), first_row_as_headings=False, line_height=5, text_align="LEFT") as table:
            for label, value in rows:
                row = table.row()
                row.cell(label, style=BOLD)
                row.cell(value or "—")

    def table(self, headings: list[str], rows: list[list[str]], widths: tuple[int, ...]) -> None:
        if not rows:
            self.pdf.paragraph(_("Nothing recorded."))
            return
        self.pdf.set_font(FAMILY, size=9)
        with self.pdf.table(col_widths=widths, headings_style=BOLD, line_height=5, text_align="LEFT") as table:
            row = table.row()
            for text in headings:
                row.cell(text)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value or "—")


def person_name(user: User) -> str:
    return user.get_full_name() or user.username


def case_summary_pdf(*, user: User, case: Case) -> tuple[bytes, list[Section]]:
    """The summary as PDF bytes, and the sections it printed. `case` was opened by `access.case_for`."""
    granted = access.visible_sections(user, case)
    title = _("Case summary %(reference)s") % {"reference": case.reference}
    footer = _("Confidential: contains personal data of a person assisted. Printed by %(who)s on %(when)s.") % {
        "who": person_name(user), "when": moment_text(timezone.now()),
    }  # fmt: skip
    summary = _Summary(document(title=title, footer=footer))
    summary.pdf.paragraph(title, size=16, bold=True, height=9)
    _summary(summary, user, case)
    if Section.CONSENT in granted:
        _consent(summary, case)
    if Section.SCREENING in granted:
        _screening(summary, user, case)
    if Section.ASSISTANCE in granted:
        _assistance(summary, user, case)
    if Section.NOTES in granted:
        _notes(summary, user, case)
    return bytes(summary.pdf.output()), summary.printed


def _summary(summary: _Summary, user: User, case: Case) -> None:
    person = case.person
    summary.heading(Section.SUMMARY)
    name = person.full_name
    rows = [(_("Name"), name)]
    if person.name_latin and person.name_latin != name:
        rows.append((_("Name in Latin script"), person.name_latin))
    if person.other_names:
        rows.append((_("Other names"), person.other_names))
    born = ""
    if person.date_of_birth:
        born = day_text(person.date_of_birth) + (f" ({_('estimated')})" if person.date_of_birth_estimated else "")
    rows += [
        (_("Gender"), vocabularies.label("prs_Gender", person.gender) if person.gender else ""),
        (_("Date of birth"), born),
        (_("Citizenships"), ", ".join(geography.country_name(code) for code in person.citizenships or [])),
    ]
    if person.guardian_name:
        rows.append((_("Guardian"), person.guardian_name))
    rows += [
        (_("Office"), str(case.office)),
        (_("Status"), vocabularies.label("cas_Status", case.status)),
        (_("Stage"), case.get_stage_display()),
        (_("Caseworker"), person_name(case.owner) if case.owner else ""),
        (_("Opened on"), day_text(case.opened_on)),
    ]
    if case.closed_on:
        rows.append((_("Closed on"), f"{day_text(case.closed_on)} · {case.get_closure_reason_display()}"))
    rows.append((_("Minor at registration"), _("Yes") if case.minor_at_registration else _("No")))
    summary.facts(rows)
    flags = flags_in_force(user=user, case=case, today=timezone.localdate())  # only those of sections the reader is granted
    if flags:
        summary.pdf.ln(2)
        summary.pdf.paragraph(_("Flags"), bold=True)
        summary.table(
            [_("Flag"), _("Why"), _("Set by"), _("Set on"), _("Expires on")],
            [
                [
                    flag.get_kind_display(),
                    flag.reason,
                    person_name(flag.set_by),
                    day_text(flag.set_at),
                    day_text(flag.expires_on) if flag.expires_on else "",
                ]
                for flag in flags
            ],
            (40, 60, 35, 25, 30),
        )


def _consent(summary: _Summary, case: Case) -> None:
    summary.heading(Section.CONSENT)
    rows = []
    for purpose, event in consents_for(case).items():
        if event is None:
            state = _("Not recorded")
        else:
            given = _("Given") if event.given else _("Refused")
            state = f"{given} · {day_text(event.on)}"
        rows.append((str(ConsentPurpose(purpose).label), state))
    summary.facts(rows)


def _screening(summary: _Summary, user: User, case: Case) -> None:
    summary.heading(Section.SCREENING)
    screenings = case.screenings.select_related("screened_by").order_by("-screened_on", "-id")
    screenings = access.visible_in_sections(user, case, screenings)
    summary.table(
        [_("Date of screening"), _("Indicator list"), _("Decision"), _("Screened by")],
        [
            [
                day_text(item.screened_on),
                item.get_indicator_list_display(),
                vocabularies.label("vic_TraffickingStatus", item.decision),
                person_name(item.screened_by),
            ]
            for item in screenings
        ],
        (30, 55, 65, 40),
    )


def _assistance(summary: _Summary, user: User, case: Case) -> None:
    summary.heading(Section.ASSISTANCE)
    services = services_visible(user=user, case=case).order_by("starts_on", "id")
    summary.table(
        [_("Service"), _("Status"), _("Provider"), _("Starts on"), _("Ends on")],
        [
            [
                item.get_kind_display(),
                item.get_status_display(),
                str(item.provider or ""),
                day_text(item.starts_on) if item.starts_on else "",
                day_text(item.ends_on) if item.ends_on else "",
            ]
            for item in services
        ],
        (55, 35, 50, 25, 25),
    )


def _notes(summary: _Summary, user: User, case: Case) -> None:
    summary.heading(Section.NOTES)
    notes = access.visible_in_sections(user, case, case.notes.select_related("author")).order_by("-created_at", "-id")
    for note in notes[:NOTES_PRINTED]:
        summary.pdf.paragraph(f"{moment_text(note.created_at)} · {person_name(note.author)}", size=9, bold=True)
        summary.pdf.paragraph(note.text, size=9)
        summary.pdf.ln(1)
    tasks = access.visible_in_sections(user, case, case.tasks.filter(done_at__isnull=True).select_related("assignee"))
    summary.pdf.paragraph(_("Open tasks"), bold=True)
    summary.table(
        [_("Task"), _("Due on"), _("Assigned to")],
        [[task.title, day_text(task.due_on), person_name(task.assignee)] for task in tasks.order_by("due_on", "id")],
        (110, 35, 45),
    )
