"""Field errors as the API server prints them: ``spec.ports[0].port: Invalid value: 0: must be between 1 and 65535,
inclusive`` (``k8s.io/apimachinery/pkg/util/validation/field``)."""

from __future__ import annotations

from typing import Any

from kubelint.findings import Path
from kubelint.podsecurity.text import go_quote
from kubelint.records import record

REQUIRED, INVALID, DUPLICATE, NOT_FOUND = "Required value", "Invalid value", "Duplicate value", "Not found"
UNSUPPORTED, FORBIDDEN, TOO_LONG = "Unsupported value", "Forbidden", "Too long"
_NO_VALUE = frozenset({REQUIRED, FORBIDDEN, TOO_LONG})


@record(frozen=True)
class GoText:
    """A value the API server prints with Go's ``%#v`` (a struct), written out already."""

    text: str


def go_value(value: Any) -> str:
    """A bad value as ``field.Error`` prints it: strings quoted, numbers and booleans bare, null."""
    if isinstance(value, GoText):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return go_quote(value)
    return str(value)


@record(frozen=True)
class FieldError:
    """One error (or API warning) about one node."""

    path: Path
    """Where it is in the object (for the finding's location)."""
    field: str
    """The field as the API server names it (its own path, which may differ from ``path``: a template's pods)."""
    kind: str
    value: Any = None
    detail: str = ""
    warning: bool = False
    """The API server accepts the object and prints this as a warning."""

    def text(self) -> str:
        """``field: Type: value: detail`` (or the warning's own text)."""
        if self.warning:
            return f"{self.field}: {self.detail}"
        body = self.kind if self.kind in _NO_VALUE else f"{self.kind}: {go_value(self.value)}"
        return f"{self.field}: {body}: {self.detail}" if self.detail else f"{self.field}: {body}"
