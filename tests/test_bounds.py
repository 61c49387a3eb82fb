"""Bounded time and memory for hostile input (issue 15): each test asserts the bound itself (a pattern never
reaches a backtracking engine, the parser is never asked for the deep part, a read stops at the limit),
not a timing. The end-to-end reproducers are in ``tests/hostile/``."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubelint import patterns
from kubelint.findings import MAX_MESSAGE, Finding, Location, Severity, excerpt
from kubelint.fingerprint import normalize_message
from kubelint.options import Options
from kubelint.sources import yaml as yaml_module
from kubelint.sources.files import FileTooLarge, NotRegularFile, read_limited, read_regular
from kubelint.sources.yaml import MAX_ALIAS_EXPANSION, parse

# -- regular expressions from input -----------------------------------------------------------------


@pytest.fixture
def no_backtracking(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python's ``re`` is never asked to search with a pattern from input: jsonschema's keywords would."""
    import jsonschema._keywords
    import jsonschema._utils

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a backtracking search: {args[:2]!r}")

    for module in (jsonschema._keywords, jsonschema._utils):
        monkeypatch.setattr(module, "re", type("NoRe", (), {"search": staticmethod(refuse)}))


SCHEMAS: list[tuple[dict[str, Any], list[Any]]] = [
    ({"pattern": "^[a-z]+$"}, ["abc", "ab1", "", 3]),
    ({"patternProperties": {"^x-": {"type": "integer"}}, "additionalProperties": False},
     [{"x-a": 1}, {"x-a": "no"}, {"y": 1}, {"x-a": 1, "z": 2}]),
    ({"properties": {"a": {}}, "patternProperties": {"^b": {}}, "additionalProperties": {"type": "string"}},
     [{"a": 1, "b1": 2, "c": "s"}, {"c": 3}]),
    ({"allOf": [{"patternProperties": {"^p": {"type": "integer"}}}], "unevaluatedProperties": False},
     [{"p1": 1}, {"p1": 1, "q": 2}, {"p1": "x"}]),
    ({"$defs": {"d": {"patternProperties": {"^k": True}}}, "$ref": "#/$defs/d", "unevaluatedProperties": False},
     [{"k": 1}, {"k": 1, "j": 2}]),
    ({"if": {"required": ["a"]}, "then": {"patternProperties": {"^t": True}},
      "else": {"patternProperties": {"^e": True}}, "unevaluatedProperties": {"type": "string"}},
     [{"a": "1", "t": 1, "z": 2}, {"e": 1, "z": "s"}, {"e": 1, "z": 2}]),
    ({"dependentSchemas": {"a": {"patternProperties": {"^d": True}}}, "unevaluatedProperties": False},
     [{"a": 1, "d": 1}, {"d": 1}]),
]


@pytest.mark.parametrize(("schema", "instances"), SCHEMAS)
def test_linear_keywords_say_what_jsonschema_says(schema: dict[str, Any], instances: list[Any]) -> None:
    from jsonschema import Draft202012Validator

    ours = patterns.linear(Draft202012Validator)(schema)
    theirs = Draft202012Validator(schema)
    for instance in instances:
        expected = sorted((list(e.absolute_path), e.message) for e in theirs.iter_errors(instance))
        assert sorted((list(e.absolute_path), e.message) for e in ours.iter_errors(instance)) == expected


@pytest.mark.usefixtures("no_backtracking")
def test_a_catastrophic_pattern_never_reaches_a_backtracking_engine() -> None:
    from jsonschema import Draft202012Validator

    validator = patterns.linear(Draft202012Validator)(
        {"properties": {"name": {"pattern": "^(a+)+$"}}, "patternProperties": {"^(b+)+$": {"type": "string"}},
         "additionalProperties": False})
    errors = list(validator.iter_errors({"name": "a" * 40 + "!", "b" * 40 + "!": 1}))
    assert sorted(error.validator for error in errors) == ["additionalProperties", "pattern"]


@pytest.mark.usefixtures("no_backtracking")
def test_crd_patterns_are_matched_by_re2(tmp_path: Path) -> None:
    from hostile.cases_dos import CRD
    from kubelint.engine import lint_paths

    (tmp_path / "crd.yaml").write_text(CRD + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
                                             f"spec:\n  name: {'a' * 40}!\n")
    report = lint_paths([str(tmp_path)], Options(cache=False))
    assert [(f.rule, f.line) for f in report.findings if f.rule == "schema-invalid"] == [("schema-invalid", 26)]


def test_patterns_have_go_semantics() -> None:
    assert patterns.search("^[a-z]+$", "abc") and not patterns.search("^[a-z]+$", "abc\n")  # Python's $ would
    assert not patterns.search(r"^\d$", "\u0663")  # ASCII digits, as Go's \d
    assert patterns.pattern_problem("(?=a)") is not None and patterns.pattern_problem("(a)\\1") is not None
    assert patterns.pattern_problem("a{1001}") is not None  # Go refuses repeats over 1000 too
    assert patterns.pattern_problem("x" * (patterns.MAX_PATTERN_LENGTH + 1)) is not None
    assert patterns.pattern_problem(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$") is None


def test_a_crd_pattern_re2_refuses_is_not_enforced() -> None:
    from kubelint.schema.crd import to_json_schema

    schema = to_json_schema({"properties": {"a": {"type": "string", "pattern": "(?!x)"},
                                            "b": {"type": "string", "pattern": "^b$"}}}, strict=True)
    assert "pattern" not in schema["properties"]["a"] and schema["properties"]["b"]["pattern"] == "^b$"


def test_schema_patterns_finds_every_regex_but_not_literal_values() -> None:
    schema = {"properties": {"pattern": {"pattern": "^p"}, "x": {"const": {"pattern": "(("}}},
              "patternProperties": {"^k": {"items": [{"pattern": "^i"}]}}, "enum": [{"pattern": "(("}]}
    assert sorted(patterns.schema_patterns(schema, ("schema",))) == [
        (("schema", "patternProperties", "^k"), "^k"),
        (("schema", "patternProperties", "^k", "items", 0, "pattern"), "^i"),
        (("schema", "properties", "pattern", "pattern"), "^p"),
    ]


def test_a_user_rule_with_a_pattern_re2_refuses_is_a_located_usage_error(tmp_path: Path) -> None:
    from kubelint.checks.policy import validate_params

    found = validate_params("object-schema", {"schema": {"properties": {"kind": {"pattern": "^(?!Secret)"}}}})
    assert found is not None
    path, message = found
    assert path == ("schema", "properties", "kind", "pattern") and "RE2" in message


# -- linear scans of text ---------------------------------------------------------------------------

_OLD_FILE = re.compile(r"[^\s'\"()\[\]{},;]+\.(?:ya?ml|json)\b", re.IGNORECASE)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("a.yamlYAMLjson/ '\"[];,\t\né1_x")), max_size=40))
def test_file_names_are_blanked_as_the_quadratic_pattern_did(message: str) -> None:
    collapsed = re.sub(r"\s+", " ", message).strip()
    assert normalize_message(message) == re.sub(r"\d+", "#", _OLD_FILE.sub("<file>", collapsed))


def test_blanking_file_names_is_linear_in_token_length(monkeypatch: pytest.MonkeyPatch) -> None:
    from kubelint import fingerprint

    calls = []
    original = fingerprint._EXTENSION

    class Counting:
        def finditer(self, text: str) -> Any:
            calls.append(len(text))
            return original.finditer(text)

    monkeypatch.setattr(fingerprint, "_EXTENSION", Counting())
    assert normalize_message("a" * 200_000 + " k8s/app.yaml:3") == "a" * 200_000 + " <file>:#"
    assert calls == [200_000, len("k8s/app.yaml:3")]  # each token is looked at once


def test_mentions_in_unreadable_files_are_read_line_by_line() -> None:
    from kubelint.analysis.graph import _line_pairs

    text = "\n" * 2000 + "key: [unclosed\n  - app: 'web'  # a comment\n    \"tier\" : backend\nkind: Pod\n"
    assert _line_pairs(text) == {("key", "[unclosed"), ("app", "web"), ("tier", "backend"), ("kind", "Pod")}


# -- YAML: nesting and aliases ----------------------------------------------------------------------


def test_deep_flow_nesting_is_refused_before_the_parser_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    pulled = []
    original = yaml_module.CParser

    class Counting:
        def __init__(self, text: str) -> None:
            self.parser = original(text)

        def get_event(self) -> Any:
            pulled.append(1)
            return self.parser.get_event()

    monkeypatch.setattr(yaml_module, "CParser", Counting)
    documents, problems = parse("a: " + "[" * 150_000 + "]" * 150_000 + "\n---\nb: 1\n")
    assert documents == [] and [p.message for p in problems] == [
        "nesting deeper than 500 levels; the rest of the file is not read"]
    assert (problems[0].line, problems[0].column) == (1, 504)
    assert len(pulled) < 510  # the parser never went past the limit (libyaml is quadratic in flow depth)


def test_skipping_a_broken_document_stops_at_deep_nesting(monkeypatch: pytest.MonkeyPatch) -> None:
    pulled = []
    original = yaml_module.CParser

    class Counting:
        def __init__(self, text: str) -> None:
            self.parser = original(text)

        def get_event(self) -> Any:
            pulled.append(1)
            return self.parser.get_event()

    monkeypatch.setattr(yaml_module, "CParser", Counting)
    _, problems = parse("a: [\n" + "{{" * 100_000 + "\n")  # a collection as a key aborts the document
    assert [p.message for p in problems] == ["a mapping key must be a scalar, not a collection",
                                             "nesting deeper than 500 levels; the rest of the file is not read"]
    assert len(pulled) < 1100


def test_template_actions_are_found_like_the_lazy_pattern_did() -> None:
    from kubelint.sources.read import template_action

    old = re.compile(r"\{\{.*?\}\}")
    for text in ["", "{{", "a {{ x }}", "{{\n}}", "}} {{ x }} {{", "{{{{ }}", "a\n{{ }\n{{ b }}", "{{ }}}}"]:
        found = old.search(text)
        assert template_action(text) == (found.start() if found else None), text


def test_aliases_are_counted_by_the_size_of_what_they_repeat() -> None:
    name = "a" * 100_000
    items = "".join("- {kind: ConfigMap, apiVersion: v1, metadata: {name: *n}}\n" for _ in range(200))
    text = f"kind: List\napiVersion: v1\nitems:\n- {{kind: ConfigMap, apiVersion: v1, metadata: {{name: &n {name}}}}}\n"
    documents, problems = parse(text + items)
    assert documents == [] and len(problems) == 1 and "repeat more than 10 MiB" in problems[0].message
    assert problems[0].line == 5 + MAX_ALIAS_EXPANSION // 100_000  # the alias that crossed the limit
    small, _ = parse(text + items[: len(items) // 20])  # ten aliases of 100 KB: fine
    assert len(small) == 1


def test_nested_aliases_count_what_they_expand_to() -> None:
    chunk = "x" * 100_000
    text = f"a: &a ['{chunk}']\n" + "".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n"
                                              for p, c in zip("abc", "bcd", strict=True))
    _, problems = parse(text)  # c repeats 100 x 100 KB through two levels of aliases: over 10 MiB
    assert len(problems) == 1 and "repeat more than" in problems[0].message and problems[0].line == 3


# -- what one finding carries ------------------------------------------------------------------------


def test_a_finding_carries_excerpts_of_long_messages() -> None:
    from kubelint import checks
    from kubelint.catalog import Rule
    from kubelint.engine import run_rules

    assert excerpt("abc", 5) == "abc" and excerpt("a" * 10, 4) == "aaaa... (10 characters)"

    def shouting(tree: Any, params: Any) -> Any:
        yield checks.Hit("x" * 100_000, Location("f.yaml"), (Location("g.yaml", message="y" * 100_000),))

    checks.registry()["test-shouting"] = shouting
    try:
        tree: Any = SimpleNamespace()  # the check reads nothing of it
        [finding] = run_rules(tree, [Rule("r", "s", Severity.ERROR, "test-shouting", "d", "r")])
    finally:
        del checks.registry()["test-shouting"]
    assert isinstance(finding, Finding)
    assert finding.message == "x" * MAX_MESSAGE + "... (100000 characters)"
    assert finding.related[0].message == "y" * MAX_MESSAGE + "... (100000 characters)"


# -- files ---------------------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX devices and FIFOs")
def test_only_regular_files_are_read_and_never_past_the_limit(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile, match="FIFO"):
        read_regular(str(fifo), 1 << 20)  # and it did not wait for a writer
    with pytest.raises(NotRegularFile, match="device"):
        read_regular("/dev/zero", 1 << 20)
    with pytest.raises(NotRegularFile, match="folder"):
        read_regular(str(tmp_path), 1 << 20)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a" * 2000)
    with pytest.raises(FileTooLarge):
        read_regular(str(big), 1000)
    assert read_regular(str(big), 2000) == b"a" * 2000


@pytest.mark.skipif(sys.platform == "win32", reason="os.pipe semantics")
def test_reading_stops_at_the_limit_even_when_the_size_was_not_known() -> None:
    read_end, write_end = os.pipe()
    def write() -> None:
        with contextlib.suppress(OSError):  # the reader stops early: a broken pipe
            for _ in range(64):
                os.write(write_end, b"z" * 65536)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()  # 4 MiB that never fit a 1 MiB limit
    try:
        with pytest.raises(FileTooLarge):
            read_limited(read_end, 1 << 20)
    finally:
        os.close(read_end)
        writer.join(5)
        os.close(write_end)


def test_leftovers_cut_symlink_loops(tmp_path: Path) -> None:
    from kubelint.sources.render import Kustomization, leftovers

    (tmp_path / "kustomization.yaml").write_text("resources: []\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "x.yaml").write_text("a: 1\n")
    (sub / "a").symlink_to(".")
    (sub / "b").symlink_to(".")
    found = leftovers(Kustomization(str(tmp_path), str(tmp_path / "kustomization.yaml")), set())
    assert [os.path.relpath(c.path, tmp_path) for c in found] == ["sub/x.yaml"]


# -- rendering ---------------------------------------------------------------------------------------------


def test_a_command_that_writes_too_much_is_stopped_at_the_limit() -> None:
    from kubelint.sources.render import _OutputTooLarge, run_capped

    endless = [sys.executable, "-c", "import sys\nwhile True: sys.stdout.write('x' * 65536)"]
    with pytest.raises(_OutputTooLarge):
        run_capped(endless, 60, 1 << 20)
    done = run_capped([sys.executable, "-c", "print('ok'); import sys; print('e', file=sys.stderr)"], 60, 100)
    assert (done.returncode, done.stdout.strip(), done.stderr.strip()) == (0, b"ok", b"e")


def test_the_render_budget_covers_all_roots(tmp_path: Path) -> None:
    from kubelint.sources.render import render_kustomizations

    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "kustomization.yaml").write_text("resources: []\n")
    sleeper = tmp_path / "kustomize"
    sleeper.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(30)\n")
    sleeper.chmod(0o755)
    sources = render_kustomizations([str(tmp_path / "one"), str(tmp_path / "two")], timeout=60,
                                    command=[str(sleeper), "build"], budget=0.5)
    messages = [problem.message for source in sources for problem in source.problems]
    assert len(messages) == 2 and all("render budget of the run (0.5 s" in m for m in messages), messages


# -- relationship rules at scale ---------------------------------------------------------------------------


def test_the_nearest_pods_hint_compares_a_bounded_number_of_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    from kubelint.model.resource import ObjectRef, Resource
    from kubelint.model.selectors import NEAREST_CANDIDATES, PodGroup, PodIndex, Selector

    index = PodIndex()
    for number in range(5_000):
        ref = ObjectRef("apps", "Deployment", "ns", f"d{number}")
        index.add(PodGroup(ref, Resource(ref, "apps/v1", {}, "f.yaml", {}), {"app": f"a{number}", "tier": "web"}))
    compared = []
    original = Selector.failing
    monkeypatch.setattr(Selector, "failing", lambda self, *args: compared.append(1) or original(self, *args))
    near = index.nearest("ns", Selector.from_map({"app": "a4321", "tier": "db"}))
    assert near is not None and near[0].owner.name == "d4321"  # found through the value index
    assert len(compared) <= 4 * NEAREST_CANDIDATES
    compared.clear()
    near = index.nearest("ns", Selector.from_map({"app": "missing"}))
    assert near is not None and near[0].owner.name == "d0" and len(compared) <= 4 * NEAREST_CANDIDATES
    compared.clear()
    assert [g.owner.name for g in index.pods_matching("ns", Selector.from_map({"tier": "web"}))][:3] == [
        "d0", "d1", "d2"]
