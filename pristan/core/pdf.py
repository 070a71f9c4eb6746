"""What every PDF Pristan prints shares (the departure manifest, the case summary): the fonts, the
document's language and title, and a confidentiality footer on every page.

Names are printed exactly as written, in whatever script the records hold (Cyrillic or Latin), in
DejaVu Sans (bundled in fonts/, with its licence). Dates and times in a PDF are written as on the
pages, through pristan.core.dates.
"""

from pathlib import Path

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVuSans"
BOLD = FontFace(emphasis="BOLD")


class Document(FPDF):
    """A4 in DejaVu Sans, with `footer_text` and the page number at the foot of every page."""

    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.multi_cell(0, 4, f"{self.footer_text}   ·   {page}", align="C")

    def paragraph(self, text: str, *, size: int = 10, bold: bool = False, height: float = 5) -> None:
        """A paragraph of its own, wrapped to the page's width."""
        self.set_font(FAMILY, "B" if bold else "", size)
        self.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def document(*, title: str, footer: str, landscape: bool = False) -> Document:
    """A new document in the active language, its first page added."""
    pdf = Document(orientation="L" if landscape else "P", format="A4")
    pdf.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(title)
    pdf.set_lang(get_language() or "en")
    pdf.set_creator("Pristan")
    pdf.footer_text = footer
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    return pdf
