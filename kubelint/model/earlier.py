"""The objects of the earlier tree state a run compares with (``--new-since REF``, the pre-commit hook): the
old objects of updates, for CRD transition rules (``oldSelf``) and admission policies (``oldObject``).

The earlier tree is loaded only when a check asks for it (most trees have no transition rule), by a loader the
caller hands in (:mod:`kubelint.newsince`); analyses never import the loader themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kubelint.model.resource import ObjectRef, Resource


class EarlierObjects:
    """The objects of the earlier state by reference, loaded on first use."""

    def __init__(self, revision: str, load: Callable[[], Iterable[Resource]]) -> None:
        self.revision = revision
        self._load: Callable[[], Iterable[Resource]] | None = load
        self._objects: dict[ObjectRef, Resource] = {}

    def get(self, ref: ObjectRef) -> Resource | None:
        """The object with ``ref`` in the earlier state (its first definition), or None when it is new."""
        if self._load is not None:
            load, self._load = self._load, None
            for resource in load():
                self._objects.setdefault(resource.ref, resource)
        return self._objects.get(ref)
