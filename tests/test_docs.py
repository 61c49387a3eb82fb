"""The generated rule pages are up to date, and every rule can be explained with examples."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kubelint.catalog import load_catalog
from kubelint.cli import cli
from kubelint.views.explain import examples, generated_pages, nearest_rule

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "rules"
CATALOG = load_catalog()


def test_rule_pages_are_current() -> None:
    pages = generated_pages(CATALOG)
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in DOCS.glob("*.md")}
    stale = sorted(name for name in pages if on_disk.get(name) != pages[name])
    extra = sorted(set(on_disk) - set(pages))
    assert not stale and not extra, (
        f"docs/rules is stale (changed: {stale}, not a rule: {extra}); "
        "run `python -m kubelint.views.explain docs/rules`")


def test_published_config_schema_is_the_shipped_one() -> None:
    shipped = (ROOT / "kubelint" / "data" / "config.schema.json").read_text(encoding="utf-8")
    assert (ROOT / "docs" / "config.schema.json").read_text(encoding="utf-8") == shipped


@pytest.mark.parametrize("rule_id", sorted(CATALOG))
def test_explain_every_rule(rule_id: str) -> None:
    result = CliRunner().invoke(cli, ["explain", rule_id])
    assert result.exit_code == 0, result.output
    rule = CATALOG[rule_id]
    assert result.output.startswith(f"{rule_id}: {rule.summary}")
    assert "Why it matters" in result.output and "How to fix it" in result.output
    found = examples(rule_id)
    if found.failing is not None:
        assert "Failing example" in result.output
        assert "# expect:" not in result.output


BEST_PRACTICE_CHECKS = {"container-schema", "podspec-schema", "object-schema", "run-as-root", "readiness-probe",
                        "default-namespace"}


@pytest.mark.parametrize("rule_id", sorted(rule for rule, r in CATALOG.items() if r.check in BEST_PRACTICE_CHECKS))
def test_best_practice_rules_have_a_failing_and_a_passing_example(rule_id: str) -> None:
    found = examples(rule_id)
    assert found.failing and found.passing
    # the wheel ships only fixtures/*/example.yaml: it must hold both examples on its own
    text = (ROOT / "fixtures" / rule_id / "example.yaml").read_text(encoding="utf-8")
    assert f"# expect: {rule_id}" in text and found.failing in _clean_all(text) and found.passing in _clean_all(text)


def _clean_all(text: str) -> str:
    import re

    return re.sub(r"\s*# expect: [a-z0-9, -]+", "", text)


def test_explain_unknown_rule_suggests_the_nearest() -> None:
    result = CliRunner().invoke(cli, ["explain", "privileged-containers"])
    assert result.exit_code == 2
    assert "did you mean 'privileged-container'?" in result.output
    assert nearest_rule("zzzz", CATALOG) is None


def test_readme_configuration_and_user_rule_examples_are_valid(tmp_path: Path) -> None:
    import re

    from kubelint.catalog import load_rule
    from kubelint.config import load_config

    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.DOTALL)
    rule_block = next(block for block in blocks if block.startswith("# policies/"))
    config_block = next(block for block in blocks if block.startswith("rules:"))
    (tmp_path / "team-label.yaml").write_text(rule_block)
    assert load_rule(str(tmp_path / "team-label.yaml")).id == "team-label"
    (tmp_path / ".kubelint.yaml").write_text(config_block)
    assert load_config(str(tmp_path / ".kubelint.yaml")).data["namespace"] == "shop"


def test_published_rule_schema_is_the_shipped_one() -> None:
    shipped = (ROOT / "kubelint" / "data" / "rule.schema.json").read_text(encoding="utf-8")
    assert (ROOT / "docs" / "rule.schema.json").read_text(encoding="utf-8") == shipped


def test_writing_rules_documents_every_check_and_its_params() -> None:
    from kubelint.checks import params_schema, registry

    text = (ROOT / "docs" / "writing-rules.md").read_text(encoding="utf-8")
    missing = [name for name in registry() if f"`{name}`" not in text]
    missing += [f"{name}.{key}" for name in registry() for key in params_schema(name) if f"`{key}`" not in text]
    assert not missing, f"docs/writing-rules.md does not mention: {missing}"


def test_writing_rules_worked_example_passes_kubelint_test(tmp_path: Path) -> None:
    import re

    text = (ROOT / "docs" / "writing-rules.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    (tmp_path / "fixtures" / "team-label").mkdir(parents=True)
    (tmp_path / "team-label.yaml").write_text(blocks[0])
    (tmp_path / "fixtures" / "team-label" / "deployments.yaml").write_text(blocks[1])
    result = CliRunner().invoke(cli, ["test", str(tmp_path)])
    assert result.exit_code == 0 and "1 passed, 0 failed" in result.output, result.output


RELATIONSHIP_TAGS = {"relationships", "network-policy"}
ONE_OBJECT = {"probe-port-mismatch", "selector-template-mismatch"}
"""Relationships inside one object (a probe and its container's ports, a selector and its own template)."""


@pytest.mark.parametrize("rule_id", sorted(CATALOG))
def test_every_rule_ships_a_curated_example(rule_id: str) -> None:
    path = ROOT / "fixtures" / rule_id / "example.yaml"
    assert path.is_file(), f"{rule_id} has no curated fixtures/{rule_id}/example.yaml (the wheel ships only those)"
    found = examples(rule_id)
    assert found.failing and found.passing, f"{rule_id}: the example needs a failing and a passing part"


@pytest.mark.parametrize("rule_id", sorted(r for r, rule in CATALOG.items() if RELATIONSHIP_TAGS & set(rule.tags)))
def test_relationship_examples_show_both_sides(rule_id: str) -> None:
    from kubelint.views.explain import sections

    marked = sections((ROOT / "fixtures" / rule_id / "example.yaml").read_text(encoding="utf-8"))
    assert marked is not None and marked.failing and marked.passing, \
        f"{rule_id}: mark '# example: failing' and '# example: passing' sections"
    if rule_id not in ONE_OBJECT:
        objects = max(part.count("\nkind: ") for part in (marked.failing, marked.passing))
        assert objects >= 2, f"{rule_id}: an example shows both objects of the relationship"


def test_curated_examples_use_current_api_versions() -> None:
    from kubelint.engine import lint_tree
    from kubelint.loader import load_tree
    from kubelint.options import Options

    files = [str(ROOT / "fixtures" / rule_id / "example.yaml") for rule_id in sorted(CATALOG)
             if (ROOT / "fixtures" / rule_id / "example.yaml").is_file()]
    options = Options(disable=["all"], enable=["deprecated-api", "removed-api"])
    report = lint_tree(load_tree(files, options))
    own = ("/deprecated-api/", "/removed-api/")  # the two rules' own examples show an old version on purpose
    stale = [f"{finding.file}:{finding.line}" for finding in report.findings
             if not any(folder in finding.file for folder in own)]
    assert not stale, f"curated examples with deprecated or removed apiVersions: {stale}"


def test_explain_shows_a_user_rules_terse_page(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text("id: team-label\nsummary: Deployments carry a team label\nseverity: info\n"
                                     "check: object-schema\nparams: {schema: {required: [metadata]}}\n")
    result = CliRunner().invoke(cli, ["explain", "team-label", "--rules", str(tmp_path)])
    assert result.exit_code == 0
    assert "(user rule from" in result.output and "Why it matters" not in result.output


@pytest.mark.parametrize("rule_id", sorted(CATALOG))
def test_every_rule_page_has_tier_profile_what_why_examples_fix_and_related(rule_id: str) -> None:
    from kubelint.views.explain import rule_markdown

    page = rule_markdown(CATALOG[rule_id], CATALOG)
    parts = ["| severity | profiles |", "Severity: ", "## What it does and why it matters", "## Failing example",
             "## Passing example", "## How to fix it", "## Related rules"]
    positions = [page.find(part) for part in parts]
    lacking = [part for part, at in zip(parts, positions, strict=True) if at < 0]
    assert not lacking, (f"{rule_id}: the page lacks {lacking} "
                         "(examples: fixtures/<id>/example.yaml; related rules: `related:` in the rule)")
    assert positions == sorted(positions)
    text = CliRunner().invoke(cli, ["explain", rule_id]).output
    assert "Related rules" in text and "Severity: " in text
