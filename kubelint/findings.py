"""What rules say: severities, locations and findings."""

from __future__ import annotations

import enum
from dataclasses import field
from typing import TYPE_CHECKING

from kubelint.records import record

if TYPE_CHECKING:
    from kubelint.model.resource import ObjectRef


class Severity(enum.IntEnum):
    """How bad a finding is; higher is worse, so thresholds compare with ``>=``."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read ``error``, ``warning`` or ``info`` (any case)."""
        return cls[text.strip().upper()]

    def __str__(self) -> str:
        return self.name.lower()


MAX_MESSAGE = 1000
"""Characters of a finding's message (and of a related location's); the rest is cut (:func:`excerpt`)."""
MAX_NAME = 300
"""Characters of an object name or node path in a report (Kubernetes names have at most 253)."""


def excerpt(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was: input may hold a 200 KB name, and a
    YAML alias can repeat it in every object, so no finding carries more than a bounded excerpt of it."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


Path = tuple["str | int", ...]
"""A path inside an object: ``("spec", "ports", 0, "targetPort")``."""


def dotted(path: Path) -> str:
    """Render a path the way kubectl explains fields: ``spec.ports[0].targetPort``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif out:
            out += f".{part}"
        else:
            out = str(part)
    return out


@record(frozen=True)
class Location:
    """A place in a source file, with the object it belongs to (if any)."""

    file: str
    line: int = 1
    column: int = 1
    ref: ObjectRef | None = None
    api_version: str | None = None
    path: Path = ()
    message: str = ""
    via: str = ""
    """The unit that produced the object when it is not the file itself (a Kustomize overlay); see Source.via."""


@record(frozen=True)
class Finding:
    """One problem a rule found, located at the node that is wrong."""

    rule: str
    severity: Severity
    message: str
    location: Location
    related: tuple[Location, ...] = ()
    suppressed: bool = False
    suppression: str = ""
    """How the finding was suppressed (``inline comment``, ``annotation kubelint.io/ignore``, ...)."""
    justification: str = ""
    """Why, as the suppression says (``-- node agent``, ``kubelint.io/ignore-reason``, an ignore entry's reason)."""
    held: str = ""
    """Non-empty: the rule's check held the finding back for this reason (shown with ``-v`` only)."""
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def file(self) -> str:
        return self.location.file

    @property
    def line(self) -> int:
        return self.location.line

    @property
    def column(self) -> int:
        return self.location.column

    @property
    def ref(self) -> ObjectRef | None:
        return self.location.ref

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order findings by file, position, rule and message."""
        return (self.file, self.line, self.column, self.rule, self.message)
