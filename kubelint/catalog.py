"""The rule catalogue: rules are YAML documents in ``rules/`` (built in) and in user folders."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubelint.findings import Severity
from kubelint.sources.discover import Candidate
from kubelint.sources.read import load_source
from kubelint.sources.yaml import nearest_position


class CatalogError(Exception):
    """A rule file is broken (a usage error: the message names file, line and problem)."""


@dataclass(frozen=True)
class Rule:
    """One rule: what it finds, how bad it is by default, and the check it runs with which params."""

    id: str
    summary: str
    severity: Severity
    check: str
    description: str
    remediation: str
    enabled: bool = True
    tags: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    """Profiles that promote the rule: enabled, and at least a warning (see :func:`kubelint.engine.select_rules`)."""
    params: Mapping[str, Any] = field(default_factory=dict)
    file: str = ""


DEFAULT_PROFILE = "baseline"
"""The profile of a run that names none: the catalogue as written (errors and real risks; hardening advice
stays info)."""


def profiles(catalog: Mapping[str, Rule]) -> list[str]:
    """The profile names a run may use: the default one and every profile a rule of the catalogue joins."""
    return sorted({DEFAULT_PROFILE, *(name for rule in catalog.values() for name in rule.profiles)})


def builtin_rules_dir() -> Path:
    """The built-in catalogue: ``kubelint/rules`` in a wheel, ``rules/`` beside the package in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "rules", here.parent / "rules"):
        if candidate.is_dir():
            return candidate
    raise CatalogError(f"the built-in rule catalogue is missing (looked in {here / 'rules'})")


def rule_schema() -> dict[str, Any]:
    """The meta-schema every rule file must satisfy."""
    with open(Path(__file__).parent / "data" / "rule.schema.json", encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


def load_catalog(user_dirs: Iterable[str] = (), validate_builtin: bool = False) -> dict[str, Rule]:
    """Load the built-in rules and the rules in ``user_dirs`` (a user rule may override a built-in id).

    User rules are always validated against the meta-schema; built-in rules are validated by the test
    suite (and here on request), so that a plain run does not pay for importing jsonschema.
    """
    from kubelint.checks import registry

    checks = registry()
    rules: dict[str, Rule] = {}
    for folder, validate in [(str(builtin_rules_dir()), validate_builtin)] + [(d, True) for d in user_dirs]:
        if not os.path.isdir(folder):
            raise CatalogError(f"{folder}: rule folder not found")
        for name in sorted(os.listdir(folder)):
            if name.endswith((".yaml", ".yml")):
                rule = load_rule(os.path.join(folder, name), validate)
                if rule.check not in checks:
                    known = ", ".join(sorted(checks))
                    raise CatalogError(f"{rule.file}: unknown check {rule.check!r} (known: {known})")
                rules[rule.id] = rule
    return rules


def load_rule(path: str, validate: bool = True) -> Rule:
    """Read one rule file, validating it against the meta-schema when asked."""
    source = load_source(Candidate(path, path))
    for problem in source.problems:
        raise CatalogError(f"{path}:{problem.line}:{problem.column}: {problem.message}")
    if len(source.documents) != 1 or not isinstance(source.documents[0].data, dict):
        raise CatalogError(f"{path}:1:1: a rule file holds exactly one mapping")
    document = source.documents[0]
    data: dict[str, Any] = document.data
    if validate:
        from jsonschema import Draft202012Validator

        errors = sorted(Draft202012Validator(rule_schema()).iter_errors(data), key=lambda e: list(e.path))
        if errors:
            error = errors[0]
            path_in_rule = tuple(error.absolute_path)
            line, column = nearest_position(document.positions, path_in_rule)
            where = ".".join(str(part) for part in path_in_rule) or "the rule"
            raise CatalogError(f"{path}:{line}:{column}: {where}: {error.message}")
        from kubelint.checks import params_problem

        params_error = params_problem(data["check"], data.get("params") or {})
        if params_error is not None:
            path_in_rule = ("params", *params_error[0])
            line, column = nearest_position(document.positions, path_in_rule)
            where = ".".join(str(part) for part in path_in_rule)
            raise CatalogError(f"{path}:{line}:{column}: {where}: {params_error[1]}")
    try:
        return Rule(
            id=data["id"],
            summary=data["summary"],
            severity=Severity.parse(data["severity"]),
            check=data["check"],
            description=data["description"],
            remediation=data["remediation"],
            enabled=bool(data.get("enabled", True)),
            tags=tuple(data.get("tags", ())),
            profiles=tuple(data.get("profiles", ())),
            params=data.get("params") or {},
            file=path,
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise CatalogError(f"{path}:1:1: invalid rule: {error}") from error
