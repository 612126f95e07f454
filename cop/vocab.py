"""Closed vocabularies of the CoP guidelines, each value with a human label."""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A StrEnum whose members carry a label for people: `Topic.ICT.label == "Use of ICT"`."""

    label: str

    def __new__(cls, value: str, label: str) -> Labelled:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(m.value for m in cls)

    @classmethod
    def options(cls) -> dict[str, str]:
        """value -> label, in declaration order, for widgets."""
        return {m.value: m.label for m in cls}


class Role(Labelled):
    ADMIN = "admin", "Administrator"
    NATIONAL_OFFICER = "national_officer", "REB / programme staff"
    DISTRICT_OFFICER = "district_officer", "District / sector education official"
    FIELD_FACILITATOR = "field_facilitator", "UR-CE facilitator"
    TTC_TUTOR = "ttc_tutor", "TTC tutor"
    HEAD_TEACHER = "head_teacher", "Head teacher / deputy"
    FACILITATOR = "facilitator", "CoP facilitator (SBM / SSL)"
    TEACHER = "teacher", "Teacher"


class ProgrammeSection(Labelled):
    PE = "PE", "Primary Education"
    PE_SE = "PE&SE", "Primary & Secondary Education"
    SE = "SE", "Secondary Education"


class SchoolLevel(Labelled):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"
    BOTH = "both", "Primary and secondary"


class CopKind(Labelled):
    GENERAL = "general", "General CoP (SBM, by grade)"
    SUBJECT = "subject", "Subject CoP (SSL, maths / STEM)"


class SessionKind(Labelled):
    FIRST = "first", "First session: identification, analysis and planning"
    MIDDLE = "middle", "Middle session: reflection and consolidation"
    LAST = "last", "Last session: dissemination and evaluation"
    REFLECTION = "reflection", "Reflection session (head teacher led)"


class SessionStatus(Labelled):
    PLANNED = "planned", "Planned"
    RUNNING = "running", "Running"
    HELD = "held", "Held"


class CyclePhase(Labelled):
    """Where a cycle stands; derived from its sessions and try-outs by `cop.cycle`."""

    PLANNING = "planning", "Planning the first session"
    TRYING_OUT = "trying_out", "Trying out (after the first session)"
    REFLECTING = "reflecting", "Reflecting (middle sessions)"
    CONSOLIDATING = "consolidating", "Consolidating (ready for the last session)"
    DISSEMINATING = "disseminating", "Disseminating and evaluating"
    CLOSED = "closed", "Closed"


class EvidenceKind(Labelled):
    ASSESSMENT_RESULTS = "assessment_results", "Assessment results"
    LESSON_OBSERVATION = "lesson_observation", "Lesson observation"
    LESSON_PLAN = "lesson_plan", "Lesson plan"
    LESSON_STUDY = "lesson_study", "Lesson study"
    OTHER = "other", "Other"


class Topic(Labelled):
    GENDER = "gender", "Gender"
    ICT = "ict", "Use of ICT"
    INCLUSIVE_EDUCATION = "inclusive_education", "Inclusive education"
    SCHOOL_CPD_PLAN = "school_cpd_plan", "School CPD plan"
    FORMATIVE_ASSESSMENT = "formative_assessment", "Formative assessment"
    LARGE_CLASSES = "large_classes", "Large classes"
    DIFFERENTIATION = "differentiation", "Differentiation"
    HOMEWORK = "homework", "Homework"
    CBC_IMPLEMENTATION = "cbc_implementation", "CBC implementation"
    NEW_TEACHER_INDUCTION = "new_teacher_induction", "New-teacher induction"
    OTHER = "other", "Other"


class ControlCategory(Labelled):
    DIRECT = "direct", "Direct control (own behaviour)"
    INDIRECT = "indirect", "Indirect control (with the help of others)"
    OUT_OF_CONTROL = "out_of_control", "Out of control (parking lot)"


class Resource(Labelled):
    CBC_SYLLABUS = "cbc_syllabus", "CBC syllabus"
    REB_TEXTBOOKS = "reb_textbooks", "REB textbooks"
    CPD_MANUAL = "cpd_manual", "CPD manual"
    SCHOOL_CPD_PLAN = "school_cpd_plan", "CPD plan of the school"
    OERS = "oers", "Open Educational Resources (OERs)"
    AIMS = "aims", "AIMS resources"
    OTHER = "other", "Other"


class TryoutResult(Labelled):
    EFFECTIVE = "effective", "Worked"
    PARTLY = "partly", "Partly worked"
    NOT_EFFECTIVE = "not_effective", "Did not work"


class OutputKind(Labelled):
    TEACHING_MATERIALS = "teaching_materials", "Teaching and learning materials"
    CASE_STUDY = "case_study", "Case study"
    ASSESSMENT_TOOL = "assessment_tool", "Assessment tool"
    STORY_OF_CHANGE = "story_of_change", "Story of change"
    LESSON_PLAN = "lesson_plan", "Lesson plan"
    VIDEO = "video", "Video"
    SUCCESS_STORY = "success_story", "Success story"


class OutputStatus(Labelled):
    PLANNED = "planned", "Planned"
    READY = "ready", "Ready"
    REVIEWED = "reviewed", "Reviewed in the last session"


class Audience(Labelled):
    COLLEAGUES = "colleagues", "Colleagues beyond the CoP"
    SCHOOL_COMMUNITY = "school_community", "School community"
    BEYOND_SCHOOL = "beyond_school", "Beyond the school"


class StoragePlace(Labelled):
    STAFF_ROOM = "staff_room", "Staff / teachers' room"
    LIBRARY = "library", "School library"
    BOTH = "both", "Staff room and library"
    OTHER = "other", "Other"


class Enabler(Labelled):
    PURPOSE_FOCUS = "purpose_focus", "Purpose and focus"
    RELATIONSHIPS = "relationships", "Relationships"
    COLLABORATION = "collaboration", "Collaboration"
    INQUIRY = "inquiry", "Inquiry"
    LEADERSHIP = "leadership", "Leadership"
    ACCOUNTABILITY = "accountability", "Accountability"


class EssentialActivity(Labelled):
    IDENTIFICATION = "identification", "Identification and analysis"
    PLANNING = "planning", "Planning"
    TRYOUT = "tryout", "Try-out and reflection"
    CONSOLIDATION = "consolidation", "Consolidation"
    DISSEMINATION = "dissemination", "Dissemination"
    EVALUATION = "evaluation", "Evaluation"


class AlactStep(Labelled):
    ACTION = "action", "Action: what did we do?"
    LOOKING_BACK = "looking_back", "Looking back on the action: what happened?"
    AWARENESS = "awareness", "Awareness of essential aspects: what mattered?"
    ALTERNATIVES = "alternatives", "Creating alternative methods of action"
    TRIAL = "trial", "Trial: what will we try next?"


class ReflectionCardKind(Labelled):
    INSIGHT = "insight", "Reflection insight"
    POSITIVE = "positive", "Positive strategy"
    IMPROVEMENT = "improvement", "Improvement"
    NEXT_STEP = "next_step", "Agreed next step"


class ReflectionStep(Labelled):
    """The HT-led reflection session walks these steps in order (seed 004)."""

    OVERVIEW = "overview", "Overview of the steps"
    STATISTICS = "statistics", "School statistics"
    INSIGHTS = "insights", "Reflection insights"
    POSITIVES = "positives", "Positive strategies"
    IMPROVEMENTS = "improvements", "Improvements"
    NEXT_STEPS = "next_steps", "Agreed next steps"
    COMPLETE = "complete", "Completed"


class ActionStatus(Labelled):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class ActionSource(Labelled):
    SESSION = "session", "CoP session"
    REFLECTION = "reflection", "Reflection session"
    FIELD_VISIT = "field_visit", "Field visit"
    MONITORING = "monitoring", "Monitoring visit"


class SbmStandard(Labelled):
    COACH_IN_ENGLISH = "coach_in_english", "SBM as a coach in English"
    EXPERT_TEACHING = "expert_teaching", "SBM as an expert in teaching and learning"
    CPD_ORGANISER = "cpd_organiser", "SBM as a guide and organiser of CPD"
    REFLECTIVE_PRACTICE = "reflective_practice", "SBM as a promoter of reflective practice"


class FormKind(Labelled):
    """Forms whose questions are data (versioned templates), not code."""

    SELF_ASSESSMENT = "self_assessment", "SBM self-assessment"
    MONITORING = "monitoring", "CoP monitoring form"
    TTC_CHECKLIST = "ttc_checklist", "TTC new-teacher induction checklist"


class CemcParticipantRole(Labelled):
    SEI = "sei", "Sector Education Inspector"
    SBM = "sbm", "School-Based Mentor"
    SSL = "ssl", "School Subject Leader"
    TTC_TUTOR = "ttc_tutor", "TTC tutor"


class AuditAction(Labelled):
    INSERT = "insert", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"


class Term(Labelled):
    T1 = "1", "Term 1"
    T2 = "2", "Term 2"
    T3 = "3", "Term 3"
