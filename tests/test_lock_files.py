"""The lock files pin every dependency `pyproject.toml` names, at a version its range allows, and the
service's pins are the same in both files (README: Upgrading the lock)."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from app.db import PROJECT_ROOT

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)")


def _pins(name: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (PROJECT_ROOT / name).read_text(encoding="utf-8").splitlines():
        found = PIN.match(line)
        if found:
            pins[canonicalize_name(found.group(1))] = found.group(2)
    return pins


def _declared(group: str | None) -> list[Requirement]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return [Requirement(line) for line in lines]


def _unmet(requirements: list[Requirement], pins: dict[str, str]) -> list[str]:
    unmet = []
    for requirement in requirements:
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None or not requirement.specifier.contains(pinned, prereleases=True):
            unmet.append(f"{requirement} (locked: {pinned})")
    return unmet


def test_the_service_lock_pins_every_dependency_within_its_range() -> None:
    assert _unmet(_declared(None), _pins("requirements.lock")) == []


def test_the_dev_lock_pins_the_service_and_the_tools_alike() -> None:
    service, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert _unmet(_declared(None) + _declared("dev"), dev) == []
    assert {name: dev.get(name) for name in service} == service
