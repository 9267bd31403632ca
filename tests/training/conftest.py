"""Helpers for the training tests: small course folders, importing them, taking the assessment."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from advocacy.extensions import db
from advocacy.models import (
    Attempt,
    AuditEvent,
    Certification,
    CourseVersion,
    OutboxMessage,
    Question,
    User,
)
from advocacy.services.assessment import issue_certificate
from advocacy.services.courses import import_course
from tests.conftest import csrf_token, post_form
from training.course_files import load_course

SLUG = "test-course"
START = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
ATTEMPT_LOCATION = re.compile(r"/training/attempts/(\d+)$")
ANSWER_INPUT = re.compile(r'<input type="(radio|checkbox)" name="q(\d+)" value="(\w+)"( checked)?>')
FLASH = re.compile(r'<div class="flash flash-(\w+)" role="status">(.*?)</div>', re.S)
FORM_ERRORS = re.compile(r'<div class="form-errors" role="alert"><ul>(.*?)</ul></div>', re.S)
CERTIFICATE_NUMBER = re.compile(r"CH-[A-Z2-9]{4}-[A-Z2-9]{4}")

COURSE_YAML = """\
slug: test-course
title: Test course
version: "{version}"
summary: A short course for tests.
pass_mark: {pass_mark}
questions_per_attempt: {questions_per_attempt}
attempt_limit: {attempt_limit}
cooldown_minutes: {cooldown_minutes}
certificate_valid_days: {certificate_valid_days}
recertification_grace_days: {recertification_grace_days}
networks: [x, linkedin]
modules:
  - file: 01-basics.md
    title: The basics
  - file: 02-more.md
    title: More to know
question_bank: questions.yaml
"""

SETTINGS = {
    "version": "1.0",
    "pass_mark": 75,
    "questions_per_attempt": 4,
    "attempt_limit": 2,
    "cooldown_minutes": 10,
    "certificate_valid_days": 365,
    "recertification_grace_days": 30,
}

# (id, module, type, correct); every question has options a-d.
QUESTIONS = (
    ("q1", "01-basics.md", "single", ["a"]),
    ("q2", "01-basics.md", "single", ["b"]),
    ("q3", "01-basics.md", "multiple", ["a", "c"]),
    ("q4", "02-more.md", "single", ["c"]),
    ("q5", "02-more.md", "single", ["d"]),
    ("q6", "02-more.md", "multiple", ["b", "d"]),
)


def explanation_of(key: str) -> str:
    return f"Explained-{key}: the reason this answer holds."


def questions_yaml() -> str:
    lines = ["questions:"]
    for key, module, kind, correct in QUESTIONS:
        lines += [
            f"  - id: {key}",
            f"    module: {module}",
            f"    type: {kind}",
            f'    prompt: "Prompt of {key}?"',
            "    options:",
            *(f'      {option}: "Option {option} of {key}"' for option in "abcd"),
            f"    correct: [{', '.join(correct)}]",
            f'    explanation: "{explanation_of(key)}"',
        ]
    return "\n".join(lines) + "\n"


def write_course(folder: Path, *, extra_text: str = "", **settings) -> Path:
    """A valid two-module, six-question course; `settings` override course.yaml values."""
    folder.mkdir(parents=True, exist_ok=True)
    values = {**SETTINGS, **settings}
    (folder / "course.yaml").write_text(COURSE_YAML.format(**values), encoding="utf-8")
    (folder / "01-basics.md").write_text(
        f"## The basics\n\nSay that you work here.{extra_text}\n", encoding="utf-8"
    )
    (folder / "02-more.md").write_text("## More\n\nKeep secrets secret.\n", encoding="utf-8")
    (folder / "questions.yaml").write_text(questions_yaml(), encoding="utf-8")
    return folder


def import_folder(folder: Path) -> CourseVersion:
    version, _created = import_course(db.session, load_course(folder))
    db.session.commit()
    return version


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    return write_course(tmp_path / "course")


@pytest.fixture
def course(app, course_dir: Path) -> CourseVersion:
    """Version 1.0 of the small test course, imported and current."""
    return import_folder(course_dir)


def certify(user: User, version: CourseVersion, issued_at: datetime | None = None):
    certification = issue_certificate(db.session, user, version, issued_at=issued_at)
    db.session.commit()
    return certification


def stored(model: type, **where):
    db.session.expire_all()
    query = select(model).filter_by(**where).order_by(model.id)
    return list(db.session.scalars(query))


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audit_events(action: str) -> list[AuditEvent]:
    return stored(AuditEvent, action=action)


def outbox() -> list[OutboxMessage]:
    return stored(OutboxMessage)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def flashes(page: str) -> list[tuple[str, str]]:
    return [(kind, " ".join(html.unescape(text).split())) for kind, text in FLASH.findall(page)]


def form_errors(page: str) -> str:
    match = FORM_ERRORS.search(page)
    return html.unescape(match.group(1)) if match else ""


def follow(client: FlaskClient, response) -> str:
    assert response.status_code == 303, text_of(response)
    return text_of(client.get(response.headers["Location"]))


# The employee's path over HTTP


def read_modules(client: FlaskClient, slug: str = SLUG, positions=(1, 2)) -> None:
    token = csrf_token(client)
    for position in positions:
        response = client.post(f"/training/{slug}/modules/{position}", data={"csrf_token": token})
        assert response.status_code == 303, text_of(response)


def start_attempt(client: FlaskClient, slug: str = SLUG):
    return post_form(client, f"/training/{slug}/attempts")


def started_attempt_id(response) -> int:
    assert response.status_code == 303, text_of(response)
    match = ATTEMPT_LOCATION.search(response.headers["Location"])
    assert match, f"not sent to an attempt: {response.headers['Location']}"
    return int(match.group(1))


def shown_questions(page: str) -> dict[int, list[str]]:
    """Question id -> the option numbers (1, 2, 3...) the attempt page shows."""
    shown: dict[int, list[str]] = {}
    for _type, question_id, key, _checked in ANSWER_INPUT.findall(page):
        shown.setdefault(int(question_id), []).append(key)
    return shown


def ticked(page: str) -> dict[int, list[str]]:
    boxes: dict[int, list[str]] = {}
    for _type, question_id, key, checked in ANSWER_INPUT.findall(page):
        if checked:
            boxes.setdefault(int(question_id), []).append(key)
    return boxes


def answers(attempt_id: int, right: int) -> dict[str, list[str]]:
    """Form fields answering the attempt's first `right` questions right, the others wrong."""
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    fields = {}
    for index, item in enumerate(attempt.drawn):
        question = db.session.get(Question, item["question"])
        if index < right:
            chosen = list(question.correct)
        else:
            chosen = [next(k for k in item["options"] if k not in question.correct)]
        # The page numbers options 1, 2, 3... in the order shown, never by their keys.
        fields[f"q{question.id}"] = [str(item["options"].index(k) + 1) for k in chosen]
    return fields


def submit(client: FlaskClient, attempt_id: int, fields: dict):
    return post_form(client, f"/training/attempts/{attempt_id}", fields)


def take_assessment(client: FlaskClient, right: int, slug: str = SLUG) -> int:
    """Start an attempt and submit it with `right` right answers; the attempt id."""
    attempt_id = started_attempt_id(start_attempt(client, slug))
    response = submit(client, attempt_id, answers(attempt_id, right))
    assert response.status_code == 303, text_of(response)
    return attempt_id


def latest_certificate(user: User) -> Certification | None:
    found = stored(Certification, user_id=user.id)
    return found[-1] if found else None
