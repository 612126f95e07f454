"""SBM self-assessment: each term against the four SBM standards; history, progress chart, PDF."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from cop import self_assessment as rules
from cop.access import Page
from cop.errors import EditConflict
from cop.self_assessment import SelfAssessmentInput
from cop.vocab import SbmStandard, Term
from db.engine import session_scope
from db.queries.overview import schools_in_reach
from db.tools import self_assessments as sa
from ui.auth import require_viewer
from ui.charts_self_assessment import progress_chart, progress_frame
from ui.forms import draft, drop_draft, keep_draft, renew_submit_key, saved_state, submit_key
from ui.reports import SELF_ASSESSMENT_TEXTS, indicators_of, self_assessment_pdf
from ui.resources import engine
from ui.saving import write
from ui.widgets import table_with_download

viewer = require_viewer(Page.SELF_ASSESSMENT)

# Session-state keys of this page.
FLASH, VERSIONS, THEIRS, CONFLICT = "cop_sa_flash", "cop_sa_versions", "cop_sa_theirs", "cop_sa_conflict"
YEAR, TERM, TAB = "cop_sa_year", "cop_sa_term", "cop_sa_tab"
FORM_TAB, LIST_TAB = "My self-assessment", "Self-assessments and progress"
REFUSED = "Someone saved this term's record meanwhile: reload the page to see it."
today = date.today()


def _years() -> list[int]:
    """The school years the form offers: this one and the four before."""
    return list(range(rules.school_year_of(today), rules.school_year_of(today) - 5, -1))


def _year(y: int | None) -> str:
    return "Any" if y is None else f"{y}/{str(y + 1)[-2:]}"


def _wkey(form: str, name: str) -> str:
    return f"sa|{form}|{name}"


def _values(form: str, questions: sa.FormQuestions) -> dict[str, object]:
    """What the form's widgets hold now (the draft payload)."""
    answers = {q.key: st.session_state.get(_wkey(form, q.key)) for q in questions.indicators}
    return {
        "answers": answers,
        **{n: st.session_state.get(_wkey(form, n)) or "" for n in SELF_ASSESSMENT_TEXTS},
    }


def _fill(form: str, questions: sa.FormQuestions, record: sa.SelfAssessmentDetail | None) -> None:
    """Put the draft, or else the saved record, into the widgets when they hold nothing yet.

    Streamlit forgets a widget's value when a run does not draw it (another term, another tab); the
    draft kept on every change brings it back."""
    if _wkey(form, "cpd_activities") in st.session_state:
        return
    saved = (
        {"answers": record.answers, **{n: getattr(record, n) for n in SELF_ASSESSMENT_TEXTS}}
        if record
        else {}
    )
    source = draft(viewer, form) or saved
    answers = source.get("answers") or {}
    for q in questions.indicators:
        value = answers.get(q.key)
        st.session_state[_wkey(form, q.key)] = value if value in range(q.low, q.high + 1) else None
    for name in SELF_ASSESSMENT_TEXTS:
        st.session_state[_wkey(form, name)] = str(source.get(name) or "")


def _forget(form: str, questions: sa.FormQuestions) -> None:
    """Empty the form's widgets, so the next run fills them from the saved record."""
    for name in [*(q.key for q in questions.indicators), *SELF_ASSESSMENT_TEXTS]:
        st.session_state.pop(_wkey(form, name), None)


def _save(
    action: Callable[[Session], object], form: str, questions: sa.FormQuestions, labels: dict[str, str]
) -> None:
    """One audited transaction; a refusal is a message and the typed input stays on screen."""

    def conflicted(conflict: EditConflict) -> None:
        # Saving again applies this person's values over the version now shown as theirs.
        st.session_state[THEIRS] = conflict.theirs
        st.session_state.setdefault(VERSIONS, {})[form] = conflict.theirs.get("version")
        st.session_state[CONFLICT] = str(conflict)
        st.rerun()  # the form shows their version above the save button, the typed input stays

    if not write(viewer, action, labels=labels, on_conflict=conflicted, raced=REFUSED):
        return
    drop_draft(viewer, form)
    renew_submit_key(form)
    _forget(form, questions)
    for name in (VERSIONS, THEIRS):
        st.session_state.pop(name, None)
    st.session_state[FLASH] = "Self-assessment saved."
    st.rerun()


def _render_form() -> None:
    left, right = st.columns(2)
    year = left.selectbox("School year", _years(), key=YEAR, format_func=_year)
    st.session_state.setdefault(TERM, rules.term_of(today).value)  # this term, until another is chosen
    term = right.selectbox("Term", Term.values(), key=TERM, format_func=lambda t: Term(t).label)
    with session_scope(engine()) as s:
        record = sa.own_self_assessment(s, viewer, school_year=year, term=term)
        questions = record.questions if record else sa.self_assessment_questions(s, viewer)
    form = f"self_assessment:{record.row.id}" if record else f"self_assessment:new:{year}:{term}"
    _fill(form, questions, record)
    # The version the form was opened with: saving over a newer one is a conflict, not an overwrite.
    version = (
        st.session_state.setdefault(VERSIONS, {}).setdefault(form, record.row.version) if record else None
    )
    if record:
        st.info(f"You assessed {rules.term_label(year, term)} already: saving changes that record.")
    st.caption("Rate each statement: " + " · ".join(f"{n} = {w}" for n, w in rules.SCALE_WORDS.items()))
    keep = {"on_change": lambda: keep_draft(viewer, form, _values(form, questions))}
    for standard in SbmStandard:
        st.markdown(f"**{standard.label}**")
        for q in indicators_of(questions, standard):
            st.radio(q.label, range(q.low, q.high + 1), key=_wkey(form, q.key), horizontal=True, **keep)
    for name, label in SELF_ASSESSMENT_TEXTS.items():
        st.text_area(label, key=_wkey(form, name), max_chars=rules.TEXT_MAX, **keep)
    has_draft = bool(draft(viewer, form))
    saved_state(
        has_draft or record is not None, what="Draft" if has_draft or not record else "Self-assessment"
    )
    if message := st.session_state.pop(CONFLICT, None):
        st.error(message)
    if theirs := st.session_state.get(THEIRS):
        with st.expander("Their saved version (save again to apply yours over it)", expanded=True):
            st.json({k: v for k, v in theirs.items() if k != "version"})
    if not st.button("Save self-assessment", type="primary"):
        return
    values = _values(form, questions)
    data = SelfAssessmentInput(
        year, term, values["answers"], values["cpd_activities"], values["impact_reflection"]
    )  # type: ignore[arg-type]
    labels = {**SELF_ASSESSMENT_TEXTS, "school_year": "School year", "term": "Term", "answers": "Ratings"}
    labels |= {f"answer_{q.key}": f"“{q.label}”" for q in questions.indicators}
    if record is None:
        key = submit_key(form)
        submit = sa.submit_self_assessment
        _save(lambda s: submit(s, viewer, data=data, idempotency_key=key), form, questions, labels)
        return
    update = sa.update_self_assessment
    _save(
        lambda s: update(s, viewer, assessment_id=record.row.id, version=version, data=data),
        form,
        questions,
        labels,
    )


def _render_history() -> sa.SelfAssessmentRow | None:
    """Filters, the table with its CSV, and a picker to open one record."""
    with session_scope(engine()) as s:
        people = {p.id: p.label for p in sa.assessed_people(s, viewer)}
        schools = {c.id: c.label for c in schools_in_reach(s, viewer)}
    cols = st.columns(4)
    person = cols[0].selectbox(
        "Person", [None, *people], format_func=lambda p: "Everyone" if p is None else people[p]
    )
    school = cols[1].selectbox(
        "School", [None, *schools], format_func=lambda c: "All schools" if c is None else schools[c]
    )
    years = [None, *range(rules.school_year_of(today), rules.FIRST_SCHOOL_YEAR - 1, -1)]
    year = cols[2].selectbox("School year", years, key="sa_f_year", format_func=_year)
    term = cols[3].selectbox(
        "Term",
        [None, *Term.values()],
        key="sa_f_term",
        format_func=lambda t: "Any" if t is None else Term(t).label,
    )
    with session_scope(engine()) as s:
        rows = sa.self_assessments(s, viewer, person_id=person, school_id=school, school_year=year, term=term)
    frame = pd.DataFrame(
        {
            "Person": r.person,
            "School": r.school,
            "Term": rules.term_label(r.school_year, r.term),
            "Form revision": r.revision,
            **{rules.SHORT_NAMES[k]: v for k, v in r.averages.items()},
            "Overall": r.overall,
            "Last changed": r.updated_at.strftime("%Y-%m-%d %H:%M"),
        }
        for r in rows
    )
    table_with_download(frame, file_name="self_assessments.csv", key="dl_sa", empty="No self-assessment yet.")
    labels = {r.id: f"{r.person}, {rules.term_label(r.school_year, r.term)}" for r in rows}
    if not rows:
        return None
    chosen = st.selectbox(
        "Open a self-assessment", [None, *labels], format_func=lambda i: "—" if i is None else labels[i]
    )
    return next((r for r in rows if r.id == chosen), None)


def _render_record(row: sa.SelfAssessmentRow) -> None:
    with session_scope(engine()) as s:
        d = sa.self_assessment(s, viewer, row.id)
    st.subheader(f"{d.row.person}, {rules.term_label(d.row.school_year, d.row.term)}")
    st.caption(f"{d.row.school} · form revision {d.row.revision} · overall average {d.row.overall or '–'}")
    for standard in SbmStandard:
        st.markdown(f"**{standard.label}**: average {d.row.averages[standard] or '–'}")
        lines = [
            f"- {q.label}: **{d.answers.get(q.key, '–')}** of {q.high}"
            for q in indicators_of(d.questions, standard)
        ]
        st.markdown("\n".join(lines))
    for name, label in SELF_ASSESSMENT_TEXTS.items():
        st.markdown(f"**{label}**")
        st.text(getattr(d, name) or "–")
    name = f"self_assessment_{d.row.school_year}_t{d.row.term}.pdf"
    st.download_button(
        "Download PDF", self_assessment_pdf(d), file_name=name, mime="application/pdf", on_click="ignore"
    )
    if rules.may_edit(viewer, row.person_id) and d.row.school_year in _years():
        st.button("Edit", key="sa_edit", on_click=_edit, args=(d.row.school_year, d.row.term))


def _edit(school_year: int, term: str) -> None:
    """Open one's own record of a term in the form tab (a callback: it runs before the widgets)."""
    st.session_state[YEAR], st.session_state[TERM], st.session_state[TAB] = school_year, term, FORM_TAB


def _render_progress(person_id: str) -> None:
    with session_scope(engine()) as s:
        frame = progress_frame(sa.progress(s, viewer, person_id))
    st.subheader("Progress over terms")
    if not frame.empty:
        st.altair_chart(progress_chart(frame), width="stretch")
    table_with_download(frame, file_name="self_assessment_progress.csv", key="dl_sa_progress", empty="")


st.title("SBM self-assessment")
if flash := st.session_state.pop(FLASH, None):
    st.success(flash)
fills = rules.may_fill(viewer)
# Only the open tab runs; "Edit" on a record opens the form tab.
tabs = st.tabs([FORM_TAB, LIST_TAB], key=TAB, on_change="rerun") if fills else [st.container()]
if fills and tabs[0].open:
    with tabs[0]:
        _render_form()
if not fills or tabs[-1].open:
    with tabs[-1]:
        picked = _render_history()
        if picked is not None:
            _render_record(picked)
        if progress_of := picked.person_id if picked else (viewer.person_id if fills else None):
            _render_progress(progress_of)
