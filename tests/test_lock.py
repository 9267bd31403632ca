"""requirements.lock makes an install reproducible: it pins every package `make install`
puts in .venv, inside pyproject.toml's ranges, and the environment is the one it describes."""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def locked() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, separator, version = line.partition("==")
        assert separator, f"requirements.lock: {line!r} is not an exact pin (name==version)"
        pins[canonicalize_name(name)] = Version(version)
    return pins


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {})
    return [Requirement(text) for text in [*project["dependencies"], *extras.get("dev", [])]]


def test_every_declared_dependency_has_a_lower_bound():
    unbounded = [
        str(requirement)
        for requirement in declared()
        if not any(spec.operator in (">=", "==", "~=") for spec in requirement.specifier)
    ]
    assert unbounded == []


def test_the_lock_pins_every_declared_dependency_inside_its_range():
    pins = locked()
    problems = []
    for requirement in declared():
        pin = pins.get(canonicalize_name(requirement.name))
        if pin is None:
            problems.append(f"{requirement.name} is not in requirements.lock")
        elif not requirement.specifier.contains(pin, prereleases=True):
            problems.append(f"{requirement.name}=={pin} is outside {requirement.specifier}")
    assert problems == [], "run `make lock`: " + "; ".join(problems)


def test_the_lock_is_complete_every_locked_package_needs_only_locked_packages():
    pins = locked()
    missing = set()
    for name in pins:
        for text in distribution(name).requires or []:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue
            if canonicalize_name(requirement.name) not in pins:
                missing.add(f"{requirement.name} (needed by {name})")
    assert sorted(missing) == []


def test_the_installed_environment_is_the_locked_one():
    pins = locked()
    different = []
    for name, pin in pins.items():
        try:
            installed = Version(distribution(name).version)
        except PackageNotFoundError:
            different.append(f"{name} is locked but not installed")
            continue
        if installed != pin:
            different.append(f"{name} {installed} installed, {pin} locked")
    assert different == [], "run `make install` (or `make lock` after changing pyproject.toml)"
