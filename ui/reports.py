"""PDF reports of the monitoring and assessment tools, built from the read views of db.tools."""

from __future__ import annotations

from cop import cemc as cemc_rules
from cop import monitoring_visit as mv_rules
from cop import self_assessment as sa_rules
from cop import ttc_visit as tv_rules
from cop.actions import day_label
from cop.field_visit import rating_label
from cop.session_report import attendance_line, record_rows
from cop.ttc_visit import Mark
from cop.vocab import ActionStatus, CemcParticipantRole, SbmStandard, SessionKind
from db.tools import cemc
from db.tools import field_visits as fv
from db.tools import monitoring_visits as mv
from db.tools import observations as obs
from db.tools import self_assessments as sa
from db.tools import session_reports as reports
from db.tools import ttc_visits as tv
from ui.pdf import PdfSection, render_pdf

# --- cemc gradebook ---

CEMC_ROLES = CemcParticipantRole.options()


def cemc_mark_text(row: cemc.GradebookRow, name: str) -> str:
    value = getattr(row, name)
    return "not marked yet" if value is None else f"{value:g} / {cemc_rules.MAXIMA[name]}"


def cemc_marks_pdf(row: cemc.GradebookRow) -> bytes:
    shares = {
        "first_session_report": "half of module 1 formative",
        "field_visit": "half of module 2 formative",
        "final_exam": "module 1 summative",
    }
    marks = [(cemc_rules.LABELS[m], f"{cemc_mark_text(row, m)} ({shares[m]})") for m in cemc_rules.MARKS]
    if row.first_session_date:
        marks.append(("First CoP session", f"{row.first_session_date:%d %B %Y}"))
    modules = [
        (f"Module {t.module}", t.describe().split(": ", 1)[1])
        for t in (row.totals.module1, row.totals.module2)
    ]
    where = row.school or (f"{row.district} district" if row.district else "")
    context = (
        f"{CEMC_ROLES[row.participant_role]}, {where} - cohort {row.cohort} - marked by {row.assessor or '-'}"
    )
    note = (
        "Each formative mark is half of its module's formative score; the other halves are not recorded here."
    )
    sections = [PdfSection("Marks", marks), PdfSection("Module totals (recorded part)", modules, text=note)]
    return render_pdf(f"CPD CEMC marks: {row.participant}", context, sections)


# --- field visits ---

FIELD_VISIT_TEXTS = {
    "priority_challenges": "SBM's priority challenge(s)",
    "coaching_given": "Coaching given",
    "sbm_cpd_progress": "SBM's CPD progress",
    "school_cpd_activities": "School's CPD activities",
}


def field_visit_pdf(d: fv.FieldVisitDetail) -> bytes:
    when = day_label(d.visit_date)
    rows = [
        ("School", f"{d.school} ({d.school_code}), {d.district} district"),
        ("SBM visited", d.sbm),
        ("UR-CE facilitator", d.facilitator),
        ("Date of the visit", when),
        ("Practice rating", f"{rating_label(d.practice_rating)} (scale 1-4)" if d.practice_rating else "-"),
    ]
    # Full-width paragraphs, a blank line apart: in the two-column rows, steps ran into each other.
    steps = "\n\n".join(
        f"{i}. {s.description}\n    Owner: {s.owner or '-'}  |  due {day_label(s.due_on)}  |  "
        f"{ActionStatus(s.status).label.lower()}"
        for i, s in enumerate(d.steps, 1)
    )
    sections = [PdfSection("The visit", rows)]
    sections += [PdfSection(label, text=getattr(d, name) or "-") for name, label in FIELD_VISIT_TEXTS.items()]
    sections.append(PdfSection("Agreed next steps", text=steps or "-"))
    context = f"{d.sbm} (SBM), {d.school} - visited by {d.facilitator} on {when}"
    return render_pdf(
        "Supportive field visit report",
        context,
        sections,
        footer="CoP Dashboard - shared with the SBM and their head teacher",
    )


# --- lesson observations ---


def observation_pdf(view: obs.ObservationView) -> bytes:
    lesson = [
        ("Teacher", view.teacher),
        ("Subject", view.subject),
        ("Grade", view.grade),
        ("Date", view.observed_on),
        ("Observer", view.observer),
        ("Average rating", f"{view.mean_rating} / 5" if view.mean_rating else None),
    ]
    ratings = [(f"{r.rating} / 5", r.label + ("" if r.is_active else " (retired)")) for r in view.ratings]
    sections = [
        PdfSection("Lesson", lesson),
        PdfSection("Teaching practices (1 = not seen, 5 = excellent)", ratings),
        PdfSection("Notes", text=view.notes or "No notes."),
    ]
    title = f"Lesson observation: {view.teacher}"
    return render_pdf(
        title, f"{view.school} - {view.subject}, {view.grade} - {view.observed_on:%d %B %Y}", sections
    )


# --- monitoring visits ---


def monitoring_question_rows(d: mv.MonitoringVisitDetail) -> list[tuple[str, str]]:
    """(rating, question) of every question, in the form's order."""
    rows = [
        (mv_rules.rating_text(d.ratings[n]), label) for n, label in mv_rules.practice_labels(d.items).items()
    ]
    for item in mv_rules.extra_items(d.items):
        value = d.answers.get(item.key)
        rows.append(
            (mv_rules.rating_text(value, item.scale) if item.scale else str(value or "-"), item.label)
        )
    return rows


def monitoring_visit_pdf(d: mv.MonitoringVisitDetail) -> bytes:
    mean = mv_rules.enabler_mean(d.ratings)
    visit = [
        ("Visitor", mv_rules.visitor_label(d.visitor, d.visitor_role)),
        ("CoP observed", d.cop or "The school as a whole"),
        ("Form", f"CoP monitoring form, revision {d.revision or '-'}"),
        ("Rating scale", "1 not yet, 2 emerging, 3 established, 4 strong"),
    ]
    enablers = [(mv_rules.rating_text(d.ratings[n]), label) for n, label in mv_rules.ENABLER_FIELDS.items()]
    sections = [
        PdfSection("Visit", visit),
        PdfSection("CoP practice", monitoring_question_rows(d)),
        PdfSection(f"The six key enablers (average {mean if mean is not None else '-'})", enablers),
        *(PdfSection(label, text=d.texts[n] or "-") for n, label in mv_rules.TEXT_FIELDS.items()),
    ]
    context = f"{d.school} ({d.school_code}), {d.district} district - visit on {d.visit_date:%d %B %Y}"
    return render_pdf(f"CoP monitoring visit - {d.school}", context, sections)


# --- self assessment ---

SELF_ASSESSMENT_TEXTS = {
    "cpd_activities": "CPD activities implemented",
    "impact_reflection": "Reflection on their impact",
}


def indicators_of(questions: sa.FormQuestions, standard: SbmStandard) -> list[sa_rules.Indicator]:
    return [q for q in questions.indicators if q.standard is standard]


def self_assessment_pdf(d: sa.SelfAssessmentDetail) -> bytes:
    """The record as a PDF: the rating first (a short label column), then the statement, which wraps."""
    sections = [
        PdfSection(
            f"{standard.label} (average {d.row.averages[standard] or '-'})",
            [
                (f"{d.answers.get(q.key, '-')} of {q.high}", q.label)
                for q in indicators_of(d.questions, standard)
            ],
        )
        for standard in SbmStandard
    ]
    sections += [
        PdfSection(label, text=getattr(d, name) or "-") for name, label in SELF_ASSESSMENT_TEXTS.items()
    ]
    context = (
        f"{d.row.person}, {d.row.school} - form revision {d.row.revision} - overall {d.row.overall or '-'}"
    )
    return render_pdf(
        f"SBM self-assessment, {sa_rules.term_label(d.row.school_year, d.row.term)}", context, sections
    )


# --- session reports ---


def session_kind_label(kind: str, sequence: int) -> str:
    return f"{SessionKind(kind).label.split(':')[0]} (session {sequence})"


def session_report_pdf(view: reports.ReportView) -> bytes:
    """The report as the head teacher files it: the session, the report's text, then the session's records."""
    session = [("Date", view.session_date), ("Facilitator", view.facilitator), ("Status", view.status.label)]
    if view.acknowledged_by:
        session.append(("Acknowledged by", f"{view.acknowledged_by}, {view.acknowledged_at:%Y-%m-%d}"))
    session.append(("Attendance", attendance_line(view.facts)))
    sections = [
        PdfSection("Session", session),
        PdfSection("Main discussions", text=view.main_discussions or view.generated_main_discussions),
        PdfSection("Decisions", text=view.decisions or view.generated_decisions),
        *(PdfSection(heading, rows) for heading, rows in record_rows(view.facts).items()),
    ]
    if view.facts.aob_notes:
        sections.append(PdfSection("Any other business", text=view.facts.aob_notes))
    title = f"CoP session report: {view.cop}, {session_kind_label(view.kind, view.sequence)}"
    return render_pdf(title, f"{view.school} - session of {view.session_date:%d %B %Y}", sections)


# --- ttc visits ---


def ttc_teacher_line(d: tv.TtcVisitDetail, teacher: tv.NewTeacher) -> str:
    weeks = tv_rules.weeks_in_service(teacher.start_date, d.visit_date)
    started = f"started {teacher.start_date:%d %b %Y}" if teacher.start_date else "start date unknown"
    return f"{teacher.name}, {started}" + (f" ({weeks} weeks at the visit)" if weeks is not None else "")


def ttc_checklist_rows(d: tv.TtcVisitDetail, teacher: tv.NewTeacher) -> list[tuple[str, object]]:
    """(done or not, activity and note): the short column first, the long text where it can wrap."""
    rows: list[tuple[str, object]] = []
    for item in d.items:
        mark = d.marks.get((teacher.id, item.key), Mark())
        note = f" (note: {mark.note})" if mark.note else ""
        rows.append(("Done" if mark.done else "Not yet", item.label + note))
    return rows


def ttc_visit_pdf(d: tv.TtcVisitDetail) -> bytes:
    done = tv_rules.progress(d.marks, [t.id for t in d.teachers])
    visit = [
        ("TTC tutor", d.tutor),
        ("Feedback to (SBM / SSL)", d.facilitator or "-"),
        ("Checklist", f"revision {d.revision}, {len(d.items)} induction activities"),
    ]
    summary = [(f"{done[t.id].done} of {done[t.id].total} done", ttc_teacher_line(d, t)) for t in d.teachers]
    sections = [
        PdfSection("Visit", visit),
        PdfSection(
            "New teachers", summary, text=None if d.teachers else "The school had no new teacher recorded."
        ),
        *(PdfSection(f"Induction checklist: {t.name}", ttc_checklist_rows(d, t)) for t in d.teachers),
        PdfSection("Feedback to the SBM / SSL", text=d.feedback or "-"),
    ]
    context = f"{d.school} ({d.school_code}), {d.district} district - visit on {d.visit_date:%d %B %Y}"
    return render_pdf(f"TTC school visit - {d.school}", context, sections)
