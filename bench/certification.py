"""Training rows behind each certificate: modules read, attempts drawn and graded by the
real quiz engine (a few failed before the pass), and the certificates themselves."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from advocacy.services.assessment import _CERTIFICATE_ALPHABET
from bench.people import Person
from bench.synthetic import Span, days, minutes
from training import quiz

ATTEMPT_COLUMNS = (
    "id", "user_id", "version_id", "started_at", "submitted_at", "drawn", "answers", "score",
    "passed",
)  # fmt: skip
CERTIFICATION_COLUMNS = (
    "id", "number", "user_id", "version_id", "attempt_id", "issued_at", "expires_at",
    "reminded_at",
)  # fmt: skip
COMPLETION_COLUMNS = ("user_id", "module_id", "completed_at")
REMINDER = timedelta(days=30)


@dataclass(frozen=True)
class Course:
    """What the imported default course gives the generator."""

    version_id: int
    module_ids: tuple[int, ...]
    questions: dict[int, tuple[list[str], list[str]]]  # id -> (option keys, correct keys)
    per_attempt: int
    pass_mark: int


@dataclass
class TrainingRows:
    completions: list[tuple]
    attempts: list[tuple]
    certifications: list[tuple]


def training_rows(
    rng: random.Random, people: list[Person], course: Course, span: Span
) -> TrainingRows:
    rows = TrainingRows([], [], [])
    numbers: set[str] = set()
    for person in people:
        first_read = None
        for issued, expires in person.certificates:
            earliest = issued
            for _ in range(rng.choices((0, 1, 2), (75, 20, 5))[0]):
                failed_at = issued - minutes(rng.uniform(15, 4 * 24 * 60))
                _attempt(rng, rows, person, course, failed_at, passing=False)
                earliest = min(earliest, failed_at)
            first_read = first_read or earliest - minutes(rng.uniform(60, 20 * 24 * 60))
            attempt_id = _attempt(rng, rows, person, course, issued, passing=True)
            reminded = expires - REMINDER if expires - REMINDER <= span.until else None
            rows.certifications.append((
                len(rows.certifications) + 1, _number(rng, numbers), person.id,
                course.version_id, attempt_id, issued, expires, reminded,
            ))  # fmt: skip
        if first_read is None and person.active and rng.random() < 0.08:
            first_read = span.until - days(rng.uniform(1, 60))  # still reading
        if first_read is not None:
            read = len(course.module_ids) if person.certificates else rng.randint(1, 7)
            for n, module_id in enumerate(course.module_ids[:read]):
                at = first_read + minutes(10 * n + rng.uniform(0, 9))
                rows.completions.append((person.id, module_id, at))
    return rows


def _attempt(
    rng: random.Random,
    rows: TrainingRows,
    person: Person,
    course: Course,
    submitted: datetime,
    passing: bool,
) -> int:
    """One submitted attempt, drawn and graded by training.quiz: a pass with at most two
    mistakes, or a fail with three to six."""
    drawn = quiz.draw({q: options for q, (options, _) in course.questions.items()},
                      course.per_attempt, rng)  # fmt: skip
    correct = {q: right for q, (_, right) in course.questions.items()}
    mistakes = rng.choice((0, 0, 0, 1, 1, 2)) if passing else rng.randint(3, 6)
    wrong = {d.question_id for d in rng.sample(drawn, min(mistakes, len(drawn)))}
    answers = {}
    for d in drawn:
        right = correct[d.question_id]
        others = [o for o in d.option_order if o not in right]
        mistaken = d.question_id in wrong and others
        answers[d.question_id] = [rng.choice(others)] if mistaken else sorted(right)
    graded = quiz.grade(drawn, answers, correct)
    passed = quiz.is_pass(graded, course.pass_mark)
    if passed != passing:
        raise RuntimeError("The generated attempt does not grade as intended.")
    attempt_id = len(rows.attempts) + 1
    rows.attempts.append((
        attempt_id, person.id, course.version_id,
        submitted - minutes(rng.uniform(6, 40)), submitted,
        [{"question": d.question_id, "options": d.option_order} for d in drawn],
        {str(k): v for k, v in answers.items()}, quiz.score_percent(graded), passed,
    ))  # fmt: skip
    return attempt_id


def _number(rng: random.Random, taken: set[str]) -> str:
    """A unique number shaped like those of assessment._certificate_number ("CH-" and two
    groups of four)."""
    while True:
        code = "".join(rng.choice(_CERTIFICATE_ALPHABET) for _ in range(8))
        number = f"CH-{code[:4]}-{code[4:]}"
        if number not in taken:
            taken.add(number)
            return number
