"""Course files: whatever an author writes, `courses import` stores a whole course or lists
what is wrong as "file:line: message" and stores nothing; never a traceback."""

from __future__ import annotations

import itertools
import re
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from tests.hostile.conftest import WITH_APP, changed_tables, database_state
from tests.training.conftest import QUESTIONS, SETTINGS
from training.course_files import CourseInvalid, load_course

NUMBERS = itertools.count(1)
PROBLEM = re.compile(r"^[^:\n]+:\d+: \S")
FIRST_MODULE = "01-basics.md"


def course_files(slug: str) -> dict[str, object]:
    """A valid course as data: course.yaml and the bank as mappings, modules as text."""
    course = {
        "slug": slug,
        "title": "Test course",
        "summary": "A short course for tests.",
        **SETTINGS,
        "networks": ["x", "linkedin"],
        "modules": [
            {"file": FIRST_MODULE, "title": "The basics"},
            {"file": "02-more.md", "title": "More to know"},
        ],
        "question_bank": "questions.yaml",
    }
    bank = {
        "questions": [
            {
                "id": key,
                "module": module,
                "type": kind,
                "prompt": f"Prompt of {key}?",
                "options": {option: f"Option {option} of {key}" for option in "abcd"},
                "correct": correct,
                "explanation": "Because.",
            }
            for key, module, kind, correct in QUESTIONS
        ]
    }
    return {
        "course.yaml": course,
        "questions.yaml": bank,
        FIRST_MODULE: "## The basics\n\nSay that you work here.\n",
        "02-more.md": "## More\n\nKeep secrets secret.\n",
    }


def write(folder: Path, files: dict[str, object]) -> Path:
    folder.mkdir(parents=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        elif isinstance(content, str):
            (folder / name).write_text(content, encoding="utf-8")
        else:
            (folder / name).write_text(yaml.safe_dump(content, allow_unicode=True), "utf-8")
    return folder


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.text(min_size=190, max_size=260),
    st.sampled_from(["1.0", "2.10", "x", "a\x00b", "../../etc/passwd.md", "01-basics.md", "a"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
COURSE_KEYS = [*course_files("k")["course.yaml"], "modules.0.file", "modules.1.title"]
QUESTION_KEYS = ["id", "module", "type", "prompt", "options", "correct", "explanation"]


@st.composite
def broken(draw, files: dict[str, object]) -> dict[str, object]:
    """The course with one to three things changed: a setting, a question's field, a module's
    text, or a whole file replaced, truncated or made of arbitrary bytes."""
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["course", "question", "module", "file"]))
        if where == "course":
            course, name = files["course.yaml"], draw(st.sampled_from(COURSE_KEYS))
            target, field = course, name
            if name.startswith("modules.") and isinstance(course, dict):
                _, index, field = name.split(".")
                modules = course.get("modules")
                ok = isinstance(modules, list) and len(modules) > int(index)
                target = modules[int(index)] if ok else None
            if not isinstance(target, dict):
                continue  # the file was replaced already
            if draw(st.booleans()):
                target[field] = draw(VALUES)
            else:
                target.pop(field, None)
        elif where == "question":
            bank = files["questions.yaml"]
            questions = bank.get("questions") if isinstance(bank, dict) else None
            if isinstance(questions, list) and questions:
                question = questions[draw(st.integers(0, len(questions) - 1))]
                if isinstance(question, dict):
                    question[draw(st.sampled_from(QUESTION_KEYS))] = draw(VALUES)
            else:
                files["questions.yaml"] = {"questions": draw(VALUES)}
        elif where == "module":
            files[FIRST_MODULE] = draw(st.one_of(st.text(max_size=200), st.binary(max_size=50)))
        else:
            name = draw(st.sampled_from(sorted(files)))
            text = files[name]
            if not isinstance(text, str | bytes):
                text = yaml.safe_dump(text, allow_unicode=True)
            cut = draw(st.integers(0, len(text)))
            files[name] = draw(st.one_of(st.just(text[:cut]), st.binary(max_size=60)))
    return files


def run_import(app, folder: Path):
    return app.test_cli_runner().invoke(args=["courses", "import", str(folder)])


@WITH_APP
@given(data=st.data())
@example(data=None)
def test_a_broken_course_is_refused_with_each_problem_and_nothing_stored(app, data):
    number = next(NUMBERS)
    files = course_files(f"course-{number:06d}")  # one length: the draws must not depend on it
    if data is None:  # found by this test: these reached the database, a 500 on PostgreSQL
        files["course.yaml"]["title"] = "T" * 201
        files[FIRST_MODULE] = "Hello\x00world"
    else:
        files = data.draw(broken(files))
    folder = write(Path(tempfile.mkdtemp()) / "course", files)
    before = database_state()

    try:
        spec = load_course(folder)
    except CourseInvalid as invalid:
        assert invalid.errors
        assert all(PROBLEM.match(error) for error in invalid.errors), invalid.errors
        spec = None

    result = run_import(app, folder)
    event("refused" if spec is None else "imported")

    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    if spec is None:
        assert result.exit_code == 1
        assert "Nothing was imported" in result.output
        assert changed_tables(before, database_state()) == []
    else:
        assert result.exit_code == 0, result.output
        assert f"Imported {spec.title} version {spec.version}" in result.output


@settings(max_examples=40, deadline=None)
@given(text=st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x9F), min_size=1))
def test_control_characters_in_course_text_are_reported_with_their_line(text):
    folder = Path(tempfile.mkdtemp())
    files = course_files("control")
    files["questions.yaml"]["questions"][2]["prompt"] = f"Ask {text}?"
    files[FIRST_MODULE] = f"# Title\n\nIntro.\n\nText {text} here.\n"
    write(folder / "c", files)

    def controls(value: str) -> list[str]:
        return [c for c in value if c not in "\t\n\r " and (c < " " or "\x7f" <= c <= "\x9f")]

    # YAML reads some of them as line breaks, which a quoted prompt folds into a space.
    prompt = yaml.safe_load((folder / "c" / "questions.yaml").read_text("utf-8"))
    in_prompt = controls(prompt["questions"][2]["prompt"])
    try:
        load_course(folder / "c")
    except CourseInvalid as invalid:
        assert controls(text), invalid.errors
        assert any(e.startswith(f"{FIRST_MODULE}:") for e in invalid.errors), invalid.errors
        in_errors = any(e.startswith("questions.yaml:") and "`prompt`" in e for e in invalid.errors)
        assert in_errors == bool(in_prompt), invalid.errors
    else:
        assert not controls(text)


def test_a_module_file_name_longer_than_the_database_keeps_is_reported(tmp_path):
    name = "m" * 121 + ".md"
    files = course_files("long-module")
    files["course.yaml"]["modules"][0]["file"] = name
    files[name] = "## Long\n\nText.\n"
    write(tmp_path / "c", files)

    with pytest.raises(CourseInvalid) as invalid:
        load_course(tmp_path / "c")

    assert any("at most 120 characters before .md" in e for e in invalid.value.errors)


def test_a_billion_laughs_bank_is_refused_at_once(tmp_path):
    """Nine levels of nested aliases stand for 9**9 answers: str() of them took seconds per
    level and gigabytes of memory, so course files may not use aliases at all."""
    laughs = ['  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for before, name in zip("abcdefgh", "bcdefghi", strict=True):
        laughs.append(f"  {name}: &{name} [{', '.join([f'*{before}'] * 9)}]")
    files = course_files("laughs")
    bank = yaml.safe_dump(files["questions.yaml"]).replace("a: Option a of q1", "a: *i")
    files["questions.yaml"] = "laughs:\n" + "\n".join(laughs) + "\n" + bank
    write(tmp_path / "c", files)

    with pytest.raises(CourseInvalid) as invalid:
        load_course(tmp_path / "c")

    assert invalid.value.errors == [
        "questions.yaml:3: not valid YAML: aliases (*name) are not allowed"
    ]
