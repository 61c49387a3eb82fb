"""Best-practice checks read manifests defensively: any type anywhere never raises."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kubelint.engine import lint_tree
from kubelint.loader import build_tree
from kubelint.options import Options
from kubelint.sources.read import Source
from kubelint.sources.yaml import parse

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2, 70000), st.text(max_size=8),
                    st.sampled_from(["ALL", "SYS_ADMIN", "/var/run/docker.sock", "nginx:latest", "0"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from(["name", "value", "hostPath", "path", "add", "capabilities", "env",
                                     "runAsUser", "runAsNonRoot", "securityContext", "ports", "hostPort",
                                     "image", "resources", "requests", "limits", "privileged"]),
                    inner, max_size=4)), max_leaves=12)

KEYS = ["securityContext", "hostNetwork", "hostPID", "volumes", "containers", "initContainers", "os"]


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), values, max_size=5), st.lists(values, max_size=2))
def test_any_pod_spec_shape_lints_without_raising(spec: dict[str, Any], containers: list[Any]) -> None:
    spec = {**spec, "containers": containers} if "containers" not in spec else spec
    document = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
                "spec": {"template": {"metadata": {"annotations": {"kubelint.io/ignore": spec.get("os")}},
                                      "spec": spec}}}
    text = json.dumps(document)
    documents, problems = parse(text)
    source = Source("fuzz.json", text, documents, problems)
    report = lint_tree(build_tree([source], Options(enable=["all"])))
    for finding in report.findings:
        assert finding.line >= 1 and finding.rule
