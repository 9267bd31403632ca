"""Courses as files: `course.yaml`, one Markdown file per module and a YAML question bank.

`load_course(path)` returns a validated CourseSpec, or raises CourseInvalid listing every
problem as "file:line: message", so an author can fix them all in one go.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
VERSION = re.compile(r"^(\d{1,4})\.(\d{1,4})$")
QUESTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
OPTION_KEYS = ("a", "b", "c", "d", "e", "f")
KNOWN_NETWORKS = ("x", "linkedin")
SETTINGS = {  # name: (smallest, largest)
    "pass_mark": (1, 100),
    "questions_per_attempt": (1, 200),
    "attempt_limit": (1, 100),
    "cooldown_minutes": (0, 60 * 24 * 90),
    "certificate_valid_days": (1, 3650),
    "recertification_grace_days": (0, 365),
}


@dataclass(frozen=True)
class ModuleSpec:
    slug: str
    title: str
    body: str


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    module: str | None
    kind: str
    prompt: str
    options: dict[str, str]
    correct: list[str]
    explanation: str


@dataclass(frozen=True)
class CourseSpec:
    slug: str
    title: str
    version: str
    summary: str
    pass_mark: int
    questions_per_attempt: int
    attempt_limit: int
    cooldown_minutes: int
    certificate_valid_days: int
    recertification_grace_days: int
    networks: list[str]
    modules: list[ModuleSpec] = field(default_factory=list)
    questions: list[QuestionSpec] = field(default_factory=list)

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def minor(self) -> int:
        return int(self.version.split(".")[1])

    def content_hash(self) -> str:
        """Changes when anything in the course changes; the same files give the same hash."""
        text = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


class CourseInvalid(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"The course has {len(errors)} problem(s).")
        self.errors = errors


class _LineLoader(yaml.SafeLoader):
    """Keeps the line of every mapping and of each of its keys, for error messages.

    Refuses aliases (`*name`): course files do not need them, and nested ones make a few
    lines stand for billions of values ("billion laughs")."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed", self.peek_event().start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        mapping["__lines__"] = {
            key.value: key.start_mark.line + 1
            for key, _ in node.value
            if isinstance(key, yaml.ScalarNode)
        }
        return mapping


class _Problems:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, file: str, line: int, message: str) -> None:
        self.errors.append(f"{file}:{line}: {message}")


def _read_yaml(path: Path, problems: _Problems) -> dict | None:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # nosec B506 # a SafeLoader
    except FileNotFoundError:
        problems.add(path.name, 1, "file not found")
        return None
    except UnicodeDecodeError:
        problems.add(path.name, 1, "not UTF-8 text")
        return None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problems.add(path.name, line, f"not valid YAML: {getattr(error, 'problem', error)}")
        return None
    if not isinstance(data, dict):
        problems.add(path.name, 1, "expected a mapping of settings")
        return None
    return data


def _line(mapping: dict, key: str) -> int:
    return mapping.get("__lines__", {}).get(key, mapping.get("__line__", 1))


# Control characters other than tab and line ends: invisible, and PostgreSQL refuses NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MAX_TITLE = 200  # the database keeps titles and module slugs in columns this long
MAX_MODULE_SLUG = 120


def _control_problem(text: str) -> str | None:
    """What an author reads when text holds a control character (YAML lets "\\0" in)."""
    match = _CONTROL.search(text)
    return f"contains the control character U+{ord(match[0]):04X}" if match else None


def _text(
    mapping: dict,
    key: str,
    file: str,
    problems: _Problems,
    *,
    required=True,
    max_length: int | None = None,
) -> str:
    value = mapping.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.add(file, _line(mapping, key), f"`{key}` is missing")
        return ""
    if not isinstance(value, str | int | float):
        problems.add(file, _line(mapping, key), f"`{key}` must be text")
        return ""
    text = str(value).strip()
    if control := _control_problem(text):
        problems.add(file, _line(mapping, key), f"`{key}` {control}")
        return ""
    if max_length is not None and len(text) > max_length:
        problems.add(file, _line(mapping, key), f"`{key}` may have at most {max_length} characters")
        return ""
    return text


def load_course(path: Path | str) -> CourseSpec:
    """Read and check a course folder; raise CourseInvalid with every problem found."""
    folder = Path(path)
    problems = _Problems()
    if not folder.is_dir():
        raise CourseInvalid([f"{folder}: not a folder with a course.yaml"])
    data = _read_yaml(folder / "course.yaml", problems)
    if data is None:
        raise CourseInvalid(problems.errors)
    file = "course.yaml"
    title = _text(data, "title", file, problems, max_length=MAX_TITLE)
    summary = _text(data, "summary", file, problems, required=False)
    slug = _text(data, "slug", file, problems)
    if slug and not SLUG.match(slug):
        problems.add(file, _line(data, "slug"), "`slug` may use lowercase letters, digits and -")
    if isinstance(data.get("version"), int | float):
        problems.add(
            file,
            _line(data, "version"),
            'write `version` in quotes, like "1.10": unquoted, 1.10 reads as 1.1',
        )
    version = _text(data, "version", file, problems)
    if version and not VERSION.match(version):
        problems.add(file, _line(data, "version"), '`version` must look like "1.0" (major.minor)')
    settings = {}
    for name, (low, high) in SETTINGS.items():
        value = data.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems.add(
                file, _line(data, name), f"`{name}` must be a whole number from {low} to {high}"
            )
            value = low
        settings[name] = value
    networks = data.get("networks")
    if (
        not isinstance(networks, list)
        or not networks
        or not all(network in KNOWN_NETWORKS for network in networks)
    ):
        problems.add(
            file,
            _line(data, "networks"),
            f"`networks` must list one or more of {', '.join(KNOWN_NETWORKS)}",
        )
        networks = []
    modules = _load_modules(folder, data, problems)
    entries = data.get("modules")
    listed = {
        Path(str(e.get("file", ""))).stem
        for e in (entries if isinstance(entries, list) else [])
        if isinstance(e, dict)
    }
    before = len(problems.errors)
    questions = _load_questions(folder, data, listed, problems)
    bank_ok = len(problems.errors) == before
    if bank_ok and questions and len(questions) < settings["questions_per_attempt"]:
        problems.add(
            file,
            _line(data, "questions_per_attempt"),
            f"`questions_per_attempt` is {settings['questions_per_attempt']} but the "
            f"bank has only {len(questions)} questions",
        )
    if problems.errors:
        raise CourseInvalid(problems.errors)
    return CourseSpec(
        slug=slug,
        title=title,
        version=version,
        summary=summary,
        networks=list(dict.fromkeys(networks)),
        modules=modules,
        questions=questions,
        **settings,
    )


def _load_modules(folder: Path, data: dict, problems: _Problems) -> list[ModuleSpec]:
    entries = data.get("modules")
    if not isinstance(entries, list) or not entries:
        problems.add("course.yaml", _line(data, "modules"), "`modules` must list the module files")
        return []
    modules = []
    for entry in entries:
        if not isinstance(entry, dict):
            problems.add(
                "course.yaml", _line(data, "modules"), "each module needs `file` and `title`"
            )
            continue
        name = _text(entry, "file", "course.yaml", problems)
        title = _text(entry, "title", "course.yaml", problems, max_length=MAX_TITLE)
        if not name:
            continue
        path = folder / name
        if len(path.stem) > MAX_MODULE_SLUG:
            problems.add(
                "course.yaml",
                _line(entry, "file"),
                f"module file names may have at most {MAX_MODULE_SLUG} characters before .md",
            )
            continue
        if path.suffix != ".md" or path.parent != folder or not path.is_file():
            problems.add(
                "course.yaml",
                _line(entry, "file"),
                f"module file {name} is not a Markdown file in the course folder",
            )
            continue
        try:
            body = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.add(name, 1, "not UTF-8 text")
            continue
        if not body.strip():
            problems.add(name, 1, "the module is empty")
        elif control := _control_problem(body):
            line = body.count("\n", 0, _CONTROL.search(body).start()) + 1
            problems.add(name, line, f"the module {control}")
        modules.append(ModuleSpec(slug=path.stem, title=title, body=body))
    return modules


def _load_questions(
    folder: Path, data: dict, module_slugs: set[str], problems: _Problems
) -> list[QuestionSpec]:
    name = _text(data, "question_bank", "course.yaml", problems)
    if not name:
        return []
    bank = _read_yaml(folder / name, problems)
    if bank is None:
        return []
    entries = bank.get("questions")
    if not isinstance(entries, list) or not entries:
        problems.add(name, _line(bank, "questions"), "`questions` must list the questions")
        return []
    questions: list[QuestionSpec] = []
    seen: dict[str, int] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            problems.add(name, bank["__line__"], "each question must be a mapping")
            continue
        question = _check_question(entry, name, module_slugs, seen, problems)
        if question:
            questions.append(question)
    return questions


def _check_question(entry, file, module_slugs, seen, problems) -> QuestionSpec | None:
    line = entry["__line__"]
    before = len(problems.errors)
    key = _text(entry, "id", file, problems)
    if key and not QUESTION_ID.match(key):
        problems.add(file, _line(entry, "id"), "`id` may use lowercase letters, digits and -")
    elif key in seen:
        problems.add(file, line, f"question id {key} is used twice (first on line {seen[key]})")
    seen.setdefault(key, line)
    module = entry.get("module")
    module_slug = Path(str(module)).stem if module else None
    if module_slug and module_slug not in module_slugs:
        problems.add(file, _line(entry, "module"), f"module {module} is not in course.yaml")
    kind = entry.get("type")
    if kind not in ("single", "multiple"):
        problems.add(file, _line(entry, "type"), "`type` must be single or multiple")
    prompt = _text(entry, "prompt", file, problems)
    options = entry.get("options")
    if not isinstance(options, dict):
        problems.add(file, _line(entry, "options"), "`options` must map a, b, c... to answers")
        options = {}
    options = {str(k): str(v).strip() for k, v in options.items() if not str(k).startswith("__")}
    if any(_control_problem(text) for text in options.values()):
        problems.add(file, _line(entry, "options"), "`options` contain a control character")
    if options and (len(options) < 2 or list(options) != list(OPTION_KEYS[: len(options)])):
        problems.add(
            file,
            _line(entry, "options"),
            "`options` must be 2 to 6 answers keyed a, b, c... in order",
        )
    correct = entry.get("correct")
    if not isinstance(correct, list) or not correct or not set(map(str, correct)) <= set(options):
        problems.add(file, _line(entry, "correct"), "`correct` must list keys of `options`")
        correct = []
    correct = [str(c) for c in correct]
    if kind == "single" and len(correct) > 1:
        problems.add(file, _line(entry, "correct"), "a single-choice question has one answer")
    if kind == "multiple" and len(correct) == 1:
        problems.add(file, _line(entry, "correct"), "a multiple-choice question has 2+ answers")
    explanation = _text(entry, "explanation", file, problems, required=False)
    if len(problems.errors) > before:
        return None
    return QuestionSpec(key, module_slug, kind, prompt, options, sorted(correct), explanation)
