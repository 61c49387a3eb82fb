"""Rule documentation: ``kubelint explain``, ``kubelint rules`` and the generated ``docs/rules/<id>.md``.

Examples come from the rule's fixtures (``fixtures/<id>/example.yaml`` first, else every file there). When
``example.yaml`` marks sections with comment lines ``# example: failing`` and ``# example: passing``, each
section (every document up to the next marker) is one example, so a rule about two objects shows both sides.
Otherwise the shortest YAML document with a line marked ``# expect: <id>`` is the failing example, the
shortest object of the same kind without one the passing example.
Regenerate the pages with ``python -m kubelint.views.explain docs/rules``.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from kubelint.catalog import Rule
from kubelint.records import record

_EXPECT = re.compile(r"#\s*expect:\s*([a-z0-9,-]+(?: +[a-z0-9,-]+)*)\s*$")
_SECTION = re.compile(r"^#\s*example:\s*(failing|passing)\b.*$", re.MULTILINE)
_SEPARATOR = re.compile(r"^---\s*$", re.MULTILINE)


@record(frozen=True)
class Examples:
    failing: str | None
    passing: str | None


def nearest_rule(wanted: str, known: Iterable[str]) -> str | None:
    """The known rule id closest to a misspelt one, or None when nothing is close."""
    matches = difflib.get_close_matches(wanted, sorted(known), n=1, cutoff=0.5)
    return matches[0] if matches else None


def fixtures_dir() -> Path | None:
    """The fixtures folder: ``kubelint/fixtures`` when packaged, ``fixtures/`` beside the package in a checkout."""
    here = Path(__file__).resolve().parent.parent  # the kubelint package
    for candidate in (here / "fixtures", here.parent / "fixtures"):
        if candidate.is_dir():
            return candidate
    return None


def _documents(text: str) -> list[str]:
    return [part.strip("\n") for part in _SEPARATOR.split(text) if part.strip()]


def _marked(document: str, rule_id: str) -> bool:
    for line in document.splitlines():
        match = _EXPECT.search(line)
        if match and rule_id in {part.strip() for part in match.group(1).split(",")}:
            return True
    return False


def _clean(document: str, keep_comments: bool = False) -> str:
    """Drop the ``# expect:`` markers and (unless ``keep_comments``: a curated section's comments explain the
    example) the lines that are only comments about the fixture."""
    lines = [_EXPECT.sub("", line) for line in document.splitlines()]
    return "\n".join(line.rstrip() for line in lines
                     if keep_comments or not line.lstrip().startswith("#")).strip("\n")


def sections(text: str) -> Examples | None:
    """The ``# example: failing`` / ``# example: passing`` sections of a curated example, or None."""
    marks = list(_SECTION.finditer(text))
    if not marks:
        return None
    found: dict[str, str] = {}
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        documents: list[str] = []
        pending = ""  # a part that is only comments introduces the next document
        for document in _documents(text[mark.end():end]):
            cleaned = _clean(document, keep_comments=True)
            if all(line.lstrip().startswith("#") for line in cleaned.splitlines()):
                pending = f"{pending}\n{cleaned}".strip("\n")
                continue
            documents.append(f"{pending}\n{cleaned}".strip("\n"))
            pending = ""
        if pending:
            documents.append(pending)
        found[mark.group(1)] = "\n---\n".join(document for document in documents if document)
    return Examples(found.get("failing") or None, found.get("passing") or None)


def examples(rule_id: str, folder: Path | None = None) -> Examples:
    """The failing and passing examples of a rule: the curated sections, else the shortest documents.
    ``folder``: the fixtures folder to look in (default: the built-in one; a user rule's is beside it)."""
    folder = folder or fixtures_dir()
    curated = folder / rule_id / "example.yaml" if folder is not None else None
    if curated is not None and curated.is_file() and not curated.is_symlink():
        try:
            marked = sections(curated.read_text(encoding="utf-8")[:20_000])
        except (OSError, UnicodeDecodeError):
            marked = None
        if marked is not None:
            return marked
    failing: list[str] = []
    passing: list[str] = []
    if folder is not None and (folder / rule_id).is_dir():
        # the curated example.yaml first (the wheel ships only that), then every other fixture file
        files = sorted((folder / rule_id).iterdir(), key=lambda path: (path.name != "example.yaml", path.name))
        for path in files:
            if failing and passing:
                break
            if path.suffix not in (".yaml", ".yml") or path.name.startswith(".") or path.is_symlink():
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if len(text) > 20_000:
                continue
            for document in _documents(text):
                if _marked(document, rule_id):
                    failing.append(document)
                elif "kind:" in document and "metadata:" in document:
                    passing.append(document)
    failing_doc = _shortest(failing)
    same_kind = [doc for doc in passing if failing_doc is not None and _kind(doc) == _kind(failing_doc)]
    passing_doc = _shortest(same_kind or passing)
    return Examples(_clean(failing_doc) if failing_doc else None, _clean(passing_doc) if passing_doc else None)


def _kind(document: str) -> str | None:
    match = re.search(r"^kind:\s*(\S+)", document, re.MULTILINE)
    return match.group(1) if match else None


def _shortest(documents: list[str]) -> str | None:
    return min(documents, key=lambda doc: (doc.count("\n"), doc)) if documents else None


TIERS = {
    "error": "it will be refused by the API server or admission, or it will not work",
    "warning": "a likely defect or a real risk",
    "info": "hardening advice",
}
"""What each severity means (every rule's tier is chosen on this basis)."""


def tier(rule: Rule) -> str:
    """``info (hardening advice); a warning under the restricted, strict profiles``."""
    text = f"{rule.severity} ({TIERS[str(rule.severity)]})"
    if rule.profiles:
        promoted = "enabled and at least a warning" if not rule.enabled else "at least a warning"
        plural = "s" if len(rule.profiles) > 1 else ""
        text += f"; {promoted} under the {', '.join(rule.profiles)} profile{plural}"
    return text


def related_rules(rule: Rule, catalog: Mapping[str, Rule] | None) -> list[str]:
    """Rules to read next: those the rule names in ``related``, those that name it, and those running the
    same check (for the built-in catalogue: the other rules of one policy family)."""
    if not catalog:
        return [rule_id for rule_id in rule.related if rule_id != rule.id]
    found = [rule_id for rule_id in rule.related if rule_id in catalog]
    found += sorted(other.id for other in catalog.values() if rule.id in other.related)
    if rule.check not in ("container-schema", "podspec-schema", "object-schema"):
        found += sorted(other.id for other in catalog.values() if other.check == rule.check)
    return [rule_id for rule_id in dict.fromkeys(found) if rule_id != rule.id]


def explain_text(rule: Rule, catalog: Mapping[str, Rule] | None = None) -> str:
    """What ``kubelint explain RULE`` prints."""
    found = examples(rule.id, Path(rule.file).parent / "fixtures" if rule.user else None)
    origin = f"user rule from {rule.file}" if rule.user else "built-in"
    out = [
        f"{rule.id}: {rule.summary}",
        "",
        f"Severity: {tier(rule)}",
        f"Enabled by default: {'yes' if rule.enabled else 'no'}    Tags: {', '.join(rule.tags) or '-'}    ({origin})",
        "",
    ]
    if rule.description.strip():
        out += ["Why it matters", "", _indent(rule.description.strip()), ""]
    if found.failing:
        out += ["Failing example", "", _indent(found.failing), ""]
    if found.passing:
        out += ["Passing example", "", _indent(found.passing), ""]
    if rule.remediation.strip():
        out += ["How to fix it", "", _indent(rule.remediation.strip()), ""]
    related = related_rules(rule, catalog)
    if related:
        out += ["Related rules", "", _indent(", ".join(related)), ""]
    return "\n".join(out) + "\n"


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.splitlines())


def rule_markdown(rule: Rule, catalog: Mapping[str, Rule] | None = None) -> str:
    """The generated documentation page of one rule."""
    found = examples(rule.id)
    out = [
        f"# {rule.id}",
        "",
        "<!-- Generated from rules/ and fixtures/ by `python -m kubelint.views.explain docs/rules`; do not edit. -->",
        "",
        f"{rule.summary}.",
        "",
        "| severity | profiles | enabled by default | tags | check |",
        "|---|---|---|---|---|",
        f"| {rule.severity} | {', '.join(rule.profiles) or '-'} | {'yes' if rule.enabled else 'no'} "
        f"| {', '.join(rule.tags) or '-'} | `{rule.check}` |",
        "",
        f"Severity: {tier(rule)}.",
        "",
        "## What it does and why it matters",
        "",
        rule.description.strip(),
        "",
    ]
    if found.failing:
        out += ["## Failing example", "", "```yaml", found.failing, "```", ""]
    if found.passing:
        out += ["## Passing example", "", "```yaml", found.passing, "```", ""]
    out += [
        "## How to fix it",
        "",
        rule.remediation.strip(),
        "",
        "## Suppressing it",
        "",
        f"Annotate the object (or its pod template) with `kubelint.io/ignore: \"{rule.id}: reason\"`, add "
        f"`# kubelint: ignore={rule.id} -- reason` to the flagged line (`ignore-next-line=` on the line above, "
        f"`ignore-file=` anywhere for the whole file), or disable the rule "
        f"(`--disable {rule.id}`, `rules.disable` in `.kubelint.yaml`).",
        "",
    ]
    related = related_rules(rule, catalog)
    if related:
        out += ["## Related rules", "", ", ".join(f"[{rule_id}]({rule_id}.md)" for rule_id in related), ""]
    return "\n".join(out)


def index_markdown(catalog: Mapping[str, Rule]) -> str:
    """``docs/rules/README.md``: the table of every built-in rule."""
    out = [
        "# Rules",
        "",
        "<!-- Generated from rules/ by `python -m kubelint.views.explain docs/rules`; do not edit. -->",
        "",
        "Severity means impact: error = " + TIERS["error"] + "; warning = " + TIERS["warning"] + "; info = "
        + TIERS["info"] + ". A profile (`--profile restricted|strict`) enables the rules that list it and "
        "reports them at least as warnings.",
        "",
        "| rule | severity | profiles | enabled | summary |",
        "|---|---|---|---|---|",
    ]
    for rule in sorted(catalog.values(), key=lambda rule: rule.id):
        summary = rule.summary.replace("|", "\\|")
        out.append(f"| [{rule.id}]({rule.id}.md) | {rule.severity} | {', '.join(rule.profiles) or '-'} "
                   f"| {'yes' if rule.enabled else 'no'} | {summary} |")
    return "\n".join(out) + "\n"


def generated_pages(catalog: Mapping[str, Rule]) -> dict[str, str]:
    """File name -> content of every generated page."""
    pages = {f"{rule_id}.md": rule_markdown(rule, catalog) for rule_id, rule in catalog.items()}
    pages["README.md"] = index_markdown(catalog)
    return pages


def main(argv: list[str]) -> int:
    """Write the rule pages into the folder given (``docs/rules``), removing stale ones."""
    from kubelint.catalog import load_catalog

    if len(argv) != 1:
        print("usage: python -m kubelint.views.explain DOCS_RULES_DIR", file=sys.stderr)
        return 2
    folder = argv[0]
    os.makedirs(folder, exist_ok=True)
    pages = generated_pages(load_catalog())
    for name in os.listdir(folder):
        if name.endswith(".md") and name not in pages:
            os.remove(os.path.join(folder, name))
    for name, content in pages.items():
        with open(os.path.join(folder, name), "w", encoding="utf-8") as handle:
            handle.write(content)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
