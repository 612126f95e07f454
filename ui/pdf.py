"""One-page-style PDF reports of forms (fpdf2): a title, a line of context, then labelled sections."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fpdf import FPDF

# The core PDF fonts speak Latin-1; map the punctuation people type most, drop what cannot be shown.
_REPLACE = {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "→": "->", "•": "-"}


def _latin1(text: object) -> str:
    value = "" if text is None else str(text)
    value = "".join(_REPLACE.get(ch, ch) for ch in value)
    value = unicodedata.normalize("NFKC", value)
    return value.encode("latin-1", "replace").decode("latin-1")


@dataclass
class PdfSection:
    heading: str
    rows: list[tuple[str, object]] = field(default_factory=list)  # label -> value, as a two-column list
    text: str | None = None  # a paragraph after the rows


def render_pdf(
    title: str, context: str, sections: list[PdfSection], *, footer: str = "CoP Dashboard"
) -> bytes:
    """The PDF bytes of a report; long text wraps, pages break by themselves."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(_latin1(title))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, _latin1(title), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font("Helvetica", "", 10)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(0, 5, _latin1(context), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(0, 0, 0)
    for section in sections:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, _latin1(section.heading), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_draw_color(200, 200, 200)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(1)
        for label, value in section.rows:
            pdf.set_font("Helvetica", "B", 10)
            pdf.cell(60, 6, _latin1(label))
            pdf.set_font("Helvetica", "", 10)
            pdf.multi_cell(0, 6, _latin1(value) or "-", new_x="LMARGIN", new_y="NEXT", align="L")
        if section.text:
            pdf.set_font("Helvetica", "", 10)
            pdf.multi_cell(0, 5, _latin1(section.text), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(4)
    pdf.set_font("Helvetica", "I", 8)
    pdf.set_text_color(120, 120, 120)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    pdf.multi_cell(0, 4, _latin1(f"{footer} - printed {stamp}"), new_x="LMARGIN", new_y="NEXT", align="L")
    return bytes(pdf.output())
