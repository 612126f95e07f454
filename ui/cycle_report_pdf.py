"""The cycle report as a one-to-two page PDF the DHT files."""

from __future__ import annotations

from cop import cycle_report as rules
from cop.vocab import OutputKind, OutputStatus, Topic
from db.cycle_reports import CycleReportView
from ui.pdf import PdfSection, render_pdf


def _date(value: object) -> str:
    return "-" if value is None else str(value)


def cycle_report_sections(view: CycleReportView) -> list[PdfSection]:
    """The report's sections, shared by the page and the PDF so both say the same."""
    f = view.facts
    cycle = [
        ("CoP", f.cop),
        ("Facilitator", f.facilitator or "-"),
        ("Dates", f"{_date(f.first_date)} to {_date(f.last_date)}; closed {f.closed_at:%Y-%m-%d}"),
        ("Attendance", rules.percent(f.attendance_rate)),
    ]
    if view.acknowledged_by:
        cycle.append(
            ("Acknowledged by", f"{view.acknowledged_by}, {view.acknowledged_at:%Y-%m-%d %H:%M} UTC")
        )
    sessions = [
        (f"{x.label}, {x.session_date}", f"{x.present} of {x.listed} present ({x.new_teachers_present} new)")
        for x in f.sessions
    ]
    priorities: list[tuple[str, object]] = []
    for p in f.priorities:
        priorities.append((p.title, f"{Topic(p.topic).label}. Goal: {p.goal or '-'}"))
        for t in p.tryouts:
            dates = f"{_date(t.start_on)} to {_date(t.end_on)}"
            priorities.append((f"  Try-out {t.attempt_no} ({dates})", f"{t.activities} -> {t.verdict}"))
    outputs = [
        (OutputKind(o.kind).label, f"{o.title} ({OutputStatus(o.status).label}); {o.where}")
        for o in f.outputs
    ]
    outputs.append(("Kept in", rules.storage_text(f.storage_place, f.storage_note)))
    dissemination = [
        (rules.audience_label(d.audience), f"{d.channel}, {_date(d.planned_on)}, {d.owner or '-'}"
         + (" (done)" if d.done else ""))
        for d in f.dissemination
    ]  # fmt: skip
    sections = [
        PdfSection("Cycle", cycle),
        PdfSection("Sessions held and attendance", sessions),
        PdfSection("Priorities, try-outs and results", priorities),
        PdfSection("Lessons learnt", text="\n".join(f"- {x}" for x in f.lessons) or "-"),
        PdfSection("Outputs and where they are kept", outputs),
        PdfSection("Dissemination", dissemination or [("Planned", "-")]),
    ]
    if f.evaluation is not None:
        ev = f.evaluation
        rows = [("Effectiveness", "-" if ev.effectiveness is None else f"{ev.effectiveness} of 5")]
        rows += rules.enabler_rows(ev)
        rows += [("Improvements for the next cycle", ev.improvements_next_cycle or "-")]
        sections.append(PdfSection("Evaluation", rows))
    return sections


def cycle_report_pdf(view: CycleReportView) -> bytes:
    f = view.facts
    title = f"Cycle report: {f.cop}, cycle {f.number} ({f.school_year})"
    return render_pdf(title, f"{f.school} - for the head teacher / DHT", cycle_report_sections(view))
