"""reference data: the 17 intervention districts, teaching practices and form templates

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Section III of the CoP guidelines: district, programme section, and whether TTC tutors support it.
DISTRICTS = [
    ("Kirehe", "PE", True),
    ("Gatsibo", "PE", True),
    ("Nyagatare", "PE", True),
    ("Kayonza", "PE&SE", True),
    ("Nyabihu", "PE&SE", True),
    ("Rusizi", "PE&SE", True),
    ("Gicumbi", "SE", False),
    ("Rwamagana", "SE", False),
    ("Nyamasheke", "SE", False),
    ("Karongi", "SE", False),
    ("Rubavu", "SE", False),
    ("Ngororero", "SE", False),
    ("Musanze", "SE", False),
    ("Nyanza", "SE", False),
    ("Gisagara", "SE", False),
    ("Nyaruguru", "SE", False),
    ("Kamonyi", "SE", False),
]

# A CBC-aligned starting list for lesson observations; admins edit it afterwards.
PRACTICES = [
    ("objectives_shared", "Lesson objectives are clear and shared with learners"),
    ("prior_knowledge", "Builds on learners' prior knowledge"),
    ("learner_centred", "Learner-centred activities: learners do most of the thinking"),
    ("group_work", "Effective group and pair work"),
    ("open_questions", "Open questions that develop critical thinking"),
    ("formative_assessment", "Checks understanding during the lesson (formative assessment)"),
    ("differentiation", "Differentiates for faster and slower learners"),
    ("inclusion", "Includes every learner (gender, special educational needs)"),
    ("materials", "Uses teaching and learning materials effectively"),
    ("language", "Clear use of the language of instruction"),
    ("classroom_management", "Manages time and the classroom well"),
    ("cross_cutting", "Integrates competences and cross-cutting issues"),
]


def _items(group: str, rows: list[tuple[str, str]], scale: list[int]) -> list[dict]:
    return [{"key": k, "label": label, "group": group, "scale": scale} for k, label in rows]


SELF_ASSESSMENT_ITEMS = (
    _items(
        "coach_in_english",
        [
            ("english_support", "I support teachers to use English as the language of instruction"),
            ("english_own", "I model good classroom English in my own lessons and coaching"),
            ("english_resources", "I share resources that help teachers improve their English"),
        ],
        [1, 4],
    )
    + _items(
        "expert_teaching",
        [
            ("observe_feedback", "I observe lessons and give constructive feedback"),
            ("cbc_pedagogy", "I help teachers apply learner-centred CBC pedagogy"),
            ("assessment_support", "I help teachers use formative assessment"),
        ],
        [1, 4],
    )
    + _items(
        "cpd_organiser",
        [
            ("cop_regular", "I organise CoP sessions regularly and follow the action-oriented cycle"),
            ("cpd_plan", "I contribute to the school CPD plan and its follow-up"),
            ("new_teachers", "I organise the induction of new teachers"),
        ],
        [1, 4],
    )
    + _items(
        "reflective_practice",
        [
            ("own_reflection", "I reflect on my own practice and keep my portfolio up to date"),
            ("teacher_reflection", "I encourage teachers to reflect on their lessons"),
            ("evidence_use", "I use evidence (results, observations) to decide what to improve"),
        ],
        [1, 4],
    )
)

MONITORING_ITEMS = [
    {"key": "regularity", "label": "CoP sessions take place regularly", "group": "practice", "scale": [1, 4]},
    {
        "key": "cycle_followed",
        "label": "The action-oriented cycle is followed",
        "group": "practice",
        "scale": [1, 4],
    },
    {
        "key": "documentation",
        "label": "Sessions are documented (reports, portfolio)",
        "group": "practice",
        "scale": [1, 4],
    },
    {
        "key": "outputs",
        "label": "Consolidation outputs are stored and used",
        "group": "practice",
        "scale": [1, 4],
    },
]

TTC_CHECKLIST_ITEMS = [
    {"key": "orientation", "label": "Welcomed and oriented at the school", "group": "induction"},
    {"key": "mentor_assigned", "label": "Has an SBM / SSL as mentor", "group": "induction"},
    {"key": "induction_plan", "label": "Individual induction plan agreed", "group": "induction"},
    {"key": "cop_participation", "label": "Takes part in CoP sessions", "group": "induction"},
    {"key": "challenge_in_cop", "label": "Brought own challenge to a CoP session", "group": "induction"},
    {
        "key": "observed_by_mentor",
        "label": "Lesson observed by the mentor, with feedback",
        "group": "induction",
    },
    {"key": "observed_peer", "label": "Observed a lesson of an experienced teacher", "group": "induction"},
    {"key": "portfolio", "label": "Keeps a reflective journal / portfolio", "group": "induction"},
]


def upgrade() -> None:
    district = sa.table(
        "district",
        sa.column("name", sa.String),
        sa.column("programme_section", sa.String),
        sa.column("ttc_supported", sa.Boolean),
        sa.column("intervention", sa.Boolean),
    )
    op.bulk_insert(
        district,
        [
            {"name": n, "programme_section": s, "ttc_supported": t, "intervention": True}
            for n, s, t in DISTRICTS
        ],
    )
    practice = sa.table(
        "teaching_practice",
        sa.column("key", sa.String),
        sa.column("label", sa.Text),
        sa.column("sort_order", sa.Integer),
        sa.column("is_active", sa.Boolean),
    )
    op.bulk_insert(
        practice,
        [
            {"key": k, "label": lbl, "sort_order": i, "is_active": True}
            for i, (k, lbl) in enumerate(PRACTICES)
        ],
    )
    template = sa.table(
        "form_template",
        sa.column("kind", sa.String),
        sa.column("revision", sa.Integer),
        sa.column("title", sa.Text),
        sa.column("items", postgresql.JSONB),
        sa.column("is_current", sa.Boolean),
    )
    op.bulk_insert(
        template,
        [
            {
                "kind": "self_assessment",
                "revision": 1,
                "title": "SBM self-assessment against the SBM standards",
                "items": SELF_ASSESSMENT_ITEMS,
                "is_current": True,
            },
            {
                "kind": "monitoring",
                "revision": 1,
                "title": "CoP monitoring form",
                "items": MONITORING_ITEMS,
                "is_current": True,
            },
            {
                "kind": "ttc_checklist",
                "revision": 1,
                "title": "New-teacher induction checklist (TTC e-monitoring)",
                "items": TTC_CHECKLIST_ITEMS,
                "is_current": True,
            },
        ],
    )


def downgrade() -> None:
    op.execute("DELETE FROM form_template WHERE revision = 1")
    op.execute("DELETE FROM teaching_practice")
    op.execute("DELETE FROM district")
