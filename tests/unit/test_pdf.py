"""Reports render to a PDF whatever people typed (accents, curly quotes, arrows, long text)."""

from __future__ import annotations

from ui.pdf import PdfSection, render_pdf


def test_a_report_with_typographic_characters_and_long_text_renders_to_pdf() -> None:
    pdf = render_pdf(
        "Supportive field visit – GS Nyakarambi",
        "Visit on 2026-11-20 by “UR-CE” facilitator → SBM; café, Ingabire’s class",
        [PdfSection("Coaching", [("Next steps", "Use exit tickets. " * 400)], text="Emoji 📘 are dropped")],
    )
    assert pdf.startswith(b"%PDF-")
    assert pdf.count(b"/Type /Page\n") >= 2 or pdf.count(b"/Type /Page") >= 3  # long text breaks pages


def test_long_labels_and_a_mix_of_short_and_long_values_render() -> None:
    label = "Regularity of CoP sessions observed over the last school term " * 3
    rows = [(label, "4"), ("Notes", "Observed a lesson. " * 300), ("Short", "x")]
    pdf = render_pdf("Report", "context", [PdfSection("Ratings", rows)])
    assert pdf.startswith(b"%PDF-")
    assert pdf.count(b"/Type /Page\n") >= 2 or pdf.count(b"/Type /Page") >= 3


def test_latin1_keeps_kinyarwanda_and_french_text() -> None:
    from ui.pdf import _latin1

    assert _latin1("Umwarimu w’icyitegererezo — cœur 📘") == "Umwarimu w'icyitegererezo - coeur "
