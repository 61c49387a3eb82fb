"""The suppression filter: marks findings that the user has chosen to ignore, after the rules ran.

Three ways to suppress, checked in this order:

- the annotation ``kubelint.io/ignore: "rule-a, rule-b"`` (or ``all``) on the object, or on the pod
  template's metadata of a workload (charts often let users set only pod annotations);
- an inline comment ``# kubelint: ignore=rule-a,rule-b`` (or ``all``) on the flagged line;
- ``ignore`` entries of the configuration (path globs, namespaces, kinds, names, rules).

A suppressed finding stays in the report with ``suppressed=True`` and the reason in ``suppression``:
it is counted in the summary and shown with ``--show-suppressed``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from kubelint.model.resource import mapping, string_map
from kubelint.model.workloads import WorkloadKind
from kubelint.sources.discover import is_excluded

if TYPE_CHECKING:
    from kubelint.findings import Finding
    from kubelint.model.resource import ObjectRef, Resource
    from kubelint.model.tree import Tree

ANNOTATION = "kubelint.io/ignore"
_COMMENT = re.compile(r"(?:^|\s)#\s*kubelint:\s*ignore\s*=\s*([A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)")


def rule_list(value: str) -> set[str]:
    """``"rule-a, rule-b"`` -> ``{"rule-a", "rule-b"}`` (commas or spaces separate)."""
    return {part for part in re.split(r"[\s,]+", value) if part}


def comment_rules(line: str) -> set[str]:
    """The rule ids an inline ``# kubelint: ignore=...`` comment on a line names (empty if none)."""
    if "kubelint:" not in line:
        return set()
    comment = _comment(line)
    match = _COMMENT.search(comment) if comment else None
    return rule_list(match.group(1)) if match else set()


def _comment(line: str) -> str:
    """The YAML comment of a line (from its ``#``), or ``""``: a ``#`` inside quotes does not count."""
    quote = ""
    index = 0
    while index < len(line):
        char = line[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if quote:
            if char == quote:
                if quote == "'" and line[index + 1:index + 2] == "'":
                    index += 2
                    continue
                quote = ""
        elif char in "\"'" and (index == 0 or line[index - 1] in " \t:-[{,"):
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[index:]
        index += 1
    return ""


def _covers(rules: set[str], rule: str) -> bool:
    return rule in rules or "all" in rules


def _template_annotations(resource: Resource, workloads: Mapping[tuple[str, str], WorkloadKind]) -> dict[str, str]:
    from kubelint.checks.policy import pod_template

    template = pod_template(resource, workloads)
    if template is None or not template.path:
        return {}
    return string_map(mapping(mapping(resource.get(template.path)).get("metadata")).get("annotations"))


def _matches(value: str | None, patterns: Any) -> bool:
    if isinstance(patterns, str):
        patterns = [patterns]
    return value is not None and any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns)


def config_entry_matches(entry: Mapping[str, Any], finding: Finding) -> bool:
    """Whether one config ``ignore`` entry covers a finding (every condition it names must hold)."""
    rules = entry.get("rules")
    if rules is not None and not _covers(set(rules), finding.rule):
        return False
    if "path" in entry:
        paths = [entry["path"]] if isinstance(entry["path"], str) else list(entry["path"])
        if not is_excluded(finding.file, paths):
            return False
    ref = finding.ref
    for key, value in (("namespace", ref.namespace if ref else None), ("kind", ref.kind if ref else None),
                       ("name", ref.name if ref else None)):
        if key in entry and not _matches(value, entry[key]):
            return False
    return True


def suppress(findings: Iterable[Finding], tree: Tree) -> list[Finding]:
    """Mark suppressed findings (``dataclasses.replace``: findings are frozen); the order is kept."""
    objects: dict[tuple[str, ObjectRef], Resource] = {}
    for each in tree.resources:
        objects.setdefault((each.file, each.ref), each)
    sources = {source.display: source for source in tree.sources}
    workloads = tree.workloads
    template_cache: dict[int, dict[str, str]] = {}
    out: list[Finding] = []
    for finding in findings:
        reason = ""
        resource = objects.get((finding.file, finding.ref)) if finding.ref is not None else None
        if resource is not None:
            if _covers(rule_list(resource.annotations.get(ANNOTATION, "")), finding.rule):
                reason = f"annotation {ANNOTATION}"
            else:
                key = id(resource)
                if key not in template_cache:
                    template_cache[key] = _template_annotations(resource, workloads)
                if _covers(rule_list(template_cache[key].get(ANNOTATION, "")), finding.rule):
                    reason = f"pod template annotation {ANNOTATION}"
        if not reason:
            source = sources.get(finding.file)
            if source is not None and _covers(comment_rules(source.line_text(finding.line)), finding.rule):
                reason = "inline comment"
        if not reason:
            for index, entry in enumerate(tree.options.ignore):
                if config_entry_matches(entry, finding):
                    where = tree.options.config_file or "configuration"
                    reason = f"ignore entry {index + 1} of {where}"
                    break
        out.append(replace(finding, suppressed=True, suppression=reason) if reason else finding)
    return out
