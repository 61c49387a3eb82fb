"""Parse YAML and JSON text into plain Python values plus a table of source positions.

The C (libyaml) parser produces events; one iterative pass turns them into dicts, lists and scalars
and records where each node starts. There is no recursion, so nesting depth only costs memory, and
both depth and alias expansion are capped the way Kubernetes' own YAML reader caps them.

Positions are kept compactly: one packed integer per node, in document order, and the table keyed by
path (``("spec", "ports", 0)`` -> ``(line, column)``) is built only for a document whose positions are
asked for (one with a finding), by walking its value in the same order. That walk meets the nodes in
event order only when no node is shared or replaced, so a document with an alias, a merge key or a
duplicate key is parsed a second time keeping the full table as it goes.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ruamel.yaml import events
from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]  # libyaml: about 20x faster than the pure-Python parser

from kubelint.findings import Path
from kubelint.records import record
from kubelint.sources.scalars import STR_TAG, key_text, resolve_plain

MAX_DEPTH = 500
"""Nesting deeper than this is refused (Kubernetes objects nest a few dozen levels at most)."""
MAX_ALIAS_EXPANSION = 10 << 20
"""Characters of text that the aliases of one document may repeat. go-yaml's ratio rule counts nodes, so a
100 KB string aliased a thousand times passes it and repeats 100 MB into every message that shows it."""

Position = tuple[int, int]


def nearest_position(positions: Mapping[Path, Position], path: Path) -> Position:
    """The position of the node at ``path``, or of its nearest parent in the table (``(1, 1)`` if none)."""
    if isinstance(positions, _Positions):  # a compact table answers without building the path table
        return positions._table.nearest(path)
    return _nearest_in(positions, path)


@record
class Problem:
    """Something wrong with the input itself, found while reading it (1-based position)."""

    code: str
    message: str
    line: int = 1
    column: int = 1


_LOW = 0xFFFFFFFF


def _unpack(packed: int) -> Position:
    """A packed ``line << 32 | column`` (0-based, as libyaml counts) as a 1-based (line, column)."""
    return (packed >> 32) + 1, (packed & _LOW) + 1


class NodeTable:
    """Where each node of one document starts, one packed integer per node in document order (8 bytes a
    node instead of a path tuple, a position tuple and a dict entry), plus the source text of the
    implicitly typed scalars by node number. The tables keyed by path are built on first use."""

    __slots__ = ("_lookups", "_sizes", "_tables", "data", "implicit", "marks")

    def __init__(self, data: Any, marks: array[int], implicit: dict[int, str], sizes: array[int] | None = None) -> None:
        self.data = data
        self.marks = marks
        """``line << 32 | column`` (0-based) of every node, in document order (depth first, in key order)."""
        self.implicit = implicit
        """Node number -> source text of an unquoted scalar that YAML 1.1 read as a bool, number or null."""
        self._sizes = sizes
        """Nodes in each node's subtree, itself included (from the parser, or counted on the first lookup)."""
        self._tables: tuple[dict[Path, Position], dict[Path, str]] | None = None
        self._lookups = 0

    @property
    def sizes(self) -> array[int] | None:
        """Nodes in each node's subtree, itself included, in document order: as the parser counted them, or None
        until the first lookup of a document made without them (read from the cache)."""
        return self._sizes

    def nearest(self, path: Path) -> Position:
        """The position of the node at ``path``, or of its nearest existing parent.

        The first few lookups of a document walk its value to the node's number (counting the nodes
        before it) and keep nothing; a document asked more often gets its path table built and kept.
        """
        if self._tables is None:
            self._lookups += 1
            if self._lookups <= _WALKS_BEFORE_TABLE:
                if self._sizes is None:
                    self._sizes = _subtree_sizes(self.data)
                return _unpack(self.marks[_node_number(self.data, self._sizes, path)])
        return _nearest_in(self.tables()[0], path)

    def tables(self) -> tuple[dict[Path, Position], dict[Path, str]]:
        """Positions and implicit scalars keyed by path (built on the first call, then kept)."""
        if self._tables is None:
            self._tables = _walk_tables(self.data, self.marks, self.implicit)
        return self._tables

    def __getstate__(self) -> tuple[Any, array[int], dict[int, str]]:
        return self.data, self.marks, self.implicit

    def __setstate__(self, state: tuple[Any, array[int], dict[int, str]]) -> None:
        self.data, self.marks, self.implicit = state
        self._tables = None
        self._sizes = None
        self._lookups = 0


_WALKS_BEFORE_TABLE = 16
"""Lookups of one document answered by walking its value before its path table is built and kept."""


def _node_number(data: Any, sizes: array[int], path: Path) -> int:
    """The number (document order) of the node at ``path``, or of its deepest existing parent: a child's
    number is its parent's plus one plus the subtree sizes of the siblings before it."""
    node, number = data, 0
    for part in path:
        if isinstance(node, dict):
            if part not in node:
                break
            number += 1
            for key in node:
                if key == part:
                    break
                number += sizes[number]
            node = node[part]
        elif isinstance(node, list):
            if not isinstance(part, int) or not 0 <= part < len(node):
                break
            number += 1
            for _ in range(part):
                number += sizes[number]
            node = node[part]
        else:
            break
    return number


def _subtree_sizes(data: Any) -> array[int]:
    """The subtree size of every node of a value, in document order (for a table read from the cache)."""
    sizes = array("I")
    stack: list[tuple[int, Iterator[Any]]] = []

    def enter(value: Any) -> None:
        sizes.append(1)
        if isinstance(value, dict):
            stack.append((len(sizes) - 1, iter(value.values())))
        elif isinstance(value, list):
            stack.append((len(sizes) - 1, iter(value)))

    enter(data)
    while stack:
        first, children = stack[-1]
        for child in children:
            enter(child)
            if stack[-1][0] != first:
                break
        else:
            stack.pop()
            sizes[first] = len(sizes) - first
    return sizes


def node_count(value: Any) -> int:
    """How many nodes a value holds, itself included (a document's: one mark each in its :class:`NodeTable`)."""
    return _size(value)


def _size(value: Any) -> int:
    """How many nodes a value holds, itself included."""
    if not isinstance(value, (dict, list)):
        return 1
    total = 0
    stack = [value]
    while stack:
        node = stack.pop()
        total += 1
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return total


def _nearest_in(positions: Mapping[Path, Position], path: Path) -> Position:
    for end in range(len(path), -1, -1):
        found = positions.get(path[:end])
        if found is not None:
            return found
    return (1, 1)


def _walk_tables(data: Any, marks: array[int], implicit_nodes: dict[int, str]) -> tuple[
        dict[Path, Position], dict[Path, str]]:
    """The path tables of a document: its value walked depth first in key order, the order the parser met
    the nodes in (true for documents without aliases, merge keys and duplicate keys)."""
    positions: dict[Path, Position] = {(): _unpack(marks[0])}
    implicit: dict[Path, str] = {}
    if 0 in implicit_nodes:
        implicit[()] = implicit_nodes[0]
    number = 1
    stack: list[tuple[Path, Iterator[tuple[Any, Any]]]] = []
    if isinstance(data, dict):
        stack.append(((), iter(data.items())))
    elif isinstance(data, list):
        stack.append(((), enumerate(data)))
    while stack:
        path, children = stack[-1]
        for key, value in children:
            child = path + (key,)  # noqa: RUF005
            positions[child] = _unpack(marks[number])
            if number in implicit_nodes:
                implicit[child] = implicit_nodes[number]
            number += 1
            if isinstance(value, dict):
                stack.append((child, iter(value.items())))
                break
            if isinstance(value, list):
                stack.append((child, enumerate(value)))
                break
        else:
            stack.pop()
    if number != len(marks):  # pragma: no cover - the builder keeps full tables where this could happen
        raise AssertionError(f"position table out of step: {number} nodes, {len(marks)} marks")
    return positions, implicit


class _TableView(Mapping[Path, Any]):
    """A read-only mapping over one of a :class:`NodeTable`'s path tables, built when first read."""

    __slots__ = ("_table",)
    _which = 0

    def __init__(self, table: NodeTable) -> None:
        self._table = table

    def _dict(self) -> dict[Path, Any]:
        found: dict[Path, Any] = self._table.tables()[self._which]
        return found

    def __getitem__(self, path: Path) -> Any:
        return self._dict()[path]

    def get(self, path: Path, default: Any = None) -> Any:
        return self._dict().get(path, default)

    def __contains__(self, path: object) -> bool:
        return path in self._dict()

    def __iter__(self) -> Iterator[Path]:
        return iter(self._dict())

    def __len__(self) -> int:
        return len(self._dict())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._dict()!r})"


class _Positions(_TableView):
    __slots__ = ()
    _which = 0


class _Implicit(_TableView):
    __slots__ = ()
    _which = 1


class Document:
    """One YAML document: its value, where each node starts, and the raw text of implicit scalars."""

    __slots__ = ("data", "implicit", "index", "positions")

    def __init__(self, data: Any, positions: Mapping[Path, Position], index: int,
                 implicit: Mapping[Path, str] | None = None) -> None:
        self.data = data
        self.positions = positions
        """Path -> 1-based (line, column) of each node (built on first use for a parsed document)."""
        self.index = index
        self.implicit: Mapping[Path, str] = {} if implicit is None else implicit
        """Paths of unquoted scalars that YAML 1.1 turned into a bool, number or null, with their source text."""

    @classmethod
    def compact(cls, data: Any, index: int, marks: array[int], implicit: dict[int, str],
                sizes: array[int] | None = None) -> Document:
        """A document whose positions are ``marks`` (see :class:`NodeTable`), turned into tables when asked."""
        table = NodeTable(data, marks, implicit, sizes)
        return cls(data, _Positions(table), index, _Implicit(table))

    @property
    def table(self) -> NodeTable | None:
        """The compact position table, or None when the document keeps full tables (see module doc)."""
        positions = self.positions
        return positions._table if isinstance(positions, _Positions) else None

    @property
    def root_position(self) -> Position:
        """Where the document's value starts, without building the position table."""
        table = self.table
        if table is not None:
            return _unpack(table.marks[0])
        return self.positions.get((), (1, 1))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        return (self.index == other.index and self.data == other.data
                and dict(self.positions) == dict(other.positions) and dict(self.implicit) == dict(other.implicit))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Document(data={self.data!r}, index={self.index})"

    def __getstate__(self) -> tuple[Any, Any, int, Any]:
        return self.data, self.positions, self.index, self.implicit

    def __setstate__(self, state: tuple[Any, Any, int, Any]) -> None:
        self.data, self.positions, self.index, self.implicit = state


class _Abort(Exception):
    """The current document cannot be built; skip to its end (``final``: stop reading the text there)."""

    def __init__(self, problem: Problem, final: bool = False) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.final = final


def _too_deep(line: int, column: int) -> Problem:
    return Problem("yaml-syntax", f"nesting deeper than {MAX_DEPTH} levels; the rest of the file is not read", line,
                   column)


def _allowed_alias_ratio(total: int) -> float:
    """go-yaml's rule against alias bombs: the share of nodes that may come from aliases."""
    low, high = 400_000, 4_000_000
    if total <= low:
        return 0.99
    if total >= high:
        return 0.10
    return 0.99 - 0.89 * (total - low) / (high - low)


class _Frame:
    __slots__ = ("aliased", "anchor", "container", "explicit", "first", "key", "key_mark", "merge", "merges", "path",
                 "start", "start_index")

    def __init__(self, container: dict[str, Any] | list[Any], path: Path, start: int, first: int) -> None:
        self.container = container
        self.first = first  # the collection's own node number
        self.path = path  # only kept while building full tables
        self.start = start  # node count when the collection opened, to size anchors
        self.key: str | None = None
        self.key_mark = 0  # packed position of the pending key
        self.explicit: dict[str, int] | None = {} if isinstance(container, dict) else None
        self.merges: list[Any] | None = None
        self.merge = False  # the pending key is the YAML merge key ``<<``
        self.anchor: str | None = None
        self.start_index = 0  # where an anchored collection starts in the text, to size it
        self.aliased = 0  # characters aliases had repeated when it opened


class _Builder:
    """Turns the event stream of one text into documents and problems."""

    def __init__(self, full_tables: bool = False) -> None:
        self.documents: list[Document] = []
        self.problems: list[Problem] = []
        self.full_tables = full_tables
        self.irregular: set[int] = set()
        """Indexes of documents with an alias, a merge key or a duplicate key (see the module doc)."""

    def run(self, text: str) -> None:
        with _flat_events():
            self._run(text)
            if self.irregular and not self.full_tables:
                again = _Builder(full_tables=True)
                again._run(text)
                full = {document.index: document for document in again.documents}
                self.documents = [full.get(document.index, document) if document.index in self.irregular
                                  else document for document in self.documents]

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
        builder = _DocumentBuilder(index, self.problems, self.full_tables)
        try:
            document = builder.build(parser)
            if builder.irregular and document is not None:
                self.irregular.add(index)
            return document
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
    def __init__(self, index: int, problems: list[Problem], full_tables: bool) -> None:
        self.index = index
        self.problems = problems
        self.full_tables = full_tables
        self.positions: dict[Path, Position] = {}  # full tables only
        self.implicit: dict[Path, str] = {}  # full tables only
        self.marks: array[int] = array("Q")  # compact: a packed position per node
        self.sizes: array[int] = array("I")  # compact: nodes in each node's subtree
        self.implicit_nodes: dict[int, str] = {}  # compact: node number -> source text
        self.anchors: dict[str, tuple[Any, int, int]] = {}
        """Anchor -> (value, nodes, characters of text it stands for, aliases inside expanded)."""
        self.count = 0
        self.aliased = 0
        self.aliased_size = 0
        self.irregular = False

    def build(self, parser: Any) -> Document | None:
        # The hot loop of the whole linter (one pass per event): event kinds are looked up by class,
        # the current frame is kept in a local, and the common cases of _key, _scalar and _set are inlined.
        # A position is packed into one integer (line << 32 | column); paths are only made for full tables.
        stack: list[_Frame] = []
        root: Any = _MISSING
        full = self.full_tables
        positions = self.positions
        implicit = self.implicit
        marks = self.marks
        add_mark = marks.append
        sizes = self.sizes
        add_size = sizes.append
        implicit_nodes = self.implicit_nodes
        get_event = parser.get_event
        kinds = _EVENT_KINDS
        keys = _KEYS
        plain = _PLAIN
        frame: _Frame | None = None
        path: Path = ()
        while True:
            event = get_event()
            kind = kinds.get(type(event))
            if kind is None:
                kind = _event_kind(event)
            if kind == _END:
                done = stack.pop()
                sizes[done.first] = len(sizes) - done.first
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
            packed = mark.line << 32 | mark.column
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
                    if key == "<<" and not style:
                        frame.merge = self.irregular = True
                elif kind == _ALIAS:
                    self.irregular = True
                    value = self._alias(event, packed)
                    if not isinstance(value, (str, int, float, bool)) and value is not None:
                        raise _Abort(Problem("yaml-syntax", "a mapping key must be a scalar", *_unpack(packed)))
                    frame.key = key_text(value)
                else:
                    raise _Abort(Problem("yaml-syntax", "a mapping key must be a scalar, not a collection",
                                         *_unpack(packed)))
                frame.key_mark = packed
                continue
            # a value: where does it go?
            if len(stack) > MAX_DEPTH:  # the value's path is one step per open collection
                # libyaml's time per token grows with the depth of flow nesting (``[[[[...``: quadratic), so
                # the parser is not asked for one more event: the rest of the text is never parsed
                raise _Abort(_too_deep(*_unpack(packed)), final=True)
            if full:
                if frame is None:
                    path = ()
                elif frame.explicit is not None:
                    assert frame.key is not None
                    path = frame.path + (frame.key,)  # noqa: RUF005  # concatenation is 40% faster than unpacking
                else:
                    path = frame.path + (len(frame.container),)  # noqa: RUF005
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
                        if full:
                            implicit[path] = text
                        else:
                            implicit_nodes[len(marks)] = text
                # an empty value has no text of its own: point at its key
                if value is None and not text and frame is not None and frame.explicit is not None:
                    node_mark = frame.key_mark
                else:
                    node_mark = packed
                if event.anchor:
                    self.anchors[event.anchor] = (value, 1, event.end_mark.index - mark.index)
                add_size(1)
            elif kind == _ALIAS:
                self.irregular = True
                value = self._alias(event, packed)
                node_mark = packed
                add_size(1)
            elif kind in (_MAPPING_START, _SEQUENCE_START):
                self.count += 1
                container: dict[str, Any] | list[Any] = {} if kind == _MAPPING_START else []
                child = _Frame(container, path, self.count, len(sizes))
                add_size(0)  # set when the collection ends
                if event.anchor:
                    child.anchor = event.anchor
                    child.start_index = mark.index
                    child.aliased = self.aliased_size
                stack.append(child)
                value = container
                node_mark = frame.key_mark if frame is not None and frame.explicit is not None else packed
            else:  # pragma: no cover - no other events occur inside a document
                continue
            if full:
                positions[path] = _unpack(node_mark)
            else:
                add_mark(node_mark)
            if frame is None:
                root = value
            elif frame.explicit is not None:
                key = frame.key  # type: ignore[assignment]
                if frame.merge or key in frame.explicit:
                    self._set(frame, value)
                else:
                    frame.explicit[key] = frame.key_mark
                    frame.container[key] = value  # type: ignore[call-overload]
                    frame.key = None
            else:
                frame.container.append(value)  # type: ignore[union-attr]
            if child is not None:
                frame = child
        if root is _MISSING or root is None:  # empty or comment-only document
            return None
        if full:
            return Document(root, positions, self.index, implicit)
        return Document.compact(root, self.index, marks, implicit_nodes, sizes)

    def _set(self, frame: _Frame, value: Any) -> None:
        key = frame.key
        assert key is not None and frame.explicit is not None
        mapping = frame.container
        assert isinstance(mapping, dict)
        if frame.merge:
            frame.merges = [*(frame.merges or []), value]
            frame.merge = False
        else:
            first = frame.explicit.get(key)
            if first is not None:  # Kubernetes keeps the last value, and so do we
                self.irregular = True
                self.problems.append(Problem(
                    "yaml-duplicate-key",
                    f'duplicate key "{key}" (first at line {_unpack(first)[0]}); Kubernetes keeps this last value',
                    *_unpack(frame.key_mark),
                ))
            frame.explicit[key] = frame.key_mark
            mapping[key] = value
        frame.key = None

    def _alias(self, event: Any, packed: int) -> Any:
        found = self.anchors.get(event.anchor)
        if found is None:
            raise _Abort(Problem("yaml-syntax", f"unknown alias *{event.anchor}", *_unpack(packed)))
        value, size, characters = found
        self.count += size
        self.aliased += size
        self.aliased_size += characters
        if self.aliased_size > MAX_ALIAS_EXPANSION:
            raise _Abort(Problem("yaml-syntax", f"excessive aliasing: the aliases of this document repeat more than "
                                 f"{MAX_ALIAS_EXPANSION >> 20} MiB of text (a YAML alias bomb?)", *_unpack(packed)))
        if self.aliased > 100 and self.count > 1000 and self.aliased / self.count > _allowed_alias_ratio(
            self.count
        ):
            raise _Abort(Problem("yaml-syntax", "excessive aliasing: the document expands to too many "
                                 "nodes (a YAML alias bomb?)", *_unpack(packed)))
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
