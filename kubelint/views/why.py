"""``kubelint graph PATHS --why SRC DST[:PORT]``: is one connection allowed, and the chain of policy lines that
decides it.

The answer walks the connection in traffic order: the source's egress (is it isolated for egress, by which
policies; which rule of which policy admits the destination on the port), then the destination's ingress (the
same for the source). A side that denies shows the rule that comes nearest (right peer with the wrong port,
or the right port with a peer that misses, and why it misses) at its line.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from kubelint.analysis.netpol import EGRESS, INGRESS, OUTSIDE, Network, Policy, Unseen, build_network
from kubelint.analysis.reach import Decision, Endpoint, Query, Side, decide, endpoint_label, ref_label
from kubelint.findings import Location, dotted
from kubelint.model.selectors import PodGroup
from kubelint.model.tree import Tree
from kubelint.records import record
from kubelint.report.escape import escape_control, json_text

FORMATS = ("text", "markdown", "json")


class NameError_(ValueError):
    """A name on the command line that names nothing in the tree (the message says what would)."""


@record(frozen=True)
class Answer:
    """The decision in one unit of the tree."""

    unit: str
    decision: Decision


def parse_port(text: str) -> Query:
    """``9000``, ``grpc``, ``UDP/53`` or ``53/udp``."""
    protocol, value = "TCP", text
    if "/" in text:
        first, second = text.split("/", 1)
        if first.upper() in ("TCP", "UDP", "SCTP"):
            protocol, value = first.upper(), second
        elif second.upper() in ("TCP", "UDP", "SCTP"):
            protocol, value = second.upper(), first
        else:
            raise NameError_(f"port {text!r}: write PORT, PROTOCOL/PORT or PORT/PROTOCOL (TCP, UDP, SCTP)")
    if value.isdigit():
        number = int(value)
        if not 1 <= number <= 65535:
            raise NameError_(f"port {text!r}: a port number is 1 to 65535")
        return Query(protocol, number=number)
    if not value:
        raise NameError_(f"port {text!r}: no port given")
    return Query(protocol, name=value)


def split_destination(text: str) -> tuple[str, Query | None]:
    """``DST[:PORT]`` into the name and the port."""
    name, colon, port = text.rpartition(":")
    if not colon or name.lower() in ("namespace", ""):
        return text, None
    return name, parse_port(port)


def resolve(network: Network, name: str) -> Endpoint:
    """The endpoint a command-line name means: ``outside``, ``Namespace/NAME`` (its pods the tree does not
    show), ``Kind/ns/name``, ``ns/name`` or a unique ``name``."""
    if name.lower() == OUTSIDE:
        return OUTSIDE
    parts = name.split("/")
    if (len(parts) == 2 and parts[0].lower() == "namespace") or name.lower().startswith("namespace:"):
        namespace = parts[1] if len(parts) == 2 else name.split(":", 1)[1]
        if network.graph.pods.in_namespace(namespace):
            raise NameError_(f"{name!r}: the tree has workloads in namespace {namespace}; name one of them "
                             f"({', '.join(_names(network.workloads(namespace)))})")
        return Unseen(namespace, namespace in network.namespaces)
    groups = list(network.graph.pods)
    if len(parts) == 3:
        kind, namespace, short = parts
        found = [g for g in groups if g.owner.kind.lower() == kind.lower() and g.owner.namespace == namespace
                 and g.owner.name == short]
    elif len(parts) == 2:
        namespace, short = parts
        found = [g for g in groups if g.owner.namespace == namespace and g.owner.name == short]
    elif len(parts) == 1:
        found = [g for g in groups if g.owner.name == name]
    else:
        found = []
    preferred = [group for group in found if group in list(network.workloads())] or found
    if len(preferred) == 1:
        return preferred[0]
    if len(preferred) > 1:
        raise NameError_(f"{name!r} names {len(preferred)} workloads ({', '.join(_names(preferred))}); "
                         "write Kind/namespace/name")
    known = [f"{g.owner.namespace}/{g.owner.name}" if g.owner.namespace else g.owner.name
             for g in network.workloads()]
    close = difflib.get_close_matches(name, known, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else \
        f" (workloads: {', '.join(known[:8])}{' ...' if len(known) > 8 else ''})" if known else \
        " (the tree has no workloads)"
    raise NameError_(f"{name!r} names no workload of the tree{hint}; write Kind/namespace/name, "
                     "namespace/name, Namespace/NAME or outside")


def _names(groups: Iterable[PodGroup]) -> list[str]:
    return [f"{g.owner.kind}/{g.owner.namespace}/{g.owner.name}" for g in groups]


def explain(units: list[Tree], source: str, destination: str) -> list[Answer]:
    """The decision in every unit where both names resolve (a :class:`NameError_` when they resolve in none)."""
    target, query = split_destination(destination)
    answers: list[Answer] = []
    errors: list[str] = []
    for tree in units:
        unit = tree.label if len(units) > 1 else ""
        network = build_network(tree)
        try:
            src, dst = resolve(network, source), resolve(network, target)
        except NameError_ as error:
            errors.append(f"{unit}: {error}" if unit else str(error))
            continue
        if not isinstance(src, PodGroup) and not isinstance(dst, PodGroup):
            raise NameError_("name a workload of the tree as the source or the destination: no policy of the "
                             "tree governs traffic between two places outside it")
        answers.append(Answer(unit, decide(network, src, dst, query)))
    if not answers:
        raise NameError_("; ".join(dict.fromkeys(errors)) or "the tree is empty")
    return answers


# rendering -----------------------------------------------------------------------------------------


def _where(location: Location) -> str:
    return f"{location.file}:{location.line}"


def _policy(policy: Policy) -> str:
    return f"{ref_label(policy.ref)} ({_where(policy.resource.where(('spec', 'podSelector')))})"


def _side_lines(side: Side | None, number: int, endpoint: Endpoint, other: Endpoint, query: Query | None) -> list[str]:
    word = "egress from" if side is None or side.direction == EGRESS else "ingress to"
    what = endpoint_label(endpoint)
    if side is None:
        direction = "sends" if word.startswith("egress") else "receives"
        return [f"{number}. {word} {what}: no policy of the tree governs what it {direction}"]
    lines = [f"{number}. {word} {what}"]
    port = f" on {query}" if query is not None else ""
    kind = side.direction.lower()
    if not side.isolated:
        lines.append(f"   not isolated for {kind}: no NetworkPolicy with {side.direction} in its policyTypes "
                     f"selects its pods, so every {kind} connection is allowed")
        return lines
    lines.append(f"   isolated for {kind} by " + ", ".join(_policy(policy) for policy in side.isolating))
    if side.admissions:
        for admission in side.admissions:
            lines.append(f"   admitted{port} by {admission.describe()} ({_where(admission.location)})")
        return lines
    peer = "from" if side.direction == INGRESS else "to"
    lines.append(f"   no rule admits {peer} {endpoint_label(other)}{port}: denied")
    if side.near:
        miss = side.near[0]
        lines.append(f"   nearest: {miss.admission.describe()} ({_where(miss.location)})")
        lines.append(f"     {miss.reason}")
    elif not any(policy.rules(side.direction) for policy in side.isolating):
        lines.append(f"   (the isolating policies have no {kind} rules at all)")
    return lines


def _answer_lines(answer: Answer) -> list[str]:
    """One answer as text lines: the verdict, then each side with its reasons indented under it."""
    decision = answer.decision
    verdict = "allowed" if decision.allowed else "denied"
    port = f" on {decision.query}" if decision.query is not None else ""
    head = f"{verdict}: {endpoint_label(decision.source)} -> {endpoint_label(decision.destination)}{port}"
    if answer.unit:
        head = f"[{answer.unit}] {head}"
    out = [head]
    if decision.query is None and decision.allowed:
        out.append(f"   ports: {', '.join(decision.ports.describe(decision.destination))}")
    out += _side_lines(decision.egress, 1, decision.source, decision.destination, decision.query)
    out += _side_lines(decision.ingress, 2, decision.destination, decision.source, decision.query)
    out += [f"note: {note}" for note in decision.notes]
    return out


def render_text(answers: list[Answer]) -> str:
    out: list[str] = []
    for answer in answers:
        out += _answer_lines(answer)
        out.append("")
    return escape_control("\n".join(out).rstrip("\n") + "\n", keep_newlines=True)


def render_markdown(answers: list[Answer]) -> str:
    """Each answer as Markdown for a pull request or an issue: the verdict as a heading, each side a numbered
    item, its reasons a list under it. Names and lines from manifests are escaped (no markup, HTML or
    mentions)."""
    from kubelint.views.reachdiff import markdown_text

    out: list[str] = []
    for answer in answers:
        lines = _answer_lines(answer)
        verdict, _, rest = lines[0].partition(": ")
        rest = " \u2192 ".join(markdown_text(part) for part in rest.split(" -> ", 1))
        out += [f"#### {markdown_text(verdict)}: {rest}", ""]
        for line in lines[1:]:
            stripped = line.lstrip(" ")
            depth = len(line) - len(stripped)
            if depth == 0 and stripped[:1].isdigit():
                number, _, text = stripped.partition(". ")
                out.append(f"{number}. **{markdown_text(text)}**")
            elif depth == 0:
                out += ["", f"*{markdown_text(stripped)}*"]
            else:
                out.append(f"{'   ' if depth <= 3 else '     '}- {markdown_text(stripped)}")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _location_json(location: Location) -> dict[str, Any]:
    return {"file": location.file, "line": location.line, "path": dotted(location.path) or None}


def _side_json(side: Side | None) -> dict[str, Any] | None:
    if side is None:
        return None
    return {
        "direction": side.direction.lower(),
        "subject": str(side.subject.owner),
        "isolated": side.isolated,
        "isolated_by": [{"policy": str(policy.ref), **_location_json(policy.resource.where(("spec", "podSelector")))}
                        for policy in side.isolating],
        "admitted_by": [{"policy": str(a.policy.ref), "rule": dotted(a.rule.path), "peer": str(a.peer) if a.peer
                         else None, **_location_json(a.location)} for a in side.admissions],
        "nearest": [{"policy": str(m.admission.policy.ref), "rule": dotted(m.admission.rule.path),
                     "peer_matches": m.peer_matches, "port_matches": m.port_matches, "reason": m.reason,
                     **_location_json(m.location)} for m in side.near[:1]],
    }


def render_json(answers: list[Answer]) -> str:
    document = [{
        **({"unit": answer.unit} if answer.unit else {}),
        "source": endpoint_label(answer.decision.source),
        "destination": endpoint_label(answer.decision.destination),
        "port": str(answer.decision.query) if answer.decision.query else None,
        "allowed": answer.decision.allowed,
        "ports": answer.decision.ports.describe(answer.decision.destination),
        "egress": _side_json(answer.decision.egress),
        "ingress": _side_json(answer.decision.ingress),
        "notes": list(answer.decision.notes),
    } for answer in answers]
    return json_text(document) + "\n"


def render(answers: list[Answer], format_name: str) -> str:
    if format_name == "json":
        return render_json(answers)
    if format_name == "markdown":
        return render_markdown(answers)
    return render_text(answers)
