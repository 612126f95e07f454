"""Demo schools, people in every role, their assignments, and the CoPs with their members."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import product

from cop.vocab import CopKind, Role, SchoolLevel
from db.demo.base import CopCast, Demo
from db.models import Assignment, Cop, CopMember, Person, School

# code, name, district, sector, level, username suffix, grades of its general CoPs, generated teachers
SCHOOLS = (
    ("KRH-001", "GS Nyakarambi", "Kirehe", "Nyarubuye", SchoolLevel.BOTH, "nyakarambi", ("P4", "S2"), 12),
    ("KRH-002", "EP Mahama", "Kirehe", "Mahama", SchoolLevel.PRIMARY, "mahama", ("P1-P3", "P5"), 11),
    ("RSZ-001", "GS Kamembe", "Rusizi", "Kamembe", SchoolLevel.BOTH, "kamembe", ("P6", "S1"), 13),
    ("RSZ-002", "GS Nyakabuye", "Rusizi", "Nyakabuye", SchoolLevel.SECONDARY, "nyakabuye", ("S2", "S3"), 10),
)

# username, full name, role, home school code, home district, job title, subject
STAFF = (
    ("admin", "Aline Kayitesi", Role.ADMIN, None, None, "System administrator", None),
    ("reb.officer", "Innocent Nkurunziza", Role.NATIONAL_OFFICER, None, None, "REB CPD officer", None),
    ("dde.kirehe", "Jean de Dieu Habimana", Role.DISTRICT_OFFICER, None, "Kirehe", "DDE", None),
    ("dde.rusizi", "Chantal Mukeshimana", Role.DISTRICT_OFFICER, None, "Rusizi", "DDE", None),
    ("sei.kirehe", "Theogene Ndayisaba", Role.DISTRICT_OFFICER, None, "Kirehe", "SEI Nyarubuye", None),
    ("urce.facilitator", "Florence Uwamahoro", Role.FIELD_FACILITATOR, None, None, "UR-CE facilitator", None),
    ("ttc.tutor", "Vincent Bizimana", Role.TTC_TUTOR, None, "Kirehe", "Tutor, TTC Zaza", None),
    ("ht.nyakarambi", "Marie Claire Mukamana", Role.HEAD_TEACHER, "KRH-001", None, "Head teacher", None),
    ("ht.mahama", "Emmanuel Hakizimana", Role.HEAD_TEACHER, "KRH-002", None, "Head teacher", None),
    ("ht.kamembe", "Josephine Uwera", Role.HEAD_TEACHER, "RSZ-001", None, "Head teacher", None),
    ("ht.nyakabuye", "Felicien Munyaneza", Role.HEAD_TEACHER, "RSZ-002", None, "Deputy head teacher", None),
    ("sbm.nyakarambi", "Eric Niyonzima", Role.FACILITATOR, "KRH-001", None, "SBM", "English"),
    ("ssl.nyakarambi", "Alice Ingabire", Role.FACILITATOR, "KRH-001", None, "SSL Mathematics", "Mathematics"),
    ("sbm.mahama", "Claudine Nyirahabimana", Role.FACILITATOR, "KRH-002", None, "SBM", "English"),
    ("sbm.kamembe", "Olivier Nsengiyumva", Role.FACILITATOR, "RSZ-001", None, "SBM", "English"),
    ("sbm.nyakabuye", "Diane Umutoni", Role.FACILITATOR, "RSZ-002", None, "SBM", "English"),
    ("teacher.nyakarambi", "Grace Uwase", Role.TEACHER, "KRH-001", None, "P4 class teacher", "English"),
    ("new.teacher", "Patrick Mugisha", Role.TEACHER, "KRH-001", None, "P4 teacher (new)", "Mathematics"),
)

FIRST_NAMES = (
    "Jean Paul", "Claudine", "Emmanuel", "Josiane", "Samuel", "Solange", "Fabrice", "Vestine", "Jean Claude",
    "Clarisse", "Yvette", "Didier", "Sandrine", "Agnes", "David", "Aimee", "Janvier", "Beatrice", "Gilbert",
    "Esperance", "Keza", "Ishimwe", "Gisa", "Shema", "Mutesi", "Kalisa", "Immaculee", "Jean Bosco",
)  # fmt: skip
SURNAMES = (
    "Uwimana", "Mukamana", "Habimana", "Niyonzima", "Ingabire", "Nshimiyimana", "Uwase", "Mugisha",
    "Iradukunda", "Tuyishime", "Niyitegeka", "Twagirayezu", "Mutoni", "Nsabimana", "Uwineza", "Ndagijimana",
)  # fmt: skip
PRIMARY_SUBJECTS = (
    "Kinyarwanda",
    "English",
    "Mathematics",
    "Science and Elementary Technology",
    "Social Studies",
)
SECONDARY_SUBJECTS = (
    "Mathematics",
    "Physics",
    "Chemistry",
    "Biology",
    "English",
    "Geography",
    "Entrepreneurship",
)


def seed_people(demo: Demo) -> None:
    """Schools, the fixed demo accounts, generated teachers, and the officials' assignments."""
    for code, name, district, sector, level, *_ in SCHOOLS:
        demo.schools[code] = demo.rows.add(
            School(code=code, name=name, district_id=demo.districts[district].id, sector=sector, level=level)
        )
    for username, full_name, role, code, district, job, subject in STAFF:
        _person(demo, username, full_name, role, code=code, district=district, job_title=job, subject=subject)
    demo.people["new.teacher"].is_new_teacher = True
    demo.people["new.teacher"].teacher_start_date = demo.days_ago(61)
    names = demo.rng.sample(list(product(FIRST_NAMES, SURNAMES)), sum(s[-1] for s in SCHOOLS))
    for code, _, _, _, level, _, _, count in SCHOOLS:
        subjects = SECONDARY_SUBJECTS if level is SchoolLevel.SECONDARY else PRIMARY_SUBJECTS
        new = set(demo.rng.sample(range(count), 2))
        demo.teachers[code] = [
            _person(
                demo,
                f"t.{code.lower().replace('-', '')}.{i + 1:02d}",
                " ".join(names.pop()),
                Role.TEACHER,
                code=code,
                subject=demo.rng.choice(subjects),
                is_new_teacher=i in new,
                teacher_start_date=demo.days_ago(demo.rng.randint(30, 150)) if i in new else None,
            )
            for i in range(count)
        ]
    _seed_assignments(demo)


def _person(
    demo: Demo,
    username: str,
    full_name: str,
    role: Role,
    *,
    code: str | None = None,
    district: str | None = None,
    **extra: object,
) -> Person:
    person = Person(
        username=username,
        full_name=full_name,
        email=f"{username}@example.org",
        role=role.value,
        school_id=demo.schools[code].id if code else None,
        district_id=demo.districts[district].id if district else None,
        password_hash=demo.password_hash,
        is_active=True,
        **extra,
    )
    demo.people[username] = demo.rows.add(person)
    return person


def _seed_assignments(demo: Demo) -> None:
    """District officers reach their district, the UR-CE facilitator two SBMs, the TTC tutor two schools."""
    p, rows = demo.people, demo.rows
    for username, district in (("dde.kirehe", "Kirehe"), ("dde.rusizi", "Rusizi"), ("sei.kirehe", "Kirehe")):
        rows.add(Assignment(person_id=p[username].id, district_id=demo.districts[district].id))
    for sbm in ("sbm.nyakarambi", "sbm.mahama"):
        rows.add(Assignment(person_id=p["urce.facilitator"].id, sbm_id=p[sbm].id))
    for code in ("KRH-001", "KRH-002"):
        rows.add(Assignment(person_id=p["ttc.tutor"].id, school_id=demo.schools[code].id))


def seed_cops(demo: Demo) -> None:
    """A general CoP per grade band led by the SBM, and a mathematics CoP led by the SSL at KRH-001."""
    year_start = date(demo.school_year - 1, 9, 15)  # members joined last year, so last year's cycle had them
    for code, _, _, _, _, suffix, grades, _ in SCHOOLS:
        school, sbm = demo.schools[code], demo.people[f"sbm.{suffix}"]
        teachers = demo.teachers[code][:]
        demo.rng.shuffle(teachers)
        half = (len(teachers) + 1) // 2
        for grade, group in zip(grades, (teachers[:half], teachers[half:]), strict=True):
            extra = [demo.people["teacher.nyakarambi"], demo.people["new.teacher"]] if grade == "P4" else []
            cop = Cop(
                school_id=school.id, name=f"{grade} teachers CoP", kind=CopKind.GENERAL.value, grade=grade
            )
            _cast(demo, cop, school, sbm, extra + group, year_start)
    # Five teachers who teach mathematics (some of them besides their class) join the subject CoP.
    maths = sorted(demo.teachers["KRH-001"], key=lambda t: t.subject != "Mathematics")[:5]
    for teacher in maths:
        teacher.subject = "Mathematics"
    school = demo.schools["KRH-001"]
    cop = Cop(school_id=school.id, name="Mathematics CoP", kind=CopKind.SUBJECT.value, subject="Mathematics")
    members = [demo.people["new.teacher"], *maths]
    _cast(demo, cop, school, demo.people["ssl.nyakarambi"], members, year_start)


def _cast(
    demo: Demo, cop: Cop, school: School, facilitator: Person, people: list[Person], since: date
) -> None:
    cop.facilitator_id = facilitator.id
    demo.rows.add(cop)
    members = []
    for person in people:
        start = person.teacher_start_date
        joined = start + timedelta(days=7) if person.is_new_teacher and start else since
        demo.rows.add(CopMember(cop_id=cop.id, person_id=person.id, joined_on=joined))
        members.append((person, joined))
    demo.cops[(school.code, cop.grade or cop.subject or cop.name)] = CopCast(
        cop, school, facilitator, members
    )
