"""The departure manifest: one printable PDF per date and route, in the reader's language.

Names are printed exactly as written (Cyrillic or Latin) with their Latin transliteration beside
them; fonts, footer and language come from pristan.core.pdf, dates and times are written as on the
pages (pristan.core.dates). What is printed comes from `selectors.manifest_movements`: document
numbers only for readers granted the summary section, escort needs without medical detail.
"""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from pristan.core.dates import day_text, moment_text
from pristan.core.geography import country_name
from pristan.core.pdf import BOLD, FAMILY, document
from pristan.movements.selectors import ManifestMovement


def render_manifest(*, day: date, route: str, movements: list[ManifestMovement], printed_by: str) -> bytes:
    """The manifest as PDF bytes."""
    origin, _sep, destination = route.partition("-")
    title = _("Departure manifest")
    footer = _("Confidential: personal data. Printed on %(when)s by %(who)s.") % {
        "when": moment_text(timezone.now()), "who": printed_by,
    }  # fmt: skip
    pdf = document(title=title, footer=footer, landscape=True)

    pdf.set_font(FAMILY, "B", 16)
    pdf.cell(0, 9, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=11)
    pdf.cell(0, 6, f"{_('Date')}: {day_text(day)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 6, f"{_('Route')}: {country_name(origin)} → {country_name(destination)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    travellers = sum(len(item.travellers) for item in movements)
    summary = _("Movements: %(movements)s. Travellers: %(travellers)s.") % {
        "movements": len(movements), "travellers": travellers,
    }  # fmt: skip
    pdf.cell(0, 6, summary, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    for item in movements:
        _movement(pdf, item)
    return bytes(pdf.output())


def _movement(pdf: FPDF, item: ManifestMovement) -> None:
    movement = item.movement
    pdf.ln(4)
    pdf.set_font(FAMILY, "B", 12)
    heading = f"{movement.label} · {movement.get_kind_display()} · {_('Stage')}: {movement.get_stage_display()}"
    pdf.cell(0, 7, heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=9)
    reception = movement.receiving_office or movement.receiving_partner
    if reception:
        pdf.cell(0, 5, f"{_('Received by')}: {reception}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    people = (_("Case"), _("Name"), _("Name in Latin script"), _("Travel documents"), _("Escort"))
    with pdf.table(col_widths=(34, 55, 50, 94, 40), headings_style=BOLD, line_height=5, text_align="LEFT") as table:
        row = table.row()
        for text in people:
            row.cell(text)
        for traveller in item.travellers:
            row = table.row()
            row.cell(traveller.case.reference)
            row.cell(traveller.name)
            row.cell(traveller.name_latin)
            documents = [
                f"{document.kind}, {document.status}" + (f", № {document.number}" if document.number else "")
                for document in traveller.documents
            ]
            row.cell("\n".join(documents) or _("None recorded"))
            row.cell(traveller.escort or _("Not assessed"))

    pdf.ln(2)
    route = (_("Leg"), _("From"), _("To"), _("Carrier"), _("Flight or bus number"), _("Departs"), _("Arrives"),
             _("Transit assistance"))  # fmt: skip
    with pdf.table(col_widths=(12, 50, 50, 38, 30, 30, 30, 33), headings_style=BOLD, line_height=5, text_align="LEFT") as table:
        row = table.row()
        for text in route:
            row.cell(text)
        for leg in item.legs:
            row = table.row()
            row.cell(str(leg.order))
            row.cell(f"{leg.from_city}, {country_name(leg.from_country)}")
            row.cell(f"{leg.to_city}, {country_name(leg.to_country)}")
            row.cell(leg.carrier)
            row.cell(leg.number)
            row.cell(moment_text(leg.departs_at))
            row.cell(moment_text(leg.arrives_at))
            row.cell(_("Yes") if leg.transit_assistance else _("No"))
