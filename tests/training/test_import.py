"""`flask --app wsgi courses import PATH`: versions are stored, invalid courses change nothing."""

from __future__ import annotations

from sqlalchemy import select

from advocacy.extensions import db
from advocacy.models import Certification, Course, CourseVersion, Module, Question
from advocacy.services.courses import current_version
from tests.training.conftest import (
    SLUG,
    audit_events,
    certify,
    count,
    stored,
    write_course,
)


def run_import(app, path):
    return app.test_cli_runner().invoke(args=["courses", "import", str(path)])


def versions() -> list[tuple[str, bool]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(CourseVersion.version, CourseVersion.is_current).order_by(CourseVersion.id)
    )
    return [tuple(row) for row in rows]


def snapshot() -> tuple:
    """What the database holds about courses, to show that nothing changed."""
    db.session.expire_all()
    return (
        versions(),
        count(Course),
        count(Module),
        count(Question),
        sorted(db.session.scalars(select(CourseVersion.content_hash))),
        len(audit_events("course.imported")),
    )


def test_the_first_import_creates_version_one_as_current(app, tmp_path):
    result = run_import(app, write_course(tmp_path / "course"))
    assert result.exit_code == 0, result.output
    assert "Imported Test course version 1.0: 2 modules, 6 questions" in result.output
    assert versions() == [("1.0", True)]
    version = current_version(db.session, SLUG)
    assert [m.title for m in version.modules] == ["The basics", "More to know"]
    assert (version.pass_mark, version.questions_per_attempt, version.attempt_limit) == (75, 4, 2)
    assert version.networks == ["x", "linkedin"]
    assert count(Question) == 6
    assert [e.subject for e in audit_events("course.imported")] == [f"{SLUG} 1.0"]


def test_importing_the_same_files_again_changes_nothing(app, tmp_path):
    folder = write_course(tmp_path / "course")
    run_import(app, folder)
    before = snapshot()
    result = run_import(app, folder)
    assert result.exit_code == 0, result.output
    assert "already imported" in result.output
    assert snapshot() == before


def test_the_same_version_with_changed_content_is_refused(app, tmp_path):
    run_import(app, write_course(tmp_path / "course"))
    before = snapshot()
    changed = write_course(tmp_path / "changed", extra_text=" A new paragraph.")
    result = run_import(app, changed)
    assert result.exit_code != 0
    assert "different content" in result.output and "raise the version" in result.output
    assert "Nothing was imported" in result.output
    assert snapshot() == before


def test_a_broken_course_lists_file_and_line_and_stores_nothing(app, tmp_path):
    folder = write_course(tmp_path / "course", pass_mark=150)
    questions = folder / "questions.yaml"
    questions.write_text(questions.read_text().replace("correct: [c]", "correct: [z]"))
    result = run_import(app, folder)
    assert result.exit_code != 0
    assert f"{folder / 'course.yaml'}:5: `pass_mark`" in result.output
    assert f"{questions}:" in result.output and "`correct` must list keys" in result.output
    assert "Nothing was imported" in result.output
    assert snapshot() == ([], 0, 0, 0, [], 0)


def test_a_broken_new_version_leaves_the_current_one(app, tmp_path):
    run_import(app, write_course(tmp_path / "v1"))
    before = snapshot()
    result = run_import(app, write_course(tmp_path / "v2", version="2.0", pass_mark=0))
    assert result.exit_code != 0
    assert snapshot() == before


def test_an_older_version_is_refused(app, tmp_path):
    run_import(app, write_course(tmp_path / "v11", version="1.1"))
    before = snapshot()
    result = run_import(app, write_course(tmp_path / "v10", version="1.0"))
    assert result.exit_code != 0
    assert "older than the current version 1.1" in result.output
    assert snapshot() == before


def test_a_new_major_version_becomes_current_and_old_certificates_keep_theirs(
    app, tmp_path, make_user
):
    run_import(app, write_course(tmp_path / "v1"))
    first = current_version(db.session, SLUG)
    holder = make_user()
    number = certify(holder, first).number
    result = run_import(app, write_course(tmp_path / "v2", version="2.0", extra_text=" New."))
    assert result.exit_code == 0, result.output
    assert versions() == [("1.0", False), ("2.0", True)]
    second = current_version(db.session, SLUG)
    assert second.previous_major_valid_until is not None
    certificate = stored(Certification, number=number)[0]
    assert certificate.version.version == "1.0"
    # The old version keeps its own modules and questions.
    assert count(Module) == 4 and count(Question) == 12
    assert len(first.questions) == 6 and first.modules[0].body != second.modules[0].body
