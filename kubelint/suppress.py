"""The suppression filter: marks findings that the user has chosen to ignore, after the rules ran, and audits
the suppressions themselves.

Ways to suppress, checked in this order:

- the annotation ``kubelint.io/ignore: "rule-a, rule-b"`` (or ``all``) on the object, or on the pod
  template's metadata of a workload (charts often let users set only pod annotations); a reason follows a
  colon (``"host-network: node agent"``) or is given in ``kubelint.io/ignore-reason``;
- a comment ``# kubelint: ignore=rule-a,rule-b`` on the flagged line, ``# kubelint: ignore-next-line=...`` on
  the line above it, ``# kubelint: ignore-file=...`` anywhere in the file; a reason follows `` -- ``;
- ``ignore`` entries of the configuration (path globs, namespaces, kinds, names, rules, ``reason``).

A suppressed finding stays in the report with ``suppressed=True``, how in ``suppression`` and why in
``justification``: it is counted in the summary and shown with ``--show-suppressed``.

The audit (the rules ``unknown-suppression`` and ``unused-suppression``, check ``suppression-audit``) reports
annotations and comments that name a rule that does not exist, and those that suppressed nothing.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import field, replace
from typing import TYPE_CHECKING, Any

from kubelint.model.resource import mapping, string_map
from kubelint.model.workloads import WorkloadKind
from kubelint.records import record
from kubelint.sources.discover import is_excluded

if TYPE_CHECKING:
    from kubelint.catalog import Rule
    from kubelint.findings import Finding
    from kubelint.model.resource import ObjectRef, Resource
    from kubelint.model.tree import Tree
    from kubelint.sources.read import Source

ANNOTATION = "kubelint.io/ignore"
REASON_ANNOTATION = "kubelint.io/ignore-reason"
AUDIT_CHECK = "suppression-audit"
_RULE = r"[A-Za-z0-9_-]+"
_COMMENT = re.compile(
    rf"#\s*kubelint:\s*(ignore|ignore-next-line|ignore-file)\s*=\s*({_RULE}(?:\s*,\s*{_RULE})*)"
    r"(?:\s+--\s*((?:(?!\s#).)*))?(?=\s|$)")
_TOKEN = re.compile(_RULE)
COMMENT_KINDS = {"ignore": "inline comment", "ignore-next-line": "comment on the line above",
                 "ignore-file": "file comment"}


@record
class Directive:
    """One suppression written in a manifest: which rules, where it is written, what it covers, and why."""

    kind: str
    """How it suppresses: ``inline comment``, ``annotation kubelint.io/ignore``, ... (shown with the finding)."""
    file: str
    line: int
    column: int
    rules: tuple[tuple[str, int], ...]
    """The rule ids as written (lower-cased) with the column of each (the directive's for annotations)."""
    reason: str = ""
    used: set[str] = field(default_factory=set)
    """The rule ids (or ``all``) that suppressed at least one finding."""

    def covers(self, rule: str) -> str | None:
        """The token that suppresses ``rule`` (its id or ``all``), or None."""
        for token, _ in self.rules:
            if token == rule or token == "all":
                return token
        return None


def rule_list(value: str) -> set[str]:
    """``"rule-a, rule-b"`` -> ``{"rule-a", "rule-b"}`` (commas or spaces separate)."""
    return {part for part in re.split(r"[\s,]+", value) if part}


def split_annotation(value: str) -> tuple[str, str]:
    """``"host-network, host-pid: node agent"`` -> (``"host-network, host-pid"``, ``"node agent"``)."""
    rules, _, reason = value.partition(":")
    return rules, reason.strip()


def parse_comment(line: str) -> tuple[str, list[tuple[str, int]], str] | None:
    """The directive of a YAML comment on ``line``: (``ignore``/``ignore-next-line``/``ignore-file``,
    [(rule id, 1-based column)], reason), or None when the line has none."""
    if "kubelint:" not in line:
        return None
    start = _comment_start(line)
    if start < 0:
        return None
    match = _COMMENT.search(line, start)
    if match is None:
        return None
    tokens = [(token.group().lower(), token.start() + 1) for token in _TOKEN.finditer(line, match.start(2),
                                                                                          match.end(2))]
    return match.group(1), tokens, (match.group(3) or "").strip()


def comment_rules(line: str) -> set[str]:
    """The rule ids an inline ``# kubelint: ignore=...`` comment on a line names (empty if none)."""
    parsed = parse_comment(line)
    return {token for token, _ in parsed[1]} if parsed is not None and parsed[0] == "ignore" else set()


def _comment_start(line: str) -> int:
    """Where the YAML comment of a line starts (its ``#``), or -1: a ``#`` inside quotes does not count."""
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
            return index
        index += 1
    return -1


def _comment(line: str) -> str:
    """The YAML comment of a line (from its ``#``), or ``""``."""
    start = _comment_start(line)
    return line[start:] if start >= 0 else ""


def _template_metadata_path(resource: Resource, workloads: Mapping[tuple[str, str], WorkloadKind]
                            ) -> tuple[str | int, ...] | None:
    from kubelint.checks.policy import pod_template

    template = pod_template(resource, workloads)
    if template is None or not template.path:
        return None
    return (*template.path, "metadata", "annotations")


def _matches(value: str | None, patterns: Any) -> bool:
    if isinstance(patterns, str):
        patterns = [patterns]
    return value is not None and any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns)


def config_entry_matches(entry: Mapping[str, Any], finding: Finding) -> bool:
    """Whether one config ``ignore`` entry covers a finding (every condition it names must hold)."""
    rules = entry.get("rules")
    if rules is not None and finding.rule not in rules and "all" not in rules:
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


@record
class Directives:
    """Every suppression written in the tree's manifests, indexed for lookup by finding."""

    objects: dict[tuple[str, ObjectRef], list[Directive]] = field(default_factory=dict)
    lines: dict[tuple[str, int], list[Directive]] = field(default_factory=dict)
    files: dict[str, list[Directive]] = field(default_factory=dict)
    all: list[Directive] = field(default_factory=list)

    def add(self, directive: Directive) -> None:
        self.all.append(directive)


def collect(tree: Tree) -> Directives:
    """Read every annotation and comment directive of the tree (files that never mention ``kubelint`` are
    not looked at: a substring search per file)."""
    found = Directives()
    seen: set[tuple[str, int, int, str]] = set()
    for source in tree.sources:
        if "kubelint:" in source.text:
            _comment_directives(source, found, seen)
    mentioned = {source.display for source in tree.sources if ANNOTATION in source.text}
    workloads = tree.workloads
    for resource in tree.resources:
        # a rendered object may carry an annotation its file does not mention (kustomize commonAnnotations)
        if resource.file in mentioned or resource.via:
            _annotation_directives(resource, workloads, found, seen, templates=True)
        elif ANNOTATION in mapping(resource.metadata.get("annotations")):
            _annotation_directives(resource, workloads, found, seen, templates=False)
    return found


def _comment_directives(source: Source, found: Directives, seen: set[tuple[str, int, int, str]]) -> None:
    for number, text in enumerate(source.text.splitlines(), start=1):
        if "kubelint:" not in text:
            continue
        parsed = parse_comment(text)
        if parsed is None:
            continue
        kind, tokens, reason = parsed
        key = (source.display, number, tokens[0][1], kind)
        if key in seen:  # one file rendered by several overlays
            continue
        seen.add(key)
        directive = Directive(COMMENT_KINDS[kind], source.display, number, tokens[0][1], tuple(tokens), reason)
        found.add(directive)
        if kind == "ignore":
            found.lines.setdefault((source.display, number), []).append(directive)
        elif kind == "ignore-next-line":
            found.lines.setdefault((source.display, number + 1), []).append(directive)
        else:
            found.files.setdefault(source.display, []).append(directive)


def _annotation_directives(resource: Resource, workloads: Mapping[tuple[str, str], WorkloadKind],
                           found: Directives, seen: set[tuple[str, int, int, str]], templates: bool) -> None:
    places: list[tuple[str, tuple[str | int, ...]]] = [(f"annotation {ANNOTATION}", ("metadata", "annotations"))]
    template = _template_metadata_path(resource, workloads) if templates else None
    if template is not None:
        places.append((f"pod template annotation {ANNOTATION}", template))
    for kind, path in places:
        annotations = string_map(mapping(resource.get(path)))
        value = annotations.get(ANNOTATION)
        if value is None:
            continue
        rules, reason = split_annotation(value)
        reason = reason or annotations.get(REASON_ANNOTATION, "").strip()
        location = resource.where((*path, ANNOTATION))
        key = (location.file, location.line, location.column, kind)
        if key in seen:
            continue
        seen.add(key)
        tokens = tuple((token.lower(), location.column) for token in sorted(rule_list(rules)))
        directive = Directive(kind, location.file, location.line, location.column, tokens, reason)
        found.add(directive)
        found.objects.setdefault((resource.file, resource.ref), []).append(directive)


def _mark(finding: Finding, directives: Directives, tree: Tree, count: bool) -> Finding:
    """The finding, marked suppressed by the first directive or config entry that covers it. With ``count``,
    every in-source directive that covers it records the use (so none of them is reported as unused)."""
    candidates: list[Directive] = []
    if finding.ref is not None:
        candidates += directives.objects.get((finding.file, finding.ref), [])
    candidates += directives.lines.get((finding.file, finding.line), [])
    candidates += directives.files.get(finding.file, [])
    chosen: Directive | None = None
    for directive in candidates:
        token = directive.covers(finding.rule)
        if token is not None:
            if count:
                directive.used.add(token)
            chosen = chosen or directive
    if chosen is not None:
        return replace(finding, suppressed=True, suppression=chosen.kind, justification=chosen.reason)
    for index, entry in enumerate(tree.options.ignore):
        if config_entry_matches(entry, finding):
            where = tree.options.config_file or "the configuration"
            return replace(finding, suppressed=True, suppression=f"config ignore entry {index + 1} of {where}",
                           justification=str(entry.get("reason", "")))
    return finding


def suppress(findings: Iterable[Finding], tree: Tree, rules: Mapping[str, Rule] | None = None,
             known: Iterable[str] | None = None) -> list[Finding]:
    """Mark suppressed findings (``dataclasses.replace``: findings are frozen), then add the audit's findings
    when ``rules`` (the rules that ran) hold a ``suppression-audit`` rule; ``known`` are all rule ids."""
    directives = collect(tree)
    out = [_mark(finding, directives, tree, count=True) for finding in findings]
    audits = [rule for rule in (rules or {}).values() if rule.check == AUDIT_CHECK]
    if not audits:
        return out
    from kubelint.findings import Finding as FindingType
    from kubelint.findings import Location

    known_ids = set(known if known is not None else (rules or {}))
    ran = set(rules or {})
    extra = []
    for rule in audits:
        wanted = rule.params.get("report")
        for directive in directives.all:
            if tree.focus is not None and directive.file not in tree.focus:
                continue
            for message, column in _audit(directive, wanted, known_ids, ran):
                location = Location(directive.file, directive.line, column)
                extra.append(FindingType(rule.id, rule.severity, message, location))
    out += [_mark(finding, directives, tree, count=False) for finding in extra]
    from kubelint.findings import Finding as Sorted

    out.sort(key=Sorted.sort_key)
    return out


def _audit(directive: Directive, wanted: Any, known: set[str], ran: set[str]) -> list[tuple[str, int]]:
    """The audit's messages about one directive: unknown rule ids, or rules it names that suppressed nothing."""
    from kubelint.views.explain import nearest_rule

    out = []
    for token, column in directive.rules:
        if wanted == "unknown" and token != "all" and token not in known:
            hint = nearest_rule(token, known)
            out.append((f"{directive.kind} names unknown rule {token!r}"
                        + (f" (did you mean {hint!r}?)" if hint else "") + "; it suppresses nothing", column))
        elif wanted == "unused" and token not in directive.used and (token == "all" or token in ran):
            what = "any finding" if token == "all" else f"a {token} finding"
            out.append((f"{directive.kind} suppresses {token!r} but there is no {what} here to suppress",
                        column))
    return out
