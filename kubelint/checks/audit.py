"""The suppression audit: annotations and comments that name unknown rules or suppress nothing.

The work happens after the rules ran, in the suppression stage (:func:`kubelint.suppress.suppress`), which
knows what every directive suppressed; this module only registers the check name and its params so that the
audit's rules (``unknown-suppression``, ``unused-suppression``) are rules like any other.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubelint.checks import Hit, Params, check
from kubelint.model.tree import Tree


@check("suppression-audit", params={"report": {
    "enum": ["unknown", "unused"], "required": True,
    "description": "unknown: directives naming a rule id that does not exist; unused: directives that "
                   "suppressed no finding of a rule that ran."}})
def suppression_audit(tree: Tree, params: Params) -> Iterator[Hit]:
    """Nothing here: the suppression stage reports these findings (see the module docstring)."""
    return iter(())
