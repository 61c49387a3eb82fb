"""Label selectors with Kubernetes semantics, and an index that finds the pods a selector matches.

Two spellings exist. Equality selectors (a plain ``{key: value}`` map: Service, ReplicationController)
require every pair. Label selectors (``matchLabels`` AND ``matchExpressions``: Deployment, PDB,
NetworkPolicy, ...) add set-based requirements: ``In``, ``NotIn``, ``Exists``, ``DoesNotExist``.
``NotIn`` and ``DoesNotExist`` match objects that lack the key.

What a *missing* selector means differs by kind: a Service without one manages no endpoints, a
policy/v1 PodDisruptionBudget without one selects nothing while ``{}`` selects every pod of its
namespace, a ReplicationController without one takes its template labels. :meth:`Selector.parse`
knows these per kind; :meth:`Selector.from_map` and :meth:`Selector.from_label_selector` are the
building blocks for callers (NetworkPolicy peers) with their own rules.

Pods are represented by :class:`PodGroup`: the pods of one workload, with their labels and the
labels controllers add at run time (``pod-template-hash``, ...), whose values are unknown: a
requirement on such an *open* key may be met. :class:`PodIndex` indexes groups by namespace and
label so that a lookup inspects only the candidates of the selector's most selective requirement.
"""

from __future__ import annotations

import enum
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any, NamedTuple

from kubelint.findings import Path
from kubelint.model.resource import mapping, sequence, string_map, text
from kubelint.records import record, value_tuple

if TYPE_CHECKING:
    from kubelint.model.resource import Container, ObjectRef, Resource


class Operator(str, enum.Enum):
    """A set-based requirement's operator, spelled as in ``matchExpressions``."""

    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"


IN, NOT_IN, EXISTS, DOES_NOT_EXIST = Operator.IN, Operator.NOT_IN, Operator.EXISTS, Operator.DOES_NOT_EXIST
"""The operators as module constants, for code that compares them in every lookup: on Python 3.11 reading a member
off its Enum class goes through ``EnumType.__getattr__`` (about 0.14 µs, a quarter of matching a requirement)."""


@value_tuple
class Requirement(NamedTuple):
    """One condition on one label key; ``path`` is where it is written inside the selector.

    A :func:`~kubelint.records.value_tuple`, as :class:`Selector`: made by the ten thousand (each selector of each
    unit's analyses); equal only to another Requirement."""

    key: str
    operator: Operator
    values: frozenset[str] = frozenset()
    path: Path = ()

    def matches(self, labels: Mapping[str, str], open_keys: frozenset[str] = frozenset()) -> bool:
        """Whether labels meet the requirement; a key in ``open_keys`` is present with any value."""
        if self.key in open_keys and self.key not in labels:
            return self.operator is not DOES_NOT_EXIST
        present = self.key in labels
        if self.operator is IN:
            return present and labels[self.key] in self.values
        if self.operator is NOT_IN:
            return not present or labels[self.key] not in self.values
        if self.operator is EXISTS:
            return present
        return not present

    def __str__(self) -> str:
        if self.operator is IN and len(self.values) == 1:
            return f"{self.key}={next(iter(self.values))}"
        if self.operator is EXISTS:
            return self.key
        if self.operator is DOES_NOT_EXIST:
            return f"!{self.key}"
        word = "in" if self.operator is IN else "notin"
        return f"{self.key} {word} ({','.join(sorted(self.values))})"


class Scope(enum.Enum):
    """What a selector selects before its requirements are read."""

    NOTHING = "nothing"
    """No selector: selects no pods (a Service without selector, a policy/v1 PDB with a null one)."""
    MATCHING = "matching"
    """Pods that meet every requirement (no requirement at all: every pod)."""


NOTHING, MATCHING = Scope.NOTHING, Scope.MATCHING
"""The scopes as module constants (see :data:`IN`)."""


@value_tuple
class Selector(NamedTuple):
    """A parsed selector: its requirements (all must hold), or a selector that selects nothing.

    A :func:`~kubelint.records.value_tuple` (see :class:`Requirement`), equal only to another Selector."""

    requirements: tuple[Requirement, ...] = ()
    scope: Scope = MATCHING
    problems: tuple[tuple[Path, str], ...] = ()
    """Reasons the API server would refuse the selector (path inside it, message)."""
    defaulted: bool = False
    """True when the kind fills in a missing selector (from its template labels)."""

    # construction ----------------------------------------------------------------------------

    @classmethod
    def nothing(cls) -> Selector:
        return cls(scope=NOTHING)

    @classmethod
    def everything(cls) -> Selector:
        return cls()

    @classmethod
    def from_map(cls, raw: Any, *, empty: Scope = NOTHING) -> Selector:
        """An equality selector (``{key: value}``); a missing or empty map has scope ``empty``."""
        if raw is None or (isinstance(raw, dict) and not raw):
            return cls(scope=empty)
        if not isinstance(raw, dict):
            return cls(scope=NOTHING, problems=(((), "a selector must be a mapping of labels"),))
        requirements = tuple(
            Requirement(key, IN, frozenset({value}), (key,)) for key, value in string_map(raw).items()
        )
        return cls(requirements)

    @classmethod
    def from_label_selector(
        cls, raw: Any, *, null: Scope = NOTHING, empty: Scope = MATCHING
    ) -> Selector:
        """A ``LabelSelector`` (``matchLabels`` AND ``matchExpressions``).

        ``null`` is the scope of a missing selector, ``empty`` the scope of one without requirements
        (``{}``, or empty ``matchLabels`` and ``matchExpressions``).
        """
        if raw is None:
            return cls(scope=null)
        if not isinstance(raw, dict):
            return cls(scope=NOTHING, problems=(((), "a label selector must be a mapping"),))
        requirements: list[Requirement] = []
        problems: list[tuple[Path, str]] = []
        match_labels = raw.get("matchLabels")
        if match_labels is not None and not isinstance(match_labels, dict):
            problems.append((("matchLabels",), "matchLabels must be a mapping"))
        for key, value in string_map(match_labels).items():
            requirements.append(Requirement(key, IN, frozenset({value}), ("matchLabels", key)))
        expressions = raw.get("matchExpressions")
        if expressions is not None and not isinstance(expressions, list):
            problems.append((("matchExpressions",), "matchExpressions must be a sequence"))
        for index, expression in enumerate(sequence(expressions)):
            requirement, problem = _expression(expression, ("matchExpressions", index))
            if requirement is not None:
                requirements.append(requirement)
            if problem is not None:
                problems.append(problem)
        if problems:
            return cls(tuple(requirements), NOTHING, tuple(problems))
        if not requirements:
            return cls(scope=empty)
        return cls(tuple(requirements))

    @classmethod
    def parse(cls, raw: Any, kind: str, api_version: str = "") -> Selector:
        """The selector ``raw`` as the object kind ``kind`` reads it (``api_version`` where it matters).

        Service: equality map, missing or empty selects nothing. ReplicationController and OpenShift's
        DeploymentConfig: equality map, missing or empty defaults to the template labels (``defaulted``; resolve with
        :meth:`or_labels`). PodDisruptionBudget: policy/v1 null selects nothing and ``{}`` every pod,
        policy/v1beta1 selects nothing for both. NetworkPolicy ``podSelector``: ``{}`` and null select
        every pod. Workloads (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job): a label selector;
        missing means defaulted from the template (extensions/v1beta1, Job), ``{}`` matches everything.
        Any other kind reads a label selector with null = nothing, ``{}`` = everything.
        """
        if kind == "Service":
            return cls.from_map(raw, empty=NOTHING)
        if kind in EQUALITY_SELECTOR_KINDS:
            if raw is None or raw == {}:
                return cls(scope=MATCHING, defaulted=True)
            return cls.from_map(raw)
        if kind == "PodDisruptionBudget":
            if api_version.endswith("v1beta1"):
                return cls.from_label_selector(raw, null=NOTHING, empty=NOTHING)
            return cls.from_label_selector(raw, null=NOTHING, empty=MATCHING)
        if kind == "NetworkPolicy":
            return cls.from_label_selector(raw, null=MATCHING, empty=MATCHING)
        if kind in WORKLOAD_SELECTOR_KINDS:
            if raw is None:
                return cls(scope=MATCHING, defaulted=True)
            return cls.from_label_selector(raw, null=MATCHING, empty=MATCHING)
        return cls.from_label_selector(raw)

    def or_labels(self, labels: Mapping[str, str]) -> Selector:
        """A defaulted selector resolved to the given template labels (otherwise itself)."""
        if not self.defaulted:
            return self
        return Selector(tuple(Requirement(k, IN, frozenset({v})) for k, v in labels.items()))

    # semantics -------------------------------------------------------------------------------

    @property
    def selects_nothing(self) -> bool:
        return self.scope is NOTHING

    @property
    def selects_everything(self) -> bool:
        return self.scope is MATCHING and not self.requirements and not self.defaulted

    def matches(self, labels: Mapping[str, str], open_keys: frozenset[str] = frozenset()) -> bool:
        """Whether an object with these labels is selected (``open_keys``: present, value unknown)."""
        if self.scope is NOTHING:
            return False
        for requirement in self.requirements:  # noqa: SIM110  # a loop, not all(...): every pod lookup asks this
            if not requirement.matches(labels, open_keys):
                return False
        return True

    def failing(self, labels: Mapping[str, str], open_keys: frozenset[str] = frozenset()) -> list[Requirement]:
        """The requirements these labels do not meet."""
        return [r for r in self.requirements if not r.matches(labels, open_keys)]

    def __str__(self) -> str:
        if self.scope is NOTHING:
            return "<nothing>"
        return ",".join(str(requirement) for requirement in self.requirements) or "<everything>"


WORKLOAD_SELECTOR_KINDS = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"})
EQUALITY_SELECTOR_KINDS = frozenset({"ReplicationController", "DeploymentConfig"})
"""Workloads with a plain ``{key: value}`` selector that defaults to the template's labels (OpenShift's
DeploymentConfig rolls out ReplicationControllers and reads its selector the same way)."""

_OPERATORS = {operator.value: operator for operator in Operator}

ELSEWHERE_BUDGET = 256
"""How many candidate groups :meth:`PodIndex.elsewhere` inspects per selector at most."""


def _expression(raw: Any, path: Path) -> tuple[Requirement | None, tuple[Path, str] | None]:
    expression = mapping(raw)
    key = text(expression.get("key"))
    if not key:
        return None, (path, "a matchExpressions entry needs a key")
    operator = _OPERATORS.get(text(expression.get("operator")) or "")
    if operator is None:
        return None, ((*path, "operator"), f"unknown operator {expression.get('operator')!r} "
                      "(In, NotIn, Exists, DoesNotExist)")
    raw_values = expression.get("values")
    values = frozenset(string_map({index: item for index, item in enumerate(sequence(raw_values))}).values())
    if operator in (IN, NOT_IN) and not values:
        return None, ((*path, "values"), f"{operator.value} needs at least one value")
    if operator in (EXISTS, DOES_NOT_EXIST) and values:
        return None, ((*path, "values"), f"{operator.value} takes no values")
    return Requirement(key, operator, values, path), None


# pods ----------------------------------------------------------------------------------------


@record(frozen=True, eq=False)
class PodGroup:
    """The pods one object creates: their labels, the keys controllers add, and their containers.

    ``containers`` is None when the containers are not in the tree (an operator builds them).
    """

    owner: ObjectRef
    resource: Resource
    labels: Mapping[str, str]
    open_keys: frozenset[str] = frozenset()
    containers: tuple[Container, ...] | None = None
    template_path: Path | None = None
    """Where the pod template (or the labels the pods get) is written in the owner."""

    @property
    def namespace(self) -> str | None:
        return self.owner.namespace

    @property
    def title(self) -> str:
        """The pods named after their owner, as messages say it: ``Deployment web``."""
        return f"{self.owner.kind} {self.owner.name}"


@record
class PodIndex:
    """Pod groups by namespace and label, for selector lookups that do not scan every group."""

    groups: list[PodGroup] = field(default_factory=list)
    _by_namespace: dict[str | None, list[PodGroup]] = field(default_factory=lambda: defaultdict(list))
    _by_value: dict[tuple[str | None, str, str], list[PodGroup]] = field(default_factory=lambda: defaultdict(list))
    _by_key: dict[tuple[str | None, str], list[PodGroup]] = field(default_factory=lambda: defaultdict(list))
    _open: dict[tuple[str | None, str], list[PodGroup]] = field(default_factory=lambda: defaultdict(list))
    _order: dict[int, int] = field(default_factory=dict)
    """Each group's place among the groups of its namespace (by ``id``), to keep results in that order."""
    _anywhere: dict[tuple[str, str | None], list[PodGroup]] = field(default_factory=lambda: defaultdict(list))
    """Groups of every namespace by (key, value); value None: the key is open (any value)."""

    def add(self, group: PodGroup) -> None:
        """Index one group: O(number of its labels)."""
        namespace = group.namespace
        self.groups.append(group)
        in_namespace = self._by_namespace[namespace]
        self._order[id(group)] = len(in_namespace)
        in_namespace.append(group)
        for key, value in group.labels.items():
            self._by_value[(namespace, key, value)].append(group)
            self._by_key[(namespace, key)].append(group)
            self._anywhere[(key, value)].append(group)
        for key in group.open_keys:
            if key not in group.labels:
                self._open[(namespace, key)].append(group)
                self._by_key[(namespace, key)].append(group)
                self._anywhere[(key, None)].append(group)

    def in_namespace(self, namespace: str | None) -> list[PodGroup]:
        """Every group in a namespace."""
        return list(self._by_namespace.get(namespace, ()))

    def namespaces(self) -> Iterable[str | None]:
        return self._by_namespace.keys()

    def _candidates(self, namespace: str | None, requirement: Requirement) -> list[PodGroup] | None:
        """Groups that may meet a positive requirement (None: the requirement cannot narrow)."""
        if requirement.operator is EXISTS:
            return self._by_key.get((namespace, requirement.key), [])
        if requirement.operator is IN:
            found: list[PodGroup] = list(self._open.get((namespace, requirement.key), ()))
            for value in requirement.values:
                found.extend(self._by_value.get((namespace, requirement.key, value), ()))
            return found
        return None

    def pods_matching(self, namespace: str | None, selector: Selector) -> list[PodGroup]:
        """The pod groups in ``namespace`` that ``selector`` selects, in the order they were added."""
        if selector.selects_nothing:
            return []
        best: list[PodGroup] | None = None
        for requirement in selector.requirements:
            candidates = self._candidates(namespace, requirement)
            if candidates is not None and (best is None or len(candidates) < len(best)):
                best = candidates
                if not best:
                    return []
        pool = self._by_namespace.get(namespace, []) if best is None else best
        seen: set[int] = set()
        found = []
        for group in pool:
            if id(group) not in seen and selector.matches(group.labels, group.open_keys):
                seen.add(id(group))
                found.append(group)
        if best is not None:
            order = self._order
            found.sort(key=lambda group: order[id(group)])
        return found

    def elsewhere(self, namespace: str | None, selector: Selector, limit: int = 3,
                  budget: int = ELSEWHERE_BUDGET) -> list[PodGroup]:
        """Up to ``limit`` groups of other namespaces that ``selector`` would select there (a selector written
        in the wrong namespace). Only a selector with an ``In`` requirement is looked up, through the groups
        that meet its most selective one, of which at most ``budget`` are inspected: the cost is bounded per
        selector whatever the tree."""
        best: list[list[PodGroup]] | None = None
        best_size = 0
        for requirement in selector.requirements:
            if requirement.operator is not IN:
                continue
            lists = [self._anywhere.get((requirement.key, value), []) for value in sorted(requirement.values)]
            lists.append(self._anywhere.get((requirement.key, None), []))
            size = sum(len(found) for found in lists)
            if best is None or size < best_size:
                best, best_size = lists, size
        if not best:
            return []
        found: list[PodGroup] = []
        seen: set[int] = set()
        for group in itertools.islice(itertools.chain.from_iterable(best), budget):
            if (group.namespace != namespace and id(group) not in seen
                    and selector.matches(group.labels, group.open_keys)):
                seen.add(id(group))
                found.append(group)
                if len(found) == limit:
                    break
        return found

    def nearest(self, namespace: str | None, selector: Selector) -> tuple[PodGroup, list[Requirement]] | None:
        """The group in ``namespace`` that meets most of the selector's requirements, with the rest.

        Exact in a namespace of at most :data:`NEAREST_CANDIDATES` groups. In a bigger one (10,000 Services
        that each select nothing would make a scan per Service quadratic) only the first groups that have
        one of the selector's keys, one of its values, and the namespace's first groups are compared.
        """
        best: tuple[tuple[int, int, int], PodGroup, list[Requirement]] | None = None
        for group in self._nearest_candidates(namespace, selector):
            failing = selector.failing(group.labels, group.open_keys)
            known = sum(1 for r in selector.requirements if r not in failing and r.key in group.labels)
            shared = sum(1 for r in failing if r.key in group.labels or r.key in group.open_keys)
            score = (known, len(selector.requirements) - len(failing), shared)
            if best is None or score > best[0]:
                best = (score, group, failing)
        if best is None:
            return None
        return best[1], best[2]

    def _nearest_candidates(self, namespace: str | None, selector: Selector) -> Iterable[PodGroup]:
        groups = self._by_namespace.get(namespace, [])
        if len(groups) <= NEAREST_CANDIDATES:
            return groups
        chosen: dict[int, PodGroup] = {}
        lists: list[list[PodGroup]] = [groups]
        for requirement in selector.requirements:
            lists.append(self._by_key.get((namespace, requirement.key), []))
            lists.extend(self._by_value.get((namespace, requirement.key, value), []) for value in requirement.values)
        for found in lists:
            for group in itertools.islice(found, NEAREST_CANDIDATES):
                chosen[id(group)] = group
        order = self._order
        return sorted(chosen.values(), key=lambda group: order[id(group)])

    def __iter__(self) -> Iterator[PodGroup]:
        return iter(self.groups)


NEAREST_CANDIDATES = 64
"""How many groups per label index :meth:`PodIndex.nearest` compares in a big namespace."""
