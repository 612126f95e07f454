"""One-page-style PDF reports of forms (fpdf2): a title, a line of context, then labelled sections."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby

from fpdf import FPDF
from fpdf.fonts import FontFace

# The core PDF fonts speak Latin-1; map the punctuation people type most, drop what cannot be shown.
_REPLACE = {
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "→": "->",
    "•": "-",
    "œ": "oe",
    "Œ": "OE",
    "€": "EUR",
}
_LABEL_WIDTH = 60  # mm; labels longer than this wrap inside their column
_LONG = 600  # characters; longer values are printed below their label, across the page


def _latin1(text: object) -> str:
    value = "" if text is None else str(text)
    value = "".join(_REPLACE.get(ch, ch) for ch in value)
    value = unicodedata.normalize("NFKC", value)
    # Emoji and other scripts cannot be drawn with the core fonts: leave them out rather than print "?".
    return value.encode("latin-1", "ignore").decode("latin-1")


@dataclass
class PdfSection:
    heading: str
    rows: list[tuple[str, object]] = field(default_factory=list)  # label -> value, as a two-column list
    text: str | None = None  # a paragraph after the rows


def _short_rows(pdf: FPDF, rows: list[tuple[str, object]]) -> None:
    """Label and value side by side; a row is as tall as its taller cell, so both wrap in place."""
    pdf.set_font("Helvetica", "", 10)
    with pdf.table(
        col_widths=(_LABEL_WIDTH, pdf.epw - _LABEL_WIDTH),
        width=pdf.epw,
        first_row_as_headings=False,
        borders_layout="NONE",
        text_align="LEFT",
        v_align="TOP",
        line_height=5,
        padding=(0.6, 1, 0.6, 0),
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(_latin1(label), style=FontFace(emphasis="BOLD"))
            row.cell(_latin1(value) or "-")


def _long_rows(pdf: FPDF, rows: list[tuple[str, object]]) -> None:
    """A table row cannot break across pages: a long answer goes below its label, across the page."""
    for label, value in rows:
        pdf.set_font("Helvetica", "B", 10)
        pdf.multi_cell(0, 6, _latin1(label), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 5, _latin1(value), new_x="LMARGIN", new_y="NEXT", align="L")


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
        for long, run in groupby(section.rows, key=lambda row: len(_latin1(row[1])) > _LONG):
            if long:
                _long_rows(pdf, list(run))
            else:
                _short_rows(pdf, list(run))
        if section.text:
            pdf.set_font("Helvetica", "", 10)
            pdf.multi_cell(0, 5, _latin1(section.text), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(4)
    pdf.set_font("Helvetica", "I", 8)
    pdf.set_text_color(120, 120, 120)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    pdf.multi_cell(0, 4, _latin1(f"{footer} - printed {stamp}"), new_x="LMARGIN", new_y="NEXT", align="L")
    return bytes(pdf.output())
