"""Property tests over the loader and the whole pipeline, on generated and mutated manifests (issue 15).

They run a few seconds of examples in CI; ``HYPOTHESIS_PROFILE=fuzz pytest tests/test_fuzz.py`` runs
thousands. ``fuzz/lint_target.py`` is the coverage-guided fuzzer for longer local runs (docs/fuzzing.md).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubelint.sources.yaml import parse
from pipeline_invariants import check_outputs, lint_folder

settings.register_profile("ci", max_examples=12, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("fuzz", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

KINDS = [("v1", "Service"), ("apps/v1", "Deployment"), ("v1", "Pod"), ("networking.k8s.io/v1", "NetworkPolicy"),
         ("v1", "ConfigMap"), ("networking.k8s.io/v1", "Ingress"), ("policy/v1", "PodDisruptionBudget"),
         ("apiextensions.k8s.io/v1", "CustomResourceDefinition"), ("example.com/v1", "Widget"), ("v1", "List"),
         ("kustomize.config.k8s.io/v1beta1", "Kustomization")]
KEYS = ["metadata", "name", "namespace", "labels", "annotations", "spec", "selector", "matchLabels", "template",
        "containers", "image", "ports", "port", "targetPort", "containerPort", "podSelector", "ingress", "egress",
        "from", "to", "policyTypes", "items", "kind", "apiVersion", "securityContext", "privileged", "env",
        "value", "rules", "backend", "service", "pattern", "openAPIV3Schema", "properties", "type",
        "kubelint.io/ignore", "app", "<<"]
ODD = "\x00\x1b\u202e\u2028\t\n\r{}[]&*!|>'\"#:,-? %@`\\\ufeff"

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["yes", "0755", "0x1F", "~", "1e3", "80", "##[stop-commands]t", "#\u200b#[error]x"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20),
    st.text(alphabet=ODD + "ab", max_size=10), st.sampled_from(KEYS),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5)),
    max_leaves=25)


@st.composite
def objects(draw: st.DrawFn) -> dict[str, Any]:
    api_version, kind = draw(st.sampled_from(KINDS))
    body = draw(st.dictionaries(st.sampled_from(KEYS), values, max_size=6))
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": draw(st.text(max_size=12))}, **body}


def _yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML for plain data (scalars as JSON, which YAML reads the same)."""
    pad = " " * indent
    if isinstance(value, dict) and value:
        return "".join(f"{pad}{json.dumps(str(k))}:\n{_yaml(v, indent + 2)}" if isinstance(v, (dict, list)) and v
                       else f"{pad}{json.dumps(str(k))}: {_scalar(v)}\n" for k, v in value.items())
    if isinstance(value, list) and value:
        return "".join(f"{pad}-\n{_yaml(v, indent + 2)}" if isinstance(v, (dict, list)) and v
                       else f"{pad}- {_scalar(v)}\n" for v in value)
    return f"{pad}{_scalar(value)}\n"


def _scalar(value: Any) -> str:
    if isinstance(value, float) and value != value:
        return ".nan"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    return json.dumps(value if not isinstance(value, (dict, list)) else ({} if isinstance(value, dict) else []))


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A YAML stream of objects, in block or flow style, then mutated at a few places."""
    parts = [json.dumps(obj) if draw(st.booleans()) else _yaml(obj) for obj in draw(st.lists(objects(), max_size=3))]
    text = "---\n".join(part if part.endswith("\n") else part + "\n" for part in parts)
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 3))
        text = text[:at] + draw(st.text(alphabet=ODD + "a1", max_size=4)) + text[at + cut:]
    return text


@given(st.one_of(documents(), st.text(max_size=200)))
def test_the_loader_never_raises_and_locates_everything(text: str) -> None:
    found, problems = parse(text)
    lines = len(re.split("\r\n|[\r\n\x85\u2028\u2029]", text)) + 1  # YAML's line breaks, and the end of the stream
    for problem in problems:
        assert 1 <= problem.line <= lines and problem.column >= 1, problem
    for document in found:
        assert all(line >= 1 and column >= 1 for line, column in document.positions.values())


@given(st.lists(st.one_of(documents(), st.binary(max_size=64).map(lambda b: b.decode("latin-1"))),
                min_size=1, max_size=3))
def test_the_pipeline_has_no_internal_error_and_every_format_parses(files: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="kubelint-fuzz-") as folder:
        for index, text in enumerate(files):
            Path(folder, f"f{index}.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        report = lint_folder(Path(folder))  # an exception here is exit 3
        outputs = check_outputs(report)
    assert any(line.startswith(f"{len(report.sources)} file") for line in outputs["text"].splitlines())
