"""The rule catalogue: rules are YAML documents in ``rules/`` (built in) and in user folders."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from kubelint.findings import Severity
from kubelint.records import record
from kubelint.sources.boundary import Boundary
from kubelint.sources.discover import Candidate
from kubelint.sources.read import load_source
from kubelint.sources.yaml import nearest_position


class CatalogError(Exception):
    """A rule file is broken (a usage error: the message names file, line and problem)."""


BUILTIN_REQUIRED = ("description", "remediation")
"""Fields a built-in rule must give beyond the meta-schema's (user rules may leave them out)."""


@record(frozen=True)
class Rule:
    """One rule: what it finds, how bad it is by default, and the check it runs with which params."""

    id: str
    summary: str
    severity: Severity
    check: str
    description: str = ""
    remediation: str = ""
    enabled: bool = True
    tags: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    """Profiles that promote the rule: enabled, and at least a warning (see :func:`kubelint.engine.select_rules`)."""
    params: Mapping[str, Any] = field(default_factory=dict)
    file: str = ""
    user: bool = False
    """Loaded from a user rule folder (``--rules``, ``rule-dirs``), not the built-in catalogue."""
    replaces: str | None = None
    """The built-in rule id this user rule takes the place of."""
    related: tuple[str, ...] = ()
    """Rules about the same problem or its other side (``kubelint explain`` lists them)."""


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


PARSED_BUILTIN = Path(__file__).resolve().parent / "data" / "builtin-rules.json"
"""The built-in rule files as parsed when the file was last written (``python -m kubelint.catalog``): each file's
text and data. A run takes a rule from it only when the rule file's text is exactly the one recorded there (parsing
the 90 YAML files was ~8% of a one-file run); any other file is parsed as before."""


def rule_schema() -> dict[str, Any]:
    """The meta-schema every rule file must satisfy (published as ``docs/rule.schema.json``)."""
    with open(Path(__file__).parent / "data" / "rule.schema.json", encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


def is_builtin_dir(folder: str) -> bool:
    try:
        return os.path.samefile(folder, builtin_rules_dir())
    except OSError:
        return False


def load_catalog(user_dirs: Iterable[str] = (), validate_builtin: bool = False) -> dict[str, Rule]:
    """Load the built-in rules and the rules in ``user_dirs``.

    User rules are always validated (meta-schema, check name, params); built-in rules are validated by the
    test suite (and here on request), so that a plain run does not pay for importing jsonschema. A user rule
    may take a built-in's place only by saying so (``replaces: ID``); two user rules with one id are an error.
    """
    rules: dict[str, Rule] = {}
    folder = str(builtin_rules_dir())
    builtin_rules = _load_folder(folder, True, user=False) if validate_builtin else _load_builtin(folder)
    for rule in builtin_rules:
        rules[rule.id] = rule
    builtin = dict(rules)
    problems: list[str] = []
    user_rules: dict[str, Rule] = {}
    folders = {os.path.realpath(folder): folder for folder in reversed(list(user_dirs))}  # one per folder
    for folder in reversed(list(folders.values())):
        if is_builtin_dir(folder):
            continue  # the built-in catalogue named as a user folder (kubelint test rules/): already loaded
        for rule in _load_folder(folder, True, user=True):
            problem = _clash(rule, builtin, user_rules)
            if problem:
                problems.append(problem)
                continue
            user_rules[rule.id] = rule
            if rule.replaces is not None:
                rules.pop(rule.replaces, None)
            rules[rule.id] = rule
    if problems:
        raise CatalogError("\n".join(problems))
    return rules


def _clash(rule: Rule, builtin: Mapping[str, Rule], user_rules: Mapping[str, Rule]) -> str | None:
    """Why a user rule cannot join the catalogue (its id is taken, or it replaces nothing), or None."""
    from kubelint.views.explain import nearest_rule

    if rule.id in user_rules:
        return f"{rule.file}:1:1: rule id {rule.id!r} is also defined in {user_rules[rule.id].file}"
    if rule.replaces is not None and rule.replaces not in builtin:
        hint = nearest_rule(rule.replaces, builtin)
        return (f"{rule.file}:1:1: replaces: {rule.replaces!r} is not a built-in rule"
                + (f" (did you mean {hint!r}?)" if hint else ""))
    if rule.id in builtin and rule.replaces != rule.id:
        return (f"{rule.file}:1:1: id: {rule.id!r} is a built-in rule; say `replaces: {rule.id}` to replace it, "
                "or choose another id")
    return None


def _load_folder(folder: str, validate: bool, user: bool) -> list[Rule]:
    if not os.path.isdir(folder):
        raise CatalogError(f"{folder}: rule folder not found")
    rules = []
    problems = []
    inside = Boundary.around([folder]) if user else None  # a rule file of a repository may not lead out of it
    for name in _rule_files(folder):
        try:
            rules.append(load_rule(os.path.join(folder, name), validate, user=user, boundary=inside))
        except CatalogError as error:
            problems.append(str(error))
    if problems:
        raise CatalogError("\n".join(problems))
    return rules


def _rule_files(folder: str) -> list[str]:
    return [name for name in sorted(os.listdir(folder))
            if name.endswith((".yaml", ".yml")) and not name.startswith(".")]


def _load_builtin(folder: str, parsed_file: Path = PARSED_BUILTIN) -> list[Rule]:
    """The built-in rules, each from :data:`PARSED_BUILTIN` when its file's text is the one recorded there."""
    if not os.path.isdir(folder):
        raise CatalogError(f"{folder}: rule folder not found")
    try:
        with open(parsed_file, encoding="utf-8") as handle:
            parsed: dict[str, Any] = json.load(handle)["files"]
    except (OSError, ValueError, KeyError, TypeError):
        parsed = {}
    rules = []
    problems = []
    for name in _rule_files(folder):
        path = os.path.join(folder, name)
        entry = parsed.get(name)
        if isinstance(entry, dict) and isinstance(entry.get("data"), dict):
            try:
                with open(path, "rb") as handle:
                    same = handle.read().decode("utf-8") == entry.get("text")
            except (OSError, UnicodeDecodeError):
                same = False
            if same:
                rules.append(rule_of(entry["data"], path, user=False))
                continue
        try:
            rules.append(load_rule(path, False, user=False))
        except CatalogError as error:
            problems.append(str(error))
    if problems:
        raise CatalogError("\n".join(problems))
    return rules


def parsed_builtin(folder: str | None = None) -> str:
    """The content of :data:`PARSED_BUILTIN` for the rule files of ``folder`` (the built-in catalogue): every file
    that loads without a problem and whose data JSON keeps as it is."""
    folder = folder or str(builtin_rules_dir())
    files: dict[str, Any] = {}
    for name in _rule_files(folder):
        path = os.path.join(folder, name)
        source = load_source(Candidate(path, path))
        if source.problems or len(source.documents) != 1 or not isinstance(source.documents[0].data, dict):
            continue
        data = source.documents[0].data
        if json.loads(json.dumps(data)) != data:
            continue
        with open(path, "rb") as handle:
            files[name] = {"text": handle.read().decode("utf-8"), "data": data}
    return json.dumps({"generated-by": "python -m kubelint.catalog", "files": files}, indent=1, sort_keys=True) + "\n"


def load_rule(path: str, validate: bool = True, user: bool = True, boundary: Boundary | None = None) -> Rule:
    """Read one rule file, validating it when asked: every problem is reported at once, each at its line.
    With a ``boundary``, a rule file whose real path lies outside it (a symlink out) is not read."""
    source = load_source(Candidate(path, path), boundary=boundary)
    for problem in source.problems:
        raise CatalogError(f"{path}:{problem.line}:{problem.column}: {problem.message}")
    if len(source.documents) != 1 or not isinstance(source.documents[0].data, dict):
        raise CatalogError(f"{path}:1:1: a rule file holds exactly one mapping")
    document = source.documents[0]
    data: dict[str, Any] = document.data
    if validate:
        problems = rule_problems(data, builtin=not user)
        if problems:
            lines = []
            for path_in_rule, message in problems:
                line, column = nearest_position(document.positions, path_in_rule)
                where = ".".join(str(part) for part in path_in_rule)
                lines.append(f"{path}:{line}:{column}: {where + ': ' if where else ''}{message}")
            raise CatalogError("\n".join(lines))
    return rule_of(data, path, user)


def rule_of(data: Mapping[str, Any], path: str, user: bool) -> Rule:
    """The rule a rule file's data describes (validated or not: a missing field is a :class:`CatalogError`)."""
    try:
        return Rule(
            id=data["id"],
            summary=data["summary"],
            severity=Severity.parse(data["severity"]),
            check=data["check"],
            description=str(data.get("description", "")),
            remediation=str(data.get("remediation", "")),
            enabled=bool(data.get("enabled", True)),
            tags=tuple(data.get("tags", ())),
            profiles=tuple(data.get("profiles", ())),
            params=data.get("params") or {},
            file=path,
            user=user,
            replaces=data.get("replaces") if user else None,
            related=tuple(data.get("related", ())),
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise CatalogError(f"{path}:1:1: invalid rule: {error}") from error


def rule_problems(data: Mapping[str, Any], builtin: bool = False) -> list[tuple[tuple[str | int, ...], str]]:
    """Everything wrong with a rule's data: (path inside the rule, problem), in file order.

    All missing fields come as one problem; unknown fields and check names come with the nearest known one;
    then the check's params are checked (:func:`kubelint.checks.params_problems`).
    """
    import difflib

    from jsonschema import Draft202012Validator

    from kubelint.checks import params_problems, registry

    schema = rule_schema()
    problems: list[tuple[tuple[str | int, ...], str]] = []
    missing: list[str] = []
    for error in sorted(Draft202012Validator(schema).iter_errors(data), key=lambda e: [str(p) for p in e.path]):
        path_in_rule = tuple(error.absolute_path)
        if error.validator == "required" and not path_in_rule:
            missing += [name for name in error.validator_value if name not in data and name not in missing]
        elif error.validator == "additionalProperties" and not path_in_rule:
            known = sorted(schema["properties"])
            for key in data:
                if key not in schema["properties"]:
                    hint = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
                    problems.append(((key,), "unknown field" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                                     + f"; known: {', '.join(known)}"))
        else:
            problems.append((path_in_rule, error.message))
    if builtin:
        missing += [name for name in BUILTIN_REQUIRED if not str(data.get(name, "")).strip() and name not in missing]
        if "replaces" in data:
            problems.append((("replaces",), "only user rules replace built-in rules"))
    if missing:
        problems.insert(0, ((), f"missing required field{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"))
    check_name = data.get("check")
    checks = registry()
    if isinstance(check_name, str) and check_name not in checks:
        hint = difflib.get_close_matches(check_name, sorted(checks), n=1, cutoff=0.6)
        problems.append((("check",), f"unknown check {check_name!r}" + (f" (did you mean {hint[0]!r}?)" if hint
                                                                         else f"; known: {', '.join(sorted(checks))}")))
    elif isinstance(check_name, str) and isinstance(data.get("params", {}) or {}, dict):
        problems += [(("params", *where), message)
                     for where, message in params_problems(check_name, data.get("params") or {})]
    return problems


if __name__ == "__main__":
    # python -m kubelint.catalog: write data/builtin-rules.json from the built-in rule files
    PARSED_BUILTIN.write_text(parsed_builtin(), encoding="utf-8")
    print(f"wrote {PARSED_BUILTIN}")
