"""Objects created outside the tree: the configuration's ``external`` entries.

A tree often refers to objects it does not define: a Secret a platform team syncs from a vault, a Namespace the
cluster's provisioning creates, a ClusterRole another chart installs, a Gateway shared by every team. Reference
rules report a reference that resolves to nothing only when the tree decides it; ``external`` entries say what
exists anyway, so those references resolve::

    external:
      - {kind: Secret, name: ['db-*', registry-creds], namespace: shop, reason: synced from Vault}
      - {namespace: linkerd}              # the namespace linkerd and everything in it
      - {kind: ClusterRole, name: 'platform:*'}

Every condition an entry names must match (``kind``, ``name`` and ``namespace`` take globs); an entry needs at
least one of them. ``namespace`` matches namespaced objects by their namespace, and a Namespace by its own name:
an entry naming only a namespace declares that namespace and everything in it. An entry with ``namespace`` never
matches any other cluster-scoped object.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any

from kubelint.records import record


@record(frozen=True)
class External:
    """One ``external`` entry: globs of kinds, names and namespaces (empty: any) and why it exists."""

    kinds: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    reason: str = ""

    def matches(self, kind: str, namespace: str | None, name: str) -> bool:
        """Whether the object ``kind`` ``name`` in ``namespace`` (None: cluster-scoped) is declared by this entry."""
        if self.kinds and not _any(kind, self.kinds):
            return False
        if self.names and not _any(name, self.names):
            return False
        if self.namespaces:
            own = name if kind == "Namespace" and namespace is None else namespace
            if own is None or not _any(own, self.namespaces):
                return False
        return True

    def describe(self) -> str:
        """The entry as a short phrase for messages (``external entry kind=Secret name=db-*``)."""
        parts = [f"{key}={','.join(values)}" for key, values in
                 (("kind", self.kinds), ("name", self.names), ("namespace", self.namespaces)) if values]
        return "external entry " + " ".join(parts)


def _any(value: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns)


def _globs(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def parse_external(entry: Mapping[str, Any]) -> External:
    """An ``external`` entry of the configuration (already validated against the schema)."""
    return External(_globs(entry.get("kind")), _globs(entry.get("name")), _globs(entry.get("namespace")),
                    str(entry.get("reason") or ""))


def external_entry(external: External) -> dict[str, Any]:
    """An entry as the configuration file spells it (for ``--show-config``)."""
    out: dict[str, Any] = {}
    for key, values in (("kind", external.kinds), ("name", external.names), ("namespace", external.namespaces)):
        if values:
            out[key] = values[0] if len(values) == 1 else list(values)
    if external.reason:
        out["reason"] = external.reason
    return out


def declared(externals: Iterable[External], kind: str, namespace: str | None, name: str) -> External | None:
    """The first entry that declares the object, or None."""
    for external in externals:
        if external.matches(kind, namespace, name):
            return external
    return None
