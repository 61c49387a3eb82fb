"""Label selector semantics, checked against a plain reference implementation with hypothesis."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubelint.model.resource import ObjectRef, Resource
from kubelint.model.selectors import Operator, PodGroup, PodIndex, Requirement, Scope, Selector

KEYS = ["app", "tier", "track", "example.com/role"]
VALUES = ["web", "api", "1", ""]


def reference(raw: dict[str, Any], labels: dict[str, str], open_keys: frozenset[str] = frozenset()) -> bool:
    """The documented semantics, written out plainly: every matchLabels pair and every expression
    must hold; NotIn and DoesNotExist hold for objects without the key. A key in ``open_keys`` is
    present with a value nobody knows, so anything but DoesNotExist may hold."""
    for key, value in raw.get("matchLabels", {}).items():
        if key in labels:
            if labels[key] != value:
                return False
        elif key not in open_keys:
            return False
    for expression in raw.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        if key not in labels and key in open_keys:
            if operator == "DoesNotExist":
                return False
            continue
        if operator == "In" and not (key in labels and labels[key] in values):
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


labels_strategy = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=4)
open_keys_strategy = st.frozensets(st.sampled_from([*KEYS, "pod-template-hash"]), max_size=2)


@st.composite
def expressions(draw: st.DrawFn) -> dict[str, Any]:
    operator = draw(st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]))
    expression: dict[str, Any] = {"key": draw(st.sampled_from([*KEYS, "pod-template-hash"])), "operator": operator}
    if operator in ("In", "NotIn"):
        expression["values"] = draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=3))
    return expression


@st.composite
def label_selectors(draw: st.DrawFn) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    if draw(st.booleans()):
        raw["matchLabels"] = draw(labels_strategy)
    if draw(st.booleans()):
        raw["matchExpressions"] = draw(st.lists(expressions(), max_size=4))
    return raw


@settings(max_examples=400)
@given(label_selectors(), labels_strategy, open_keys_strategy)
def test_label_selector_matches_like_the_reference(raw: dict[str, Any], labels: dict[str, str],
                                                    open_keys: frozenset[str]) -> None:
    selector = Selector.from_label_selector(raw)
    assert not selector.problems
    assert selector.matches(labels, open_keys) == reference(raw, labels, open_keys)


@settings(max_examples=200)
@given(labels_strategy, labels_strategy)
def test_equality_selector_requires_every_pair(raw: dict[str, str], labels: dict[str, str]) -> None:
    selector = Selector.parse(raw, "Service")
    expected = bool(raw) and all(labels.get(key) == value for key, value in raw.items())
    assert selector.matches(labels) == expected


def _group(name: str, namespace: str, labels: dict[str, str], open_keys: frozenset[str]) -> PodGroup:
    ref = ObjectRef("apps", "Deployment", namespace, name)
    return PodGroup(ref, Resource(ref, "apps/v1", {}, "test.yaml", {}), labels, open_keys)


@settings(max_examples=300)
@given(
    st.lists(st.tuples(st.sampled_from(["a", "b"]), labels_strategy, open_keys_strategy), max_size=12),
    label_selectors(),
    st.sampled_from(["a", "b", "c"]),
)
def test_index_lookup_equals_a_scan_of_every_group(
    pods: list[tuple[str, dict[str, str], frozenset[str]]], raw: dict[str, Any], namespace: str
) -> None:
    index = PodIndex()
    groups = [_group(f"w{number}", ns, labels, keys) for number, (ns, labels, keys) in enumerate(pods)]
    for group in groups:
        index.add(group)
    selector = Selector.from_label_selector(raw)
    expected = [g for g in groups if g.namespace == namespace and reference(raw, dict(g.labels), g.open_keys)]
    assert index.pods_matching(namespace, selector) == expected


@pytest.mark.parametrize(
    ("raw", "kind", "api_version", "scope", "everything"),
    [
        (None, "Service", "v1", Scope.NOTHING, False),
        ({}, "Service", "v1", Scope.NOTHING, False),
        (None, "PodDisruptionBudget", "policy/v1", Scope.NOTHING, False),
        ({}, "PodDisruptionBudget", "policy/v1", Scope.MATCHING, True),
        ({}, "PodDisruptionBudget", "policy/v1beta1", Scope.NOTHING, False),
        (None, "PodDisruptionBudget", "policy/v1beta1", Scope.NOTHING, False),
        ({}, "NetworkPolicy", "networking.k8s.io/v1", Scope.MATCHING, True),
        ({"matchLabels": {}, "matchExpressions": []}, "NetworkPolicy", "networking.k8s.io/v1", Scope.MATCHING, True),
        ({}, "Deployment", "apps/v1", Scope.MATCHING, True),
    ],
)
def test_null_and_empty_selectors_per_kind(raw: Any, kind: str, api_version: str, scope: Scope,
                                           everything: bool) -> None:
    selector = Selector.parse(raw, kind, api_version)
    assert selector.scope is scope
    assert selector.selects_everything is everything
    assert selector.matches({"app": "web"}) is (scope is Scope.MATCHING)


def test_missing_selector_of_a_replication_controller_defaults_to_its_template() -> None:
    selector = Selector.parse(None, "ReplicationController")
    assert selector.defaulted
    resolved = selector.or_labels({"app": "redis"})
    assert resolved.matches({"app": "redis", "role": "leader"})
    assert not resolved.matches({"app": "web"})


@pytest.mark.parametrize(
    "raw",
    [
        {"matchExpressions": [{"key": "app", "operator": "Equals", "values": ["web"]}]},
        {"matchExpressions": [{"key": "app", "operator": "In", "values": []}]},
        {"matchExpressions": [{"key": "app", "operator": "Exists", "values": ["web"]}]},
        {"matchExpressions": [{"operator": "Exists"}]},
        {"matchLabels": ["app", "web"]},
        "app=web",
    ],
)
def test_invalid_selectors_report_problems_and_select_nothing(raw: Any) -> None:
    selector = Selector.from_label_selector(raw)
    assert selector.problems
    assert not selector.matches({"app": "web"})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=15,
)


@settings(max_examples=300)
@given(json_values, st.sampled_from(["Service", "ReplicationController", "PodDisruptionBudget", "Deployment",
                                     "NetworkPolicy", "Other"]))
def test_any_input_parses_without_raising(raw: Any, kind: str) -> None:
    selector = Selector.parse(raw, kind, "policy/v1")
    selector.matches({"app": "web"}, frozenset({"pod-template-hash"}))
    str(selector)


def test_requirements_render_like_kubectl() -> None:
    raw = {"matchLabels": {"app": "web"}, "matchExpressions": [
        {"key": "tier", "operator": "NotIn", "values": ["b", "a"]}, {"key": "x", "operator": "DoesNotExist"}]}
    assert str(Selector.from_label_selector(raw)) == "app=web,tier notin (a,b),!x"


def test_selectors_and_requirements_are_hashed_in_c_and_equal_only_their_own_kind() -> None:
    selector = Selector.from_label_selector({"matchLabels": {"app": "web"}})
    requirement = selector.requirements[0]
    assert Selector.__hash__ is tuple.__hash__ and Requirement.__hash__ is tuple.__hash__
    assert selector == Selector.from_label_selector({"matchLabels": {"app": "web"}})
    assert (selector != Selector.from_label_selector({"matchLabels": {"app": "web"}})) is False
    assert selector != Selector.from_label_selector({"matchLabels": {"app": "api"}})
    assert requirement == Requirement("app", Operator.IN, frozenset({"web"}), ("matchLabels", "app"))
    assert selector != tuple(selector) and tuple(selector) != selector
    assert requirement != tuple(requirement) and tuple(requirement) != requirement
    assert {selector: 1}.get(tuple(selector)) is None
