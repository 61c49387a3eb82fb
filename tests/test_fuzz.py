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
settings.register_profile("fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "5000")), deadline=None,
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
def plain_objects(draw: st.DrawFn) -> dict[str, Any]:
    api_version, kind = draw(st.sampled_from(KINDS))
    body = draw(st.dictionaries(st.sampled_from(KEYS), values, max_size=6))
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": draw(st.text(max_size=12))}, **body}


CEL = ["self.size() > 1", "self.x == oldSelf.x", "has(self.x) && self.x.all(y, y > 0)", "self.matches('^(a+)+$')",
       "object.spec.replicas <= 5", "self.x.exists_one(y, y == 1) ? 'a' : 1", "1 / 0 == 0", "self[0]",
       "size(self) < 2 && self.map(k, k).size() >= 0", "quantity(self).isGreaterThan(quantity('1Gi'))",
       "self.startsWith('a') || url(self).getHost() == 'h'", "[1, 2].map(x, [x, x]).size() == 2",
       "string(self) + 'x' == 'x'", "int(self) << 2", "self.x.y.z", "duration('1h') > duration(self)",
       "object.metadata.name == 'p'", "object.spec.containers.all(c, c.image.startsWith('a'))", "variables.x",
       "request.operation == 'CREATE' && !has(oldObject.spec)", "params.x > 1", "object.spec.x.size() > 0"]
"""CEL that compiles, fails to compile, errs or gives a non-bool: CRD rules and admission policies run them."""
expressions = st.one_of(st.sampled_from(CEL), st.sampled_from(CEL), st.sampled_from(CEL),
                        st.text(alphabet=ODD + "self.()[]x01'", max_size=30))
schemas = st.recursive(
    st.fixed_dictionaries({"type": st.sampled_from(["string", "integer", "object", "array", "number", "boolean"])},
                          optional={"x-kubernetes-validations": st.lists(st.fixed_dictionaries(
                              {"rule": expressions},
                              optional={"messageExpression": expressions, "fieldPath": st.sampled_from([".x", "x["]),
                                        "reason": st.sampled_from(["FieldValueForbidden", "x"])}), max_size=2),
                                    "x-kubernetes-list-type": st.sampled_from(["set", "map", "atomic"]),
                                    "default": scalars, "format": st.sampled_from(["date-time", "duration", "byte"])}),
    lambda inner: st.fixed_dictionaries({"type": st.just("object")}, optional={
        "properties": st.dictionaries(st.sampled_from(["x", "y", "spec", "z"]), inner, max_size=3),
        "items": inner, "additionalProperties": inner}),
    max_leaves=6)


@st.composite
def cel_objects(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A CRD with validation rules and an object of its kind, or an admission policy, its binding and a Pod."""
    if draw(st.booleans()):
        crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
               "metadata": {"name": "widgets.example.com"},
               "spec": {"group": "example.com", "scope": "Namespaced",
                        "names": {"plural": "widgets", "kind": "Widget"},
                        "versions": [{"name": "v1", "served": True, "storage": True,
                                      "schema": {"openAPIV3Schema": draw(schemas)}}]}}
        return [crd, {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
                      **draw(st.dictionaries(st.sampled_from(["x", "y", "spec", "z"]), values, max_size=3))}]
    group = "admissionregistration.k8s.io/v1"
    policy = {"apiVersion": group, "kind": "ValidatingAdmissionPolicy", "metadata": {"name": "p"},
              "spec": {"matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
                                                               "operations": ["CREATE", "UPDATE"],
                                                               "resources": ["pods"]}]},
                       "validations": draw(st.lists(st.fixed_dictionaries(
                           {"expression": expressions}, optional={"messageExpression": expressions}), max_size=2)),
                       "matchConditions": draw(st.lists(st.fixed_dictionaries(
                           {"name": st.just("c"), "expression": expressions}), max_size=1)),
                       "variables": draw(st.lists(st.fixed_dictionaries(
                           {"name": st.just("x"), "expression": expressions}), max_size=1))}}
    binding = {"apiVersion": group, "kind": "ValidatingAdmissionPolicyBinding", "metadata": {"name": "b"},
               "spec": {"policyName": "p", "validationActions": draw(st.lists(
                   st.sampled_from(["Deny", "Warn", "Audit", "x"]), min_size=1, max_size=2))}}
    return [policy, binding, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": draw(st.sampled_from("pq"))},
                              "spec": draw(st.dictionaries(st.sampled_from(KEYS), values, max_size=3))}]


objects = st.one_of(plain_objects().map(lambda obj: [obj]), cel_objects())


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
    found = [obj for group in draw(st.lists(objects, max_size=3)) for obj in group]
    parts = [json.dumps(obj) if draw(st.booleans()) else _yaml(obj) for obj in found]
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
