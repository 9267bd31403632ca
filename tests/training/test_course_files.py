"""Courses as files: the default course loads, and every problem is reported with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from advocacy.services.demo import DEFAULT_COURSE
from tests.training.conftest import write_course
from training.course_files import CourseInvalid, load_course


def line_of(path: Path, fragment: str) -> int:
    """The 1-based number of the first line of `path` containing `fragment`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in {path.name}")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(CourseInvalid) as invalid:
        load_course(folder)
    return invalid.value.errors


# The default course


def test_the_default_course_loads_with_enough_modules_and_questions():
    spec = load_course(DEFAULT_COURSE)
    assert spec.title == "Social media essentials for employees"
    assert len(spec.modules) >= 8
    assert len(spec.questions) >= 40
    assert spec.questions_per_attempt <= len(spec.questions)
    assert set(spec.networks) == {"x", "linkedin"}


def test_every_default_question_is_well_formed():
    spec = load_course(DEFAULT_COURSE)
    module_slugs = {module.slug for module in spec.modules}
    for question in spec.questions:
        assert question.prompt and question.explanation, question.key
        assert question.module in module_slugs, question.key
        assert set(question.correct) <= set(question.options), question.key
        expected_answers = 1 if question.kind == "single" else 2
        assert len(question.correct) >= expected_answers, question.key
        assert len(question.correct) < len(question.options), question.key
        if question.kind == "single":
            assert len(question.correct) == 1, question.key


def test_every_default_module_has_questions_and_prose():
    spec = load_course(DEFAULT_COURSE)
    asked = {question.module for question in spec.questions}
    for module in spec.modules:
        assert module.slug in asked, module.slug
        assert len(module.body.split()) > 200, module.slug


def test_a_small_valid_course_loads(tmp_path):
    spec = load_course(write_course(tmp_path / "course"))
    assert (spec.slug, spec.version, spec.pass_mark) == ("test-course", "1.0", 75)
    assert [m.slug for m in spec.modules] == ["01-basics", "02-more"]
    assert len(spec.questions) == 6


def test_the_same_files_give_the_same_content_hash(tmp_path):
    first = load_course(write_course(tmp_path / "one")).content_hash()
    second = load_course(write_course(tmp_path / "two")).content_hash()
    changed = load_course(write_course(tmp_path / "three", extra_text=" More.")).content_hash()
    assert first == second != changed


# Broken files: (file to break, text to replace, replacement, file reported, line marker)

BROKEN = {
    "missing title": ("course.yaml", "title: Test course\n", "", "course.yaml", None),
    "bad version": ("course.yaml", 'version: "1.0"', 'version: "v1"', "course.yaml", "version:"),
    "pass mark over 100": (
        "course.yaml",
        "pass_mark: 75",
        "pass_mark: 150",
        "course.yaml",
        "pass_mark:",
    ),
    "unknown network": (
        "course.yaml",
        "networks: [x, linkedin]",
        "networks: [x, myspace]",
        "course.yaml",
        "networks:",
    ),
    "module file missing": (
        "course.yaml",
        "file: 02-more.md",
        "file: 02-missing.md",
        "course.yaml",
        "02-missing.md",
    ),
    "YAML syntax error": (
        "questions.yaml",
        '    prompt: "Prompt of q4?"',
        "    prompt: Prompt: of q4?",
        "questions.yaml",
        "Prompt: of q4?",
    ),
    "duplicate question id": ("questions.yaml", "id: q5", "id: q2", "questions.yaml", "id: q2\n#2"),
    "correct key not in options": (
        "questions.yaml",
        "correct: [c]",
        "correct: [z]",
        "questions.yaml",
        "correct: [z]",
    ),
    "single question with two answers": (
        "questions.yaml",
        "correct: [b]\n",
        "correct: [a, b]\n",
        "questions.yaml",
        "correct: [a, b]",
    ),
    "multiple question with one answer": (
        "questions.yaml",
        "correct: [a, c]",
        "correct: [a]\n",
        "questions.yaml",
        "#multiple-one",
    ),
    "question of an unknown module": (
        "questions.yaml",
        "module: 02-more.md",
        "module: 09-nowhere.md",
        "questions.yaml",
        "09-nowhere.md",
    ),
    "more questions per attempt than the bank": (
        "course.yaml",
        "questions_per_attempt: 4",
        "questions_per_attempt: 7",
        "course.yaml",
        "questions_per_attempt:",
    ),
}


def _expected_line(path: Path, marker: str | None) -> int:
    if marker is None:
        return 0  # any line will do: only the file and the message are checked
    if marker == "id: q2\n#2":  # the second question with id q2 (the former q5)
        lines = path.read_text(encoding="utf-8").splitlines()
        return [n for n, line in enumerate(lines, start=1) if "id: q2" in line][1]
    if marker == "#multiple-one":  # q3, the first multiple-choice question
        lines = path.read_text(encoding="utf-8").splitlines()
        start = next(n for n, line in enumerate(lines, start=1) if "id: q3" in line)
        return next(n for n, line in enumerate(lines, start=1) if n > start and "correct:" in line)
    return line_of(path, marker)


MESSAGES = {
    "missing title": "`title` is missing",
    "bad version": "`version`",
    "pass mark over 100": "`pass_mark`",
    "unknown network": "`networks`",
    "module file missing": "02-missing.md",
    "YAML syntax error": "not valid YAML",
    "duplicate question id": "used twice",
    "correct key not in options": "`correct`",
    "single question with two answers": "single-choice",
    "multiple question with one answer": "multiple-choice",
    "question of an unknown module": "09-nowhere.md",
    "more questions per attempt than the bank": "only 6 questions",
}


@pytest.mark.parametrize(
    "problem",
    [name for name in BROKEN],
)
def test_a_broken_course_reports_the_file_and_line(tmp_path, problem):
    folder = write_course(tmp_path / "course")
    broken_file, old, new, reported_file, marker = BROKEN[problem]
    edit(folder / broken_file, old, new)
    errors = problems_of(folder)
    if problem != "module file missing":  # its questions then name an unknown module too
        assert len(errors) == 1, errors
    file, line, message = errors[0].split(":", 2)
    assert file == reported_file
    expected = _expected_line(folder / reported_file, marker)
    if expected:
        assert int(line) == expected, errors
    assert MESSAGES[problem] in message


def test_a_missing_question_bank_is_reported(tmp_path):
    folder = write_course(tmp_path / "course")
    (folder / "questions.yaml").unlink()
    assert problems_of(folder) == ["questions.yaml:1: file not found"]


def test_a_folder_without_course_yaml_is_refused(tmp_path):
    errors = problems_of(tmp_path / "nothing-here")
    assert len(errors) == 1 and "not a folder" in errors[0]


def test_every_problem_is_reported_at_once(tmp_path):
    folder = write_course(tmp_path / "course")
    edit(folder / "course.yaml", 'version: "1.0"', 'version: "v1"')
    edit(folder / "course.yaml", "pass_mark: 75", "pass_mark: 150")
    edit(folder / "course.yaml", "file: 02-more.md", "file: 02-missing.md")
    edit(folder / "questions.yaml", "correct: [c]", "correct: [z]")
    edit(folder / "questions.yaml", "id: q5", "id: q1")
    errors = problems_of(folder)
    where = sorted(error.rsplit(": ", 1)[0].split(":", 2)[0] for error in errors)
    assert where.count("course.yaml") >= 3, errors
    assert where.count("questions.yaml") >= 2, errors
    assert any("`version`" in e for e in errors)
    assert any("`pass_mark`" in e for e in errors)
    assert any("02-missing.md" in e for e in errors)
    assert any("`correct`" in e for e in errors)
    assert any("used twice" in e for e in errors)
    # The missing module is also why its questions' `module` no longer resolves.
    assert any("module 02-more.md is not in course.yaml" in e for e in errors)


def test_an_unquoted_version_is_not_silently_changed(tmp_path):
    folder = write_course(tmp_path / "course")
    edit(folder / "course.yaml", 'version: "1.0"', "version: 1.10")
    try:
        spec = load_course(folder)
    except CourseInvalid as invalid:
        assert any("`version`" in error for error in invalid.errors)
    else:
        assert spec.version == "1.10"


@pytest.mark.parametrize("modules", ["1", "yes", "{file: 01-basics.md}"])
def test_modules_that_are_not_a_list_are_reported_not_a_crash(tmp_path, modules):
    folder = write_course(tmp_path / "course")
    settings = folder / "course.yaml"
    lines = settings.read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("modules:"))
    end = next(
        (n for n in range(start + 1, len(lines)) if lines[n] and not lines[n].startswith(" ")),
        len(lines),
    )
    lines[start:end] = [f"modules: {modules}"]
    settings.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert any("`modules` must list the module files" in e for e in problems_of(folder))
