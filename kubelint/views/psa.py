"""``kubelint psa``: per namespace, the Pod Security policy in force, the strictest level all its pods satisfy
today, and what raising the enforce label would refuse (a dry run of the label change).

Everything comes from the ``pod-security`` analysis of each unit; a dry run evaluates the same pods at the
stricter level, at the version the namespace pins for enforce (``latest`` when it pins none), and lists each
object with the reasons the API server would give (as it warns when such a label is applied:
``existing pods in namespace "x" violate the new PodSecurity enforce level "restricted:latest"``).
"""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING, Any

from kubelint.analysis.psa import NamespacePolicy, PodSecurity, PodSecurityResult, pod_security
from kubelint.podsecurity.levels import MODES, Level, LevelVersion
from kubelint.records import record
from kubelint.report.escape import escape_control, json_text

if TYPE_CHECKING:
    from kubelint.model.tree import Tree


@record
class Refusal:
    """One object whose pods a level refuses, with the reasons (upstream's aggregated ``ForbiddenReason``)."""

    kind: str
    name: str
    file: str
    line: int
    reasons: list[str]


@record
class NamespaceView:
    name: str
    unit: str
    defined_at: str | None
    policy: dict[str, dict[str, str]]
    problems: list[str]
    exempt: bool
    objects: int
    strictest: str | None
    """The strictest level every object's pods satisfy (None when nothing is evaluated: no pods, or exempt)."""
    refused: dict[str, list[Refusal]] = field(default_factory=dict)
    """Level and version -> objects whose pods it refuses, for the current enforce level and each stricter one."""


def _refusal(result: PodSecurityResult, reasons: list[str]) -> Refusal:
    line, _ = result.resource.position()
    return Refusal(result.resource.kind, result.resource.name, result.resource.file, line, reasons)


def _evaluated(namespace: NamespacePolicy) -> list[PodSecurityResult]:
    """The objects whose pods the plugin evaluates (not exempt, creating pods)."""
    return [result for result in namespace.pods if not result.exempt and result.creates_pods]


def namespace_view(analysis: PodSecurity, namespace: NamespacePolicy, unit: str) -> NamespaceView:
    """What ``kubelint psa`` says about one namespace of one unit."""
    where = None
    if namespace.resource is not None:
        where = f"{namespace.resource.file}:{namespace.resource.position()[0]}"
    policy = {mode: {"level": str(namespace.policy[mode].level_version),
                     "source": "label" if namespace.policy[mode].source.kind == "label"
                     else namespace.policy[mode].source.detail} for mode in MODES}
    evaluated = [] if namespace.exempt or namespace.problems else _evaluated(namespace)
    view = NamespaceView(namespace.name, unit, where, policy, [problem.api_message() for problem in namespace.problems],
                         namespace.exempt, len(namespace.pods), None)
    if not evaluated:
        return view
    enforce = namespace.policy["enforce"].level_version
    strictest = Level.PRIVILEGED
    for level in (Level.BASELINE, Level.RESTRICTED):
        candidate = LevelVersion(level, enforce.version)
        refusals = []
        for result in evaluated:
            violations = analysis.evaluate(result, candidate)
            if violations:
                refusals.append(_refusal(result, [violation.reason for violation in violations]))
        if level >= enforce.level:
            view.refused[str(candidate)] = refusals
        if not refusals and strictest == level - 1:
            strictest = level
    view.strictest = str(strictest)
    return view


def build(units: list[Tree]) -> list[NamespaceView]:
    """The namespaces of every unit, sorted by name (namespaces neither defined nor used are not listed)."""
    views = []
    for unit in units:
        analysis = pod_security(unit)
        label = unit.sources[0].via if unit.sources and unit.sources[0].via else ""
        for name in sorted(analysis.namespaces):
            namespace = analysis.namespaces[name]
            views.append(namespace_view(analysis, namespace, label))
    return views


def render_text(views: list[NamespaceView]) -> str:
    """The human-readable listing."""
    if not views:
        return "no namespaces and no pods in the tree\n"
    lines: list[str] = []
    for view in views:
        header = f"namespace {view.name}"
        header += f" ({view.defined_at})" if view.defined_at else " (not defined in the tree)"
        if view.unit:
            header += f" [unit {view.unit}]"
        lines.append(escape_control(header))
        lines.append("  " + ", ".join(f"{mode} {view.policy[mode]['level']} ({view.policy[mode]['source']})"
                                      for mode in MODES))
        for problem in view.problems:
            lines.append(escape_control(f"  the Namespace is refused: {problem}"))
        if view.exempt:
            lines.append("  exempt: the admission configuration exempts this namespace; nothing is evaluated")
        if view.strictest is None:
            if not view.exempt and not view.problems:
                lines.append("  no objects with pods")
            lines.append("")
            continue
        lines.append(f"  {view.objects} object{'s' if view.objects != 1 else ''} with pods; the strictest level all "
                     f"satisfy: {view.strictest}")
        current = view.policy["enforce"]["level"]
        for level_version, refusals in view.refused.items():
            if level_version == current:
                if refusals:
                    lines.append(f"  enforce {level_version} refuses the pods of {len(refusals)} today:")
                    lines += _refusal_lines(refusals)
                continue
            if not refusals:
                lines.append(f"  raising enforce to {level_version} refuses nothing")
                continue
            lines.append(f"  raising enforce to {level_version} would refuse the pods of {len(refusals)}:")
            lines += _refusal_lines(refusals)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _refusal_lines(refusals: list[Refusal]) -> list[str]:
    return [escape_control(f"    {refusal.kind} {refusal.name} ({refusal.file}:{refusal.line}): "
                           f"{', '.join(refusal.reasons)}") for refusal in refusals]


def render_json(views: list[NamespaceView]) -> str:
    """The listing as JSON: one entry per namespace and unit."""
    data: list[dict[str, Any]] = []
    for view in views:
        data.append({
            "namespace": view.name, "unit": view.unit or None, "defined_at": view.defined_at,
            "policy": view.policy, "problems": view.problems, "exempt": view.exempt, "objects": view.objects,
            "strictest_level": view.strictest,
            "refused": {level: [{"kind": refusal.kind, "name": refusal.name, "file": refusal.file,
                                 "line": refusal.line, "reasons": refusal.reasons} for refusal in refusals]
                        for level, refusals in view.refused.items()},
        })
    return json_text(data) + "\n"
