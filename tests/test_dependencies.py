"""Pinned dependencies: bounded ranges in pyproject.toml, hashed pins in the lock files that CI
and the Docker image install from (and the pins fall inside the ranges)."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.version import Version

from tests.conftest import ROOT

_PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\]+)")


def _ranges() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    texts = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    return [Requirement(text) for text in texts]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lock: str) -> dict[str, Version]:
    pins: dict[str, Version] = {}
    lines = (ROOT / lock).read_text().splitlines()
    for number, line in enumerate(lines):
        match = _PIN.match(line)
        if match:
            assert line.rstrip().endswith("\\") and "--hash=sha256:" in lines[number + 1], line
            pins[_canonical(match.group(1))] = Version(match.group(2))
    return pins


def test_every_dependency_has_an_upper_bound() -> None:
    for requirement in _ranges():
        assert any(spec.operator in {"<", "<=", "==", "~="} for spec in requirement.specifier), requirement


def test_the_locks_pin_every_dependency_inside_its_range_with_hashes() -> None:
    runtime, everything = _pins("requirements-runtime.lock"), _pins("requirements.lock")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime_names = {_canonical(Requirement(text).name) for text in project["dependencies"]}
    for requirement in _ranges():
        name = _canonical(requirement.name)
        assert name in everything, f"{name} is not in requirements.lock: run deploy/lock-dependencies.sh"
        assert requirement.specifier.contains(everything[name], prereleases=True), (name, everything[name])
        if name in runtime_names:
            assert runtime.get(name) == everything[name], name
    # The dev lock is the runtime lock plus the tools: the service's versions are the same in both.
    assert {name: version for name, version in everything.items() if name in runtime} == runtime


def test_ci_and_the_image_install_from_the_locks() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "--require-hashes -r requirements.lock" in ci and "--no-deps -e ." in ci
    docker = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements-runtime.lock" in docker and "--no-deps ." in docker
