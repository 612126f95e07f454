"""What the demo cycles are about: each story's challenges, analyses, try-outs and what came of them."""

from __future__ import annotations

from dataclasses import dataclass

from cop.vocab import ControlCategory, EvidenceKind, OutputKind, Resource, Topic

DIRECT, INDIRECT, OUT = ControlCategory.DIRECT, ControlCategory.INDIRECT, ControlCategory.OUT_OF_CONTROL
OBSERVATION, RESULTS = EvidenceKind.LESSON_OBSERVATION, EvidenceKind.ASSESSMENT_RESULTS
PLAN, OTHER = EvidenceKind.LESSON_PLAN, EvidenceKind.OTHER


@dataclass(frozen=True)
class Priority:
    """A challenge the members prioritise; every try-out but the last did not work and gets an ALACT."""

    title: str
    topic: Topic
    evidence: EvidenceKind
    evidence_note: str
    control: ControlCategory
    analysis: tuple[str, str, str]  # root causes, goal, possible solutions
    attempts: tuple[str, ...]  # activities of each try-out
    resources: tuple[Resource, ...]
    effect: tuple[str, str]  # pros and cons of the try-out that worked
    lesson: str
    output: tuple[OutputKind, str]
    alact: tuple[str, str, str, str, str] | None = None  # Action, Looking back, Awareness, Creating, Trial
    card: tuple[str, str, str] | None = None  # practice card: title, evidence of effect, materials

    def __post_init__(self) -> None:
        if len(self.attempts) > 1 and self.alact is None:
            raise ValueError(f"'{self.title}': a try-out that did not work needs its ALACT analysis")


@dataclass(frozen=True)
class Story:
    """One cycle of a CoP: its priorities and the other challenges listed (the parking lot among them)."""

    title: str
    grade: str | None = None
    subject: str | None = None
    priorities: tuple[Priority, ...] = ()
    others: tuple[tuple[str, Topic, EvidenceKind, ControlCategory], ...] = ()


NO_TEXTBOOKS = ("Not enough textbooks for the new CBC syllabus", Topic.CBC_IMPLEMENTATION, OTHER, OUT)

P4_LAST_YEAR = Story(
    "Feedback and participation in large P4 classes",
    grade="P4",
    priorities=(
        Priority(
            "Learners in large P4 classes get little feedback on their written work",
            Topic.LARGE_CLASSES,
            OBSERVATION,
            "SBM observations in term 1: in 6 of 8 lessons fewer than 10 of 60+ books were looked at.",
            DIRECT,
            (
                "Classes of 65-80 learners; teachers mark every book alone after school; no peer checking.",
                "Every P4 learner gets feedback on one written task per lesson by the end of term 2.",
                "Peer marking with answer cards; marking one row of books per lesson; whole-class feedback.",
            ),
            ("Learners check each other's work with an answer card; the teacher marks one row per lesson.",),
            (Resource.CPD_MANUAL, Resource.REB_TEXTBOOKS),
            (
                "Every learner got feedback during the lesson; teachers spent far less time marking at home.",
                "Learners needed two weeks to learn the routine; a few copied the answer card at first.",
            ),
            "Peer checking with an answer card gives every learner feedback, if the teacher samples books.",
            (OutputKind.ASSESSMENT_TOOL, "Peer-marking answer cards for P4 mathematics and English"),
        ),
        Priority(
            "Girls rarely answer questions in mathematics lessons",
            Topic.GENDER,
            OBSERVATION,
            "Tally over five P4 mathematics lessons: 41 answers from boys, 9 from girls.",
            DIRECT,
            (
                "Teachers call on volunteers and boys raise their hands first; girls fear being laughed at.",
                "Girls give at least 40% of the answers in P4 mathematics lessons.",
                "Name sticks to pick learners at random; think-pair-share first; mixed seating; praise.",
            ),
            (
                "Ask girls more questions and praise their answers.",
                "Think-pair-share for one minute in mixed pairs, then pick who answers with name sticks.",
            ),
            (Resource.CPD_MANUAL, Resource.OERS),
            (
                "Girls' share of answers rose from 18% to 46%; the whole class listened better.",
                "Preparing sticks for 70 learners takes time; some boys complained at first.",
            ),
            "Thinking time and a partner to rehearse with matter more to shy learners than being asked more.",
            (OutputKind.VIDEO, "Video: name sticks and think-pair-share in a P4 mathematics lesson"),
            alact=(
                "We asked girls more questions directly during mathematics lessons.",
                "The same three confident girls answered; the others looked down: girls gave 22%.",
                "Being singled out in front of 70 learners made shy girls afraid; they had no time to think.",
                "Give everyone thinking time and a partner; pick names at random so no one is singled out.",
                "Four weeks of think-pair-share with name sticks in mixed pairs, tallying answers by gender.",
            ),
            card=(
                "Name sticks and think-pair-share get girls answering in mathematics",
                "In four P4 classes girls gave 46% of the answers after four weeks, up from 18%.",
                "Sticks with learners' names in a cup per class; a one-minute timer; a tally sheet.",
            ),
        ),
    ),
    others=(
        NO_TEXTBOOKS,
        (
            "Learners miss homework because they work on the farm after school",
            Topic.HOMEWORK,
            OTHER,
            INDIRECT,
        ),
        (
            "Some teachers are not confident teaching SET in English",
            Topic.CBC_IMPLEMENTATION,
            OBSERVATION,
            DIRECT,
        ),
    ),
)

P4_THIS_YEAR = Story(
    "Reading and inclusion in P4",
    grade="P4",
    priorities=(
        Priority(
            "P4 learners cannot read a short English text with understanding",
            Topic.CBC_IMPLEMENTATION,
            RESULTS,
            "Term 3 results: only 38% of P4 learners passed the English reading comprehension items.",
            DIRECT,
            (
                "Few readers per class; reading aloud in chorus; understanding is not checked.",
                "55% of P4 learners pass reading comprehension by the end of term 1.",
                "Paired reading with levelled texts; three questions after each text; a reading corner.",
            ),
            ("Fifteen minutes of paired reading with REB readers three times a week, then three questions.",),
            (Resource.REB_TEXTBOOKS, Resource.OERS),
            (
                "Learners read more and answered the questions; pairs helped weaker readers.",
                "Only 40 readers for 140 learners, so pairs had to share.",
            ),
            "Paired reading works when each pair mixes a stronger and a weaker reader.",
            (OutputKind.TEACHING_MATERIALS, "Levelled reading cards for P4 English"),
        ),
        Priority(
            "Learners with hearing or sight difficulties are left behind in P4",
            Topic.INCLUSIVE_EDUCATION,
            OBSERVATION,
            "Observations found 7 learners with sight or hearing difficulties seated at the back.",
            INDIRECT,
            (
                "No screening; the seating plan ignores needs; teachers do not know simple adaptations.",
                "Every learner with a difficulty is identified and supported according to need.",
                "Screening with the school nurse; a seating plan; large print; the sector focal person.",
            ),
            (
                "Move learners with difficulties to the front and write bigger on the board.",
                "Screen all P4 learners with the health club, agree a support plan per learner and a buddy.",
            ),
            (Resource.CPD_MANUAL, Resource.OTHER),
            ("Learners are followed up one by one.", "Screening takes two afternoons."),
            "Screening first tells us who needs what; moving learners to the front is not enough.",
            (OutputKind.CASE_STUDY, "Case study: supporting learners with sight difficulties in P4"),
            alact=(
                "We moved the learners we thought had difficulties to the front and wrote bigger.",
                "Two learners still could not read the board; others had difficulties we had not noticed.",
                "We guessed who had difficulties; nobody had checked their sight or hearing.",
                "Screen every learner first, then agree support per learner with parents and the nurse.",
                "Screening with the health club, then a support plan and a buddy for each learner.",
            ),
        ),
    ),
    others=(
        ("There is no electricity in the P4 classrooms for the laptops", Topic.ICT, OTHER, OUT),
        ("Learners are often absent on market days", Topic.OTHER, EvidenceKind.OTHER, INDIRECT),
    ),
)

MATHS_THIS_YEAR = Story(
    "Fractions and differentiation in mathematics",
    subject="Mathematics",
    grade="P5",
    priorities=(
        Priority(
            "Learners repeat the same errors with fractions because errors are not followed up",
            Topic.FORMATIVE_ASSESSMENT,
            RESULTS,
            "Term 3 P5 test: 64% of the wrong answers on fractions came from three misconceptions.",
            DIRECT,
            (
                "Errors are marked wrong but not discussed; lessons move on whatever learners understood.",
                "Halve the three common fraction errors in the term 1 test.",
                "Hinge questions with mini whiteboards; regrouping by answer; error analysis with learners.",
            ),
            ("Start each lesson with a hinge question on mini whiteboards and regroup by answer.",),
            (Resource.CBC_SYLLABUS, Resource.AIMS, Resource.OERS),
            ("Teachers saw at once who had the misconception.", "Mini whiteboards had to be made first."),
            "A hinge question at the start shows who needs help before the lesson moves on.",
            (OutputKind.ASSESSMENT_TOOL, "Bank of hinge questions on fractions for P4-P6"),
        ),
        Priority(
            "Faster learners wait with nothing to do while slower learners finish",
            Topic.DIFFERENTIATION,
            OBSERVATION,
            "In 5 of 7 observed mathematics lessons a third of the class waited more than ten minutes.",
            DIRECT,
            (
                "One task for the whole class; no extension work prepared.",
                "Every mathematics lesson has a task at three levels.",
                "Extension cards at three levels per unit; faster learners coach in pairs.",
            ),
            ("Prepare extension cards with problems at three levels for each unit of term 1.",),
            (Resource.CBC_SYLLABUS, Resource.AIMS),
            ("Nobody waits any more.", "Cards take time to write."),
            "Tasks at three levels keep every learner working.",
            (OutputKind.TEACHING_MATERIALS, "Extension cards for P5 mathematics units 1-4"),
        ),
    ),
    others=(
        ("There is no budget to buy mathematics kits", Topic.CBC_IMPLEMENTATION, OTHER, OUT),
        ("New teachers are unsure how to plan a CBC maths lesson", Topic.NEW_TEACHER_INDUCTION, PLAN, DIRECT),
    ),
)

P5_MAHAMA = Story(
    "Homework and group work in P5",
    grade="P5",
    priorities=(
        Priority(
            "P5 learners rarely complete their homework",
            Topic.HOMEWORK,
            OTHER,
            "Homework register: on average 35% of P5 learners hand in their homework.",
            INDIRECT,
            (
                "Tasks need textbooks learners cannot take home; parents do not know homework was given.",
                "70% of P5 learners hand in their homework each week.",
                "Short tasks without textbooks; homework buddies per village; parents informed.",
            ),
            (
                "Send longer homework home twice a week with a note asking parents to check it.",
                "Short tasks without textbooks, homework buddies per village, parents told at the meeting.",
            ),
            (Resource.SCHOOL_CPD_PLAN, Resource.OTHER),
            ("Hand-in rose to 72%.", "Buddies far from each other could not meet in the rainy season."),
            "Homework gets done when it is short, needs no textbook and learners do it together.",
            (OutputKind.STORY_OF_CHANGE, "Story of change: homework buddies in Mahama"),
            alact=(
                "We gave longer homework twice a week with a note for parents.",
                "Hand-in fell to 30%; many notes never reached parents.",
                "Learners could not do tasks that needed textbooks; many parents cannot read the notes.",
                "Shorter tasks without textbooks, done with a buddy; tell parents at the meeting instead.",
                "Four weeks of short tasks with village buddies, counted in the homework register.",
            ),
        ),
        Priority(
            "Lessons are mostly teacher talk and learners rarely work in groups",
            Topic.CBC_IMPLEMENTATION,
            OBSERVATION,
            "Observed lessons: teachers talked for 30 of 40 minutes on average.",
            DIRECT,
            (
                "Teachers fear noise and losing time; groups have no roles.",
                "Learners work in groups with roles for at least 15 minutes per lesson.",
                "Group roles cards; a noise signal; short tasks with a timer.",
            ),
            ("Give each group role cards (reader, writer, reporter, time keeper) and a ten-minute task.",),
            (Resource.CPD_MANUAL, Resource.CBC_SYLLABUS),
            ("Every learner had a role; less noise than feared.", "Rearranging benches takes time."),
            "Roles and a clear time limit make group work calm and productive.",
            (OutputKind.TEACHING_MATERIALS, "Group role cards for P5"),
        ),
    ),
    others=(
        ("Classes of more than 90 learners because of a lack of classrooms", Topic.LARGE_CLASSES, OTHER, OUT),
    ),
)

P6_KAMEMBE = Story(
    "Speaking English and using laptops in P6",
    grade="P6",
    priorities=(
        Priority(
            "P6 learners struggle to explain their answers in English",
            Topic.CBC_IMPLEMENTATION,
            OBSERVATION,
            "Observations: most answers were one word; learners switched to Kinyarwanda to explain.",
            DIRECT,
            (
                "Teachers accept one-word answers; learners lack the phrases to explain.",
                "Learners answer in full sentences with 'because' in every subject.",
                "Sentence starters on the wall; pair talk before answering.",
            ),
            ("Sentence starters on the wall and one minute of pair talk before each answer.",),
            (Resource.REB_TEXTBOOKS, Resource.OERS),
            ("Longer answers within two weeks.", "Starters must change with each subject."),
            "Sentence starters give learners the words they need to explain.",
            (OutputKind.TEACHING_MATERIALS, "Sentence-starter posters for P6 subjects"),
        ),
        Priority(
            "Teachers do not use the school's laptops in P6 lessons",
            Topic.ICT,
            OTHER,
            "ICT room log: P6 classes used the laptops twice in term 3.",
            DIRECT,
            (
                "Laptops are not charged; teachers lack simple offline activities.",
                "Every P6 class uses the laptops once a week.",
                "A booking timetable; charging by the ICT club; offline OER simulations.",
            ),
            (
                "Book the ICT room once a week per class.",
                "The ICT club charges the laptops each morning; one laptop per group of six, offline OERs.",
            ),
            (Resource.OERS, Resource.OTHER),
            ("Each class used the laptops weekly.", "Power cuts still cancel some lessons."),
            "Laptops get used when they are ready before the lesson and groups share them.",
            (OutputKind.LESSON_PLAN, "Lesson plans with offline simulations for P6 science"),
            alact=(
                "We booked the ICT room once a week per class.",
                "Half the booked lessons failed: the laptops were not charged.",
                "Nobody was responsible for charging; teachers did not know which offline activities work.",
                "Give the ICT club the charging; prepare offline OER activities in groups.",
                "Four weeks with charged laptops and one laptop per group of six.",
            ),
        ),
    ),
    others=(
        ("Power cuts stop the use of laptops and the projector", Topic.ICT, OTHER, OUT),
        ("Exam preparation leaves no time for group work", Topic.CBC_IMPLEMENTATION, RESULTS, INDIRECT),
    ),
)

S1_KAMEMBE = Story(
    "Active learning in S1",
    grade="S1",
    priorities=(
        Priority(
            "S1 learners copy notes from the board for most of the lesson",
            Topic.CBC_IMPLEMENTATION,
            OBSERVATION,
            "Observations: learners copied notes for 25 of 40 minutes.",
            DIRECT,
            (
                "No textbooks to take home, so teachers dictate the notes.",
                "Copying takes at most 10 minutes per lesson.",
                "Printed summaries; learners write their own summary.",
            ),
            ("One printed summary per desk; learners write a three-line summary of their own.",),
            (Resource.REB_TEXTBOOKS,),
            ("More time for activities.", "Printing costs."),
            "Own summaries help learners remember.",
            (OutputKind.TEACHING_MATERIALS, "Summary sheets for S1"),
        ),
        Priority(
            "Teachers rarely check understanding before moving on",
            Topic.FORMATIVE_ASSESSMENT,
            OBSERVATION,
            "In 6 of 9 observed lessons understanding was checked only with 'Have you understood?'.",
            DIRECT,
            (
                "Pressure to cover the syllabus; no quick way to check.",
                "Every lesson ends with a check that shows who understood.",
                "Exit tickets; thumbs up or down; hinge questions.",
            ),
            ("Exit tickets: one question on a slip at the end, sorted in three piles to plan the next one.",),
            (Resource.CPD_MANUAL,),
            ("Teachers knew who needed help.", "Sorting slips takes ten minutes."),
            "Exit tickets show who understood in a few minutes.",
            (OutputKind.ASSESSMENT_TOOL, "Exit-ticket templates for S1"),
        ),
    ),
    others=(("The school has only one science laboratory", Topic.CBC_IMPLEMENTATION, OTHER, OUT),),
)

S3_NYAKABUYE = Story(
    "Practical science and girls in science in S3",
    grade="S3",
    priorities=(
        Priority(
            "S3 learners cannot carry out experiments on their own",
            Topic.CBC_IMPLEMENTATION,
            OBSERVATION,
            "Observations: experiments were demonstrated by the teacher in 7 of 8 science lessons.",
            DIRECT,
            (
                "Few apparatus; fear of breakage; no step cards.",
                "Learners do one experiment themselves every week.",
                "Locally available materials; step cards; small groups.",
            ),
            ("Small-group experiments with local materials and a step card for each group.",),
            (Resource.OERS, Resource.CBC_SYLLABUS),
            ("Learners did the experiments and explained them.", "Collecting materials takes planning."),
            "Local materials let every group experiment.",
            (OutputKind.TEACHING_MATERIALS, "Step cards for S3 experiments with local materials"),
        ),
        Priority(
            "Few girls choose science combinations after S3",
            Topic.GENDER,
            RESULTS,
            "Only 28% of learners choosing PCM or PCB for S4 were girls.",
            INDIRECT,
            (
                "Girls lack role models; science is seen as for boys.",
                "Half of the learners choosing science combinations are girls.",
                "Role models; a girls' science club; mentoring by S6 girls.",
            ),
            (
                "Invite a female engineer from the district to talk to S3.",
                "A girls' science club with weekly practical challenges, mentored by S6 girls.",
            ),
            (Resource.OTHER,),
            ("Girls enjoy the club.", "Only after school."),
            "Girls need to practise science themselves, not only hear about it.",
            (OutputKind.SUCCESS_STORY, "Success story: the girls' science club"),
            alact=(
                "We invited a female engineer to talk to S3 learners.",
                "Girls enjoyed the talk, but few changed their choice in the survey a month later.",
                "One talk does not build confidence; girls need to succeed in practical work themselves.",
                "A weekly girls' club with practical challenges and S6 girls as mentors.",
                "Run the club for five weeks and repeat the choice survey.",
            ),
        ),
    ),
    others=(("Learners walk more than 5 km and arrive tired", Topic.OTHER, OTHER, OUT), NO_TEXTBOOKS),
)

AOB = (
    "Sector sports day: teachers to accompany learners.",
    "Reminder: lesson plans to the DOS by Friday.",
    "Parents' general assembly next month: the CoP presents its work.",
    "Sharing REB textbooks between classes until the new delivery.",
    "Mid-term tests timetable agreed.",
    "Welcome of new teachers and their mentors.",
)
