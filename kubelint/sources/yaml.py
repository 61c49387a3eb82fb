"""Parse YAML and JSON text into plain Python values plus a table of source positions.

The C (libyaml) parser produces events; one iterative pass turns them into dicts, lists and scalars
and records where each node starts. There is no recursion, so nesting depth only costs memory, and
both depth and alias expansion are capped the way Kubernetes' own YAML reader caps them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import events
from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]  # libyaml: about 20x faster than the pure-Python parser

from kubelint.findings import Path
from kubelint.sources.scalars import STR_TAG, key_text, resolve_plain

MAX_DEPTH = 500
"""Nesting deeper than this is refused (Kubernetes objects nest a few dozen levels at most)."""
MAX_ALIAS_EXPANSION = 10 << 20
"""Characters of text that the aliases of one document may repeat. go-yaml's ratio rule counts nodes, so a
100 KB string aliased a thousand times passes it and repeats 100 MB into every message that shows it."""

Position = tuple[int, int]


def nearest_position(positions: Mapping[Path, Position], path: Path) -> Position:
    """The position of the node at ``path``, or of its nearest parent in the table (``(1, 1)`` if none)."""
    for end in range(len(path), -1, -1):
        found = positions.get(path[:end])
        if found is not None:
            return found
    return (1, 1)


@dataclass
class Problem:
    """Something wrong with the input itself, found while reading it (1-based position)."""

    code: str
    message: str
    line: int = 1
    column: int = 1


@dataclass
class Document:
    """One YAML document: its value, where each node starts, and the raw text of implicit scalars."""

    data: Any
    positions: dict[Path, Position]
    index: int
    implicit: dict[Path, str] = field(default_factory=dict)
    """Paths of unquoted scalars that YAML 1.1 turned into a bool, number or null, with their source text."""


class _Abort(Exception):
    """The current document cannot be built; skip to its end (``final``: stop reading the text there)."""

    def __init__(self, problem: Problem, final: bool = False) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.final = final


def _allowed_alias_ratio(total: int) -> float:
    """go-yaml's rule against alias bombs: the share of nodes that may come from aliases."""
    low, high = 400_000, 4_000_000
    if total <= low:
        return 0.99
    if total >= high:
        return 0.10
    return 0.99 - 0.89 * (total - low) / (high - low)


def _too_deep(line: int, column: int) -> Problem:
    return Problem("yaml-syntax", f"nesting deeper than {MAX_DEPTH} levels; the rest of the file is not read", line,
                   column)


class _Frame:
    __slots__ = ("aliased", "anchor", "container", "explicit", "key", "key_mark", "merge", "merges", "path", "start",
                 "start_index")

    def __init__(self, container: dict[str, Any] | list[Any], path: Path, start: int) -> None:
        self.container = container
        self.path = path
        self.start = start  # node count when the collection opened, to size anchors
        self.key: str | None = None
        self.key_mark: Position | None = None
        self.explicit: dict[str, Position] | None = {} if isinstance(container, dict) else None
        self.merges: list[Any] | None = None
        self.merge = False  # the pending key is the YAML merge key ``<<``
        self.anchor: str | None = None
        self.start_index = 0  # where an anchored collection starts in the text, to size it
        self.aliased = 0  # characters aliases had repeated when it opened


class _Builder:
    """Turns the event stream of one text into documents and problems."""

    def __init__(self) -> None:
        self.documents: list[Document] = []
        self.problems: list[Problem] = []

    def run(self, text: str) -> None:
        with _flat_events():
            self._run(text)

    def _run(self, text: str) -> None:
        parser = CParser(text)
        index = 0
        try:
            while True:
                event = parser.get_event()
                name = type(event).__name__
                if name == "StreamEndEvent":
                    break
                if name == "DocumentStartEvent":
                    document = self._document(parser, index)
                    if document is not None:
                        self.documents.append(document)
                    index += 1
        except _Abort as abort:
            self.problems.append(abort.problem)
        except Exception as error:
            self.problems.append(_syntax_problem(error, text))
        finally:
            dispose = getattr(parser, "dispose", None)
            if dispose is not None:
                dispose()

    def _document(self, parser: Any, index: int) -> Document | None:
        try:
            return _DocumentBuilder(index, self.problems).build(parser)
        except _Abort as abort:
            if abort.final:
                raise
            self.problems.append(abort.problem)
            nesting = 0
            while True:  # skip the rest of the document's events, never deeper than a document may nest
                event = parser.get_event()
                name = type(event).__name__
                if name == "DocumentEndEvent":
                    return None
                if name in ("MappingStartEvent", "SequenceStartEvent"):
                    nesting += 1
                    if nesting > MAX_DEPTH:
                        mark = event.start_mark
                        raise _Abort(_too_deep(mark.line + 1, mark.column + 1), final=True) from None
                elif name in ("MappingEndEvent", "SequenceEndEvent"):
                    nesting -= 1


class _DocumentBuilder:
    def __init__(self, index: int, problems: list[Problem]) -> None:
        self.index = index
        self.problems = problems
        self.positions: dict[Path, Position] = {}
        self.implicit: dict[Path, str] = {}
        self.anchors: dict[str, tuple[Any, int, int]] = {}
        """Anchor -> (value, nodes, characters of text it stands for, aliases inside expanded)."""
        self.count = 0
        self.aliased = 0
        self.aliased_size = 0

    def build(self, parser: Any) -> Document | None:
        # The hot loop of the whole linter (one pass per event): event kinds are looked up by class,
        # the current frame is kept in a local, and the common cases of _key, _scalar and _set are inlined.
        stack: list[_Frame] = []
        root: Any = _MISSING
        positions = self.positions
        implicit = self.implicit
        get_event = parser.get_event
        kinds = _EVENT_KINDS
        keys = _KEYS
        plain = _PLAIN
        frame: _Frame | None = None
        while True:
            event = get_event()
            kind = kinds.get(type(event))
            if kind is None:
                kind = _event_kind(event)
            if kind == _END:
                done = stack.pop()
                frame = stack[-1] if stack else None
                if done.merges:
                    _apply_merges(done)
                if done.anchor:
                    size = event.end_mark.index - done.start_index + self.aliased_size - done.aliased
                    self.anchors[done.anchor] = (done.container, self.count - done.start, size)
                continue
            if kind == _DOCUMENT_END:
                break
            mark = event.start_mark
            position = (mark.line + 1, mark.column + 1)
            # a key of a mapping
            if frame is not None and frame.explicit is not None and frame.key is None:
                if kind == _SCALAR:
                    text = event.value
                    style = event.style
                    ctag = event.ctag
                    if style or (ctag is not None and str(ctag) == STR_TAG) or text == "<<":
                        key = str(text)
                    else:
                        cached = keys.get(text)
                        if cached is None:
                            cached = key_text(resolve_plain(text))
                            if len(keys) < _KEY_CACHE_SIZE:
                                keys[text] = cached
                        key = cached
                    frame.key = key
                    frame.merge = key == "<<" and not style
                elif kind == _ALIAS:
                    value = self._alias(event, position)
                    if not isinstance(value, (str, int, float, bool)) and value is not None:
                        raise _Abort(Problem("yaml-syntax", "a mapping key must be a scalar", *position))
                    frame.key = key_text(value)
                else:
                    raise _Abort(Problem("yaml-syntax", "a mapping key must be a scalar, not a collection",
                                         *position))
                frame.key_mark = position
                continue
            # a value: where does it go?
            if frame is None:
                path: Path = ()
            elif frame.explicit is not None:
                assert frame.key is not None
                path = frame.path + (frame.key,)  # noqa: RUF005  # concatenation is 40% faster than unpacking
            else:
                path = frame.path + (len(frame.container),)  # noqa: RUF005
            if len(path) > MAX_DEPTH:
                # libyaml's time per token grows with the depth of flow nesting (``[[[[...``: quadratic), so
                # the parser is not asked for one more event: the rest of the text is never parsed
                raise _Abort(_too_deep(*position), final=True)
            child: _Frame | None = None
            if kind == _SCALAR:
                self.count += 1
                text = event.value
                ctag = event.ctag
                if event.style or (ctag is not None and str(ctag) in (STR_TAG, "!")):
                    value = text
                else:
                    value = plain.get(text, _MISSING)
                    if value is _MISSING:
                        value = resolve_plain(text)
                        if len(plain) < _PLAIN_CACHE_SIZE:
                            plain[text] = value
                    if (value is not None and not isinstance(value, str)) or (value is None and text):
                        implicit[path] = text
                # an empty value has no text of its own: point at its key
                if value is None and not text and frame is not None and frame.explicit is not None:
                    node_position = frame.key_mark
                else:
                    node_position = position
                if event.anchor:
                    self.anchors[event.anchor] = (value, 1, event.end_mark.index - mark.index)
            elif kind == _ALIAS:
                value = self._alias(event, position)
                node_position = position
            elif kind in (_MAPPING_START, _SEQUENCE_START):
                self.count += 1
                container: dict[str, Any] | list[Any] = {} if kind == _MAPPING_START else []
                child = _Frame(container, path, self.count)
                if event.anchor:
                    child.anchor = event.anchor
                    child.start_index = mark.index
                    child.aliased = self.aliased_size
                stack.append(child)
                value = container
                node_position = frame.key_mark if frame is not None and frame.explicit is not None else position
            else:  # pragma: no cover - no other events occur inside a document
                continue
            positions[path] = node_position  # type: ignore[assignment]
            if frame is None:
                root = value
            elif frame.explicit is not None:
                key = frame.key  # type: ignore[assignment]
                if frame.merge or key in frame.explicit:
                    self._set(frame, value, position, path)
                else:
                    frame.explicit[key] = frame.key_mark  # type: ignore[assignment]
                    frame.container[key] = value  # type: ignore[call-overload]
                    frame.key = None
            else:
                frame.container.append(value)  # type: ignore[union-attr]
            if child is not None:
                frame = child
        if root is _MISSING or root is None:  # empty or comment-only document
            return None
        return Document(root, positions, self.index, self.implicit)

    def _set(self, frame: _Frame, value: Any, position: Position, path: Path) -> None:
        key = frame.key
        assert key is not None and frame.explicit is not None and frame.key_mark is not None
        mapping = frame.container
        assert isinstance(mapping, dict)
        if frame.merge:
            frame.merges = [*(frame.merges or []), value]
            frame.merge = False
        else:
            first = frame.explicit.get(key)
            if first is not None:  # Kubernetes keeps the last value, and so do we
                self.problems.append(Problem(
                    "yaml-duplicate-key",
                    f'duplicate key "{key}" (first at line {first[0]}); Kubernetes keeps this last value',
                    *frame.key_mark,
                ))
            frame.explicit[key] = frame.key_mark
            mapping[key] = value
        frame.key = None

    def _key(self, event: Any) -> str:
        if event.style not in (None, "") or event.tag == STR_TAG or event.value == "<<":
            return str(event.value)
        return key_text(resolve_plain(event.value))

    def _scalar(self, event: Any, path: Path) -> Any:
        text: str = event.value
        if event.style not in (None, "") or event.tag in (STR_TAG, "!"):
            return text
        value = resolve_plain(text)
        if (value is not None and not isinstance(value, str)) or (value is None and text):
            self.implicit[path] = text
        return value

    def _alias(self, event: Any, position: Position) -> Any:
        found = self.anchors.get(event.anchor)
        if found is None:
            raise _Abort(Problem("yaml-syntax", f"unknown alias *{event.anchor}", *position))
        value, size, characters = found
        self.count += size
        self.aliased += size
        self.aliased_size += characters
        if self.aliased_size > MAX_ALIAS_EXPANSION:
            raise _Abort(Problem("yaml-syntax", f"excessive aliasing: the aliases of this document repeat more than "
                                 f"{MAX_ALIAS_EXPANSION >> 20} MiB of text (a YAML alias bomb?)", *position))
        if self.aliased > 100 and self.count > 1000 and self.aliased / self.count > _allowed_alias_ratio(
            self.count
        ):
            raise _Abort(Problem("yaml-syntax", "excessive aliasing: the document expands to too many "
                                 "nodes (a YAML alias bomb?)", *position))
        return value


_MISSING: Any = object()

_SCALAR, _MAPPING_START, _SEQUENCE_START, _END, _ALIAS, _DOCUMENT_END, _OTHER = range(7)
_KINDS_BY_NAME = {"ScalarEvent": _SCALAR, "MappingStartEvent": _MAPPING_START,
                  "SequenceStartEvent": _SEQUENCE_START, "MappingEndEvent": _END, "SequenceEndEvent": _END,
                  "AliasEvent": _ALIAS, "DocumentEndEvent": _DOCUMENT_END}
_EVENT_KINDS: dict[type, int] = {}
"""Event class -> kind, filled as classes are met (by name, as the parser's classes are not ours)."""


def _event_kind(event: Any) -> int:
    kind = _KINDS_BY_NAME.get(type(event).__name__, _OTHER)
    _EVENT_KINDS[type(event)] = kind
    return kind


_KEYS: dict[str, str] = {}
"""Plain key text -> the key it resolves to. Manifests use few distinct keys, so this saves resolving
them again and makes every occurrence of a key share one string (less memory for big trees)."""
_KEY_CACHE_SIZE = 50_000

_PLAIN: dict[str, Any] = {}
"""Plain scalar text -> its value, for the same reasons: labels, ports, protocols, pull policies and
booleans repeat across a tree, and their occurrences then share one object."""
_PLAIN_CACHE_SIZE = 200_000


def _apply_merges(frame: _Frame) -> None:
    mapping = frame.container
    assert isinstance(mapping, dict) and frame.merges is not None
    for merged in frame.merges:
        for source in merged if isinstance(merged, list) else [merged]:
            if isinstance(source, dict):
                for key, value in source.items():
                    mapping.setdefault(key, value)


# The libyaml binding builds a Python object per event, through a chain of three Python __init__s
# (ScalarEvent -> NodeEvent -> Event): about a fifth of the parse time. The subclasses below set the
# same slots in one __init__; they are still instances of ruamel.yaml's event classes, so anything
# else that reads events sees no difference. They are swapped into the binding's module only while
# kubelint parses (12% less parse CPU on the synthetic 10k tree).


class _ScalarEvent(events.ScalarEvent):
    __slots__ = ()

    def __init__(self, anchor: Any, tag: Any, implicit: Any, value: Any, start_mark: Any = None,
                 end_mark: Any = None, style: Any = None, comment: Any = None) -> None:
        self.anchor = anchor
        self.ctag = tag
        self.implicit = implicit
        self.value = value
        self.start_mark = start_mark
        self.end_mark = end_mark
        self.style = style
        self.comment = comment


class _FlatCollectionStart(events.CollectionStartEvent):
    """The one ``__init__`` of both collection-start events."""

    __slots__ = ()

    def __init__(self, anchor: Any, tag: Any, implicit: Any, start_mark: Any = None, end_mark: Any = None,
                 flow_style: Any = None, comment: Any = None, nr_items: Any = None) -> None:
        self.anchor = anchor
        self.ctag = tag
        self.implicit = implicit
        self.start_mark = start_mark
        self.end_mark = end_mark
        self.flow_style = flow_style
        self.comment = comment
        self.nr_items = nr_items


class _FlatCollectionEnd(events.CollectionEndEvent):
    """The one ``__init__`` of both collection-end events."""

    __slots__ = ()

    def __init__(self, start_mark: Any = None, end_mark: Any = None, comment: Any = None) -> None:
        self.start_mark = start_mark
        self.end_mark = end_mark
        self.comment = comment


class _MappingStartEvent(_FlatCollectionStart, events.MappingStartEvent):
    __slots__ = ()


class _SequenceStartEvent(_FlatCollectionStart, events.SequenceStartEvent):
    __slots__ = ()


class _MappingEndEvent(_FlatCollectionEnd, events.MappingEndEvent):
    __slots__ = ()


class _SequenceEndEvent(_FlatCollectionEnd, events.SequenceEndEvent):
    __slots__ = ()


_FLAT_EVENTS: dict[str, type] = {
    "ScalarEvent": _ScalarEvent, "MappingStartEvent": _MappingStartEvent,
    "SequenceStartEvent": _SequenceStartEvent, "MappingEndEvent": _MappingEndEvent,
    "SequenceEndEvent": _SequenceEndEvent,
}
for _name, _flat in _FLAT_EVENTS.items():
    _flat.__name__ = _flat.__qualname__ = _name
    _EVENT_KINDS[_flat] = _KINDS_BY_NAME[_name]


@contextmanager
def _flat_events() -> Iterator[None]:
    """Let the binding build the flat event classes while the block runs (only where it uses ruamel's own)."""
    binding = sys.modules.get(CParser.__module__)
    originals = {name: getattr(binding, name, None) for name in _FLAT_EVENTS}
    if binding is None or any(originals[name] is not getattr(events, name) for name in _FLAT_EVENTS):
        yield  # another version or an already active swap: leave the binding as it is
        return
    for name, flat in _FLAT_EVENTS.items():
        setattr(binding, name, flat)
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(binding, name, original)


def _syntax_problem(error: Exception, text: str) -> Problem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    position = getattr(error, "position", None)
    if mark is None and isinstance(position, int):  # a reader error: an unacceptable character
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        character = getattr(error, "character", "")
        code = character if isinstance(character, int) else ord(character) if character else 0
        return Problem("yaml-syntax", f"control character U+{code:04X} is not allowed in YAML", line, column)
    problem = getattr(error, "problem", None)
    context = getattr(error, "context", None)
    message = " ".join(part for part in (problem, context) if part) or str(error).splitlines()[0]
    if mark is None:
        return Problem("yaml-syntax", message)
    return Problem("yaml-syntax", message, mark.line + 1, mark.column + 1)


def parse(text: str) -> tuple[list[Document], list[Problem]]:
    """Parse a YAML stream (or JSON text) into documents and the problems met on the way."""
    builder = _Builder()
    builder.run(text)
    builder.problems.sort(key=lambda problem: (problem.line, problem.column))
    return builder.documents, builder.problems
