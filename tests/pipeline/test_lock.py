"""requirements.lock, which `make setup` (so `make build`, `make test` and CI) installs from with
--require-hashes, agrees with pyproject.toml: every direct dependency (the test extra included)
is pinned at a version its range allows, the lock's direct dependencies are exactly
pyproject.toml's, and every pin carries hashes. Fix a failure with `make lock`."""
from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from pipelines.settings import PROJECT_ROOT

LOCK = PROJECT_ROOT / "requirements.lock"
PROJECT = "battery-warehouse (pyproject.toml)"


def _declared() -> dict[str, Requirement]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    return {canonicalize_name(r.name): r for r in map(Requirement, requirements)}


def _locked() -> dict[str, tuple[str, list[str], str]]:
    """name -> (version, hashes, the 'via' comment) of every pin."""
    text = LOCK.read_text(encoding="utf-8")
    pins = {}
    for block in re.split(r"\n(?=\S)", text):
        found = re.match(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", block)  # name[extras]==version
        if found:
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
            via = " ".join(line.strip(" #") for line in block.splitlines() if line.lstrip().startswith("#"))
            pins[canonicalize_name(found.group(1))] = (found.group(2), hashes, via)
    return pins


def test_every_direct_dependency_is_pinned_within_its_range():
    locked = _locked()
    problems = []
    for name, requirement in _declared().items():
        if name not in locked:
            problems.append(f"{requirement} is not in requirements.lock")
        elif not requirement.specifier.contains(locked[name][0], prereleases=True):
            problems.append(f"{requirement}: the lock pins {locked[name][0]}")
    assert problems == [], "pyproject.toml and requirements.lock disagree (run `make lock`):\n" + "\n".join(problems)


def test_the_locks_direct_dependencies_are_pyproject_tomls():
    direct = {name for name, (_, _, via) in _locked().items() if PROJECT in via}
    assert direct == set(_declared()), "pyproject.toml and requirements.lock disagree (run `make lock`)"


def test_every_pin_has_hashes_and_no_machine_specific_index():
    locked = _locked()
    assert locked, "requirements.lock pins nothing"
    assert [name for name, (_, hashes, _) in locked.items() if not hashes] == []
    text = LOCK.read_text(encoding="utf-8")
    assert not re.search(r"^--(extra-)?index-url|^--find-links|file:///", text, re.M), "the lock names a machine's own index"
    assert "--extra=test" in text  # the header records the command: the test extra is locked too
    # with --strip-extras a dependency required with extras (gql[requests]) is not pinned as pip's
    # --require-hashes needs it, and the install fails
    assert "--strip-extras" not in text
