"""Records (kubelint.records): ``dataclass`` applied at the first instance gives the class ``@dataclass`` gives;
a class never instantiated is not processed; every record class of kubelint realizes."""

from __future__ import annotations

import ast
import copy
import dataclasses
import importlib
import inspect
import pickle
import pkgutil
import sys
import threading
from dataclasses import field
from pathlib import Path
from typing import Any

import pytest

import kubelint
from kubelint.records import deferred_dataclass, pending, realize, record

PACKAGE = Path(kubelint.__file__).parent


@record(frozen=True)
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list, compare=False, repr=False)

    def norm(self) -> int:
        return abs(self.x) + abs(self.y)


@record(frozen=True, order=True)
class Version:
    major: int
    minor: int


@record
class Counter:
    name: str
    seen: dict[str, int] = field(default_factory=dict)


def _twin(options: dict[str, Any]) -> tuple[type, type]:
    """The same class body decorated by ``dataclass`` and by ``record``, with ``options``."""

    def body() -> dict[str, Any]:
        return {"__annotations__": {"a": "int", "b": "str", "c": "list[int]"}, "b": "x",
                "c": field(default_factory=list, compare=False), "__module__": __name__, "__qualname__": "Twin",
                "__doc__": "A twin."}

    eager = dataclasses.dataclass(type("Twin", (), body()), **options)
    lazy = deferred_dataclass(**options)(type("Twin", (), body()))
    return eager, lazy


OPTIONS = [{}, {"frozen": True}, {"frozen": True, "eq": False}, {"frozen": True, "order": True}, {"eq": False},
           {"unsafe_hash": True}, {"repr": False}]


@pytest.mark.parametrize("options", OPTIONS, ids=[str(options) for options in OPTIONS])
def test_a_record_is_the_dataclass_dataclass_makes(options: dict[str, Any]) -> None:
    eager, lazy = _twin(options)
    assert not dataclasses.is_dataclass(lazy)
    assert lazy in pending()
    first, second = lazy(1), lazy(1, "y", [2])
    assert lazy not in pending()
    assert dataclasses.is_dataclass(lazy)
    assert lazy.__dataclass_params__.__repr__() == eager.__dataclass_params__.__repr__()  # type: ignore[attr-defined]
    assert [(f.name, f.default, f.default_factory, f.compare) for f in dataclasses.fields(lazy)] == \
        [(f.name, f.default, f.default_factory, f.compare) for f in dataclasses.fields(eager)]
    assert lazy.__match_args__ == eager.__match_args__ == ("a", "b", "c")  # type: ignore[attr-defined]
    for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__", "__lt__", "__ge__"):
        assert (name in lazy.__dict__) == (name in eager.__dict__), name
        assert (lazy.__dict__.get(name) is None) == (eager.__dict__.get(name) is None), name
    a, b = eager(1), eager(1, "y", [2])
    if options.get("repr", True):
        assert repr(first) == repr(a) and repr(second) == repr(b) == "Twin(a=1, b='y', c=[2])"
    assert (first == lazy(1)) == (a == eager(1))
    assert (first == second) == (a == b)
    assert first.c is not lazy(1).c  # a default_factory makes a value per instance
    assert (lazy.__hash__ is None) == (eager.__hash__ is None)
    if "__hash__" in eager.__dict__ and eager.__hash__ is not None:
        assert hash(first) == hash(a)
    if options.get("order"):
        assert (first < second) == (a < b)
    if options.get("frozen"):
        with pytest.raises(dataclasses.FrozenInstanceError):
            first.a = 2
    assert dataclasses.replace(first, a=5).a == 5
    nan = float("nan")
    # records compare fields as one tuple, as dataclass did up to Python 3.12 (the same NaN object is equal to
    # itself); from 3.13 dataclass compares field by field, which differs only for values unequal to themselves
    if options.get("eq", True) and not options.get("order") and not options.get("unsafe_hash"):  # records' own eq
        assert lazy(nan) == lazy(nan) and lazy(nan, "b") != lazy(float("nan"), "b")
    if sys.version_info < (3, 13):
        assert (lazy(nan) == lazy(nan)) == (eager(nan) == eager(nan))
        assert (lazy(nan, "b") == lazy(float("nan"), "b")) == (eager(nan, "b") == eager(float("nan"), "b"))
    if "__hash__" in eager.__dict__ and eager.__hash__ is not None:
        assert hash(lazy(7, "q")) == hash(eager(7, "q")) == hash((7, "q"))
    for name in ("__repr__", "__eq__", "__hash__"):
        method = lazy.__dict__.get(name)
        if method is not None:
            assert method.__qualname__ == f"Twin.{name}"
    assert str(inspect.signature(lazy)) == str(inspect.signature(eager))  # (a factory default: its own marker)
    assert lazy.__init__.__annotations__ == eager.__init__.__annotations__
    assert lazy.__init__.__qualname__ == eager.__init__.__qualname__ == "Twin.__init__"
    for args, kwargs in (((), {}), ((1, "b", [], 4), {}), ((1,), {"a": 2}), ((1,), {"d": 2})):
        with pytest.raises(TypeError) as lazy_error:
            lazy(*args, **kwargs)
        with pytest.raises(TypeError) as eager_error:
            eager(*args, **kwargs)
        assert str(lazy_error.value) == str(eager_error.value)
    if options.get("frozen"):
        for instance in (first, a):
            with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'zz'"):
                instance.zz = 1
            with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'a'"):
                del instance.a
        lazy_child, eager_child = type("Child", (lazy,), {}), type("Child", (eager,), {})
        for child in (lazy_child(1), eager_child(1)):
            child.extra = 1  # not a field, not the class itself: allowed, as dataclass allows it
            with pytest.raises(dataclasses.FrozenInstanceError):
                child.a = 2
    if not options.get("frozen") and options.get("repr", True):
        first.c.append(first)
        a.c.append(a)
        assert repr(first) == repr(a) == "Twin(a=1, b='x', c=[...])"


def test_an_undocumented_record_gets_dataclass_docstring_and_a_field_named_self_works() -> None:
    def body() -> dict[str, Any]:
        return {"__annotations__": {"self": "int", "b": "str"}, "b": "x", "__module__": __name__,
                "__qualname__": "Bare"}

    eager = dataclasses.dataclass(type("Bare", (), body()), frozen=True)
    lazy = deferred_dataclass(frozen=True)(type("Bare", (), body()))
    assert lazy(1, "y").self == eager(1, "y").self == 1 and lazy(self=2).self == 2
    assert lazy.__doc__ == eager.__doc__ == "Bare(self: 'int', b: 'str' = 'x')"


def test_a_class_never_instantiated_is_not_processed() -> None:
    @record(frozen=True)
    class Never:
        value: int

    assert not dataclasses.is_dataclass(Never) and "__repr__" not in Never.__dict__
    realize(Never)
    assert dataclasses.is_dataclass(Never) and Never not in pending()
    realize(Never)  # once only
    assert Never(3).value == 3


def test_instances_behave_as_dataclass_instances() -> None:
    point = Point(1, 2, ("a",))
    assert point == Point(1, 2, ("a",), ["ignored in comparisons"])
    assert hash(point) == hash(Point(1, 2, ("a",)))
    assert repr(point) == "Point(x=1, y=2, tags=('a',))"
    assert point.norm() == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 4  # type: ignore[misc]
    match point:
        case Point(x, y):
            assert (x, y) == (1, 2)
        case _:
            pytest.fail("no match")
    assert dataclasses.asdict(point) == {"x": 1, "y": 2, "tags": ("a",), "notes": []}
    assert copy.copy(point) == point and copy.deepcopy(point) == point
    assert pickle.loads(pickle.dumps(point)) == point
    assert sorted([Version(1, 2), Version(1, 0)]) == [Version(1, 0), Version(1, 2)]
    counter = Counter("c")
    counter.seen["x"] = 1
    assert Counter("c").seen == {} and counter != Counter("c")
    assert Counter.__hash__ is None  # eq without frozen: unhashable, as dataclass makes it


def test_subclasses_realize_their_record_bases_first() -> None:
    @record
    class Base:
        a: int
        b: str = "b"

    @record
    class Child(Base):
        c: float = 0.0

    class Plain(Base):
        def double(self) -> int:
            return self.a * 2

    assert Base in pending() and Child in pending()
    child = Child(1, "x", 2.0)
    assert Base not in pending() and Child not in pending()
    assert [f.name for f in dataclasses.fields(child)] == ["a", "b", "c"]
    assert repr(child) == "test_subclasses_realize_their_record_bases_first.<locals>.Child(a=1, b='x', c=2.0)"

    @record(frozen=True)
    class Frozen:
        a: int

    class Loose(Frozen):
        pass

    assert Loose(4).a == 4 and Frozen not in pending()
    assert Plain(3).double() == 6


def test_an_explicit_init_is_processed_at_once() -> None:
    @record
    class Own:
        a: int

        def __init__(self, a: int) -> None:
            self.a = a * 2

    assert dataclasses.is_dataclass(Own) and Own not in pending() and Own(2).a == 4


def test_a_class_is_realized_once_when_threads_race() -> None:
    @record(frozen=True)
    class Raced:
        a: int

    barrier = threading.Barrier(8)
    made: list[Any] = []
    errors: list[BaseException] = []

    def make(value: int) -> None:
        barrier.wait()
        try:
            made.append(Raced(value))
        except BaseException as error:  # pragma: no cover - the failure this test looks for
            errors.append(error)

    threads = [threading.Thread(target=make, args=(value,)) for value in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and sorted(item.a for item in made) == list(range(8))


def test_a_class_dataclass_refuses_is_refused_at_its_first_instance_every_time() -> None:
    @record(frozen=True)
    class Broken:
        a: int = 1
        b: int  # type: ignore[misc]  # a field without a default after one with a default

    for _ in range(2):
        with pytest.raises(TypeError, match="non-default argument"):
            Broken()
    assert Broken in pending()


def test_every_record_class_of_kubelint_realizes() -> None:
    for module in pkgutil.walk_packages([str(PACKAGE)], "kubelint."):
        if not module.name.endswith("__main__"):  # (runs the command line)
            importlib.import_module(module.name)
    ours = [cls for cls in pending() if cls.__module__.startswith("kubelint.")]
    for cls in ours:
        realize(cls)
        assert dataclasses.is_dataclass(cls), cls
    assert not [cls for cls in pending() if cls.__module__.startswith("kubelint.")]


def test_kubelint_declares_its_dataclasses_with_record() -> None:
    """``@dataclass`` would compile a class's methods at every start whether or not a run creates one."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                found += [f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}" for decorator in node.decorator_list
                          if ast.unparse(decorator).split("(")[0].endswith("dataclass")]
    assert not found, "declare these with kubelint.records.record:\n" + "\n".join(found)


SPECIAL_FIELDS = [
    ({"a": "int", "b": "int"}, {"b": field(init=False, default=3)}, [(1,)], [(1, 2)]),
    ({"a": "int", "b": "int"}, {"b": field(default=3, kw_only=True)}, [(1,), ((1,), {"b": 2})], [(1, 2)]),
    ({"a": "int", "_": "KW_ONLY", "b": "int"}, {"b": 3}, [(1,), ((1,), {"b": 2})], [(1, 2)]),
    ({"a": "int", "b": "InitVar[int]"}, {}, [(1, 2)], [(1,)]),
]


@pytest.mark.parametrize(("annotations", "defaults", "accepted", "refused"), SPECIAL_FIELDS,
                         ids=["init=False", "kw_only", "KW_ONLY", "InitVar"])
def test_fields_the_written_init_does_not_cover_are_left_to_dataclass(
        annotations: dict[str, str], defaults: dict[str, Any], accepted: list[Any], refused: list[Any]) -> None:
    def body() -> dict[str, Any]:
        return {"__annotations__": dict(annotations), **defaults, "__module__": __name__, "__qualname__": "Special",
                "__doc__": "Special fields."}

    namespace = {"KW_ONLY": dataclasses.KW_ONLY, "InitVar": dataclasses.InitVar}
    globals().update(namespace)  # the string annotations resolve in this module, as in a real one
    eager = dataclasses.dataclass(type("Special", (), body()))
    lazy = deferred_dataclass(type("Special", (), body()))

    def call(cls: type, arguments: Any) -> Any:
        args, kwargs = arguments if isinstance(arguments, tuple) and len(arguments) == 2 and isinstance(
            arguments[1], dict) else (arguments, {})
        return cls(*args, **kwargs)

    for arguments in accepted:
        assert repr(call(lazy, arguments)) == repr(call(eager, arguments))
    for arguments in refused:
        with pytest.raises(TypeError):
            call(eager, arguments)
        with pytest.raises(TypeError):
            call(lazy, arguments)
    assert str(inspect.signature(lazy)) == str(inspect.signature(eager))


def test_a_value_tuple_equals_only_its_own_kind_and_hashes_as_a_tuple() -> None:
    from typing import NamedTuple

    from kubelint.records import value_tuple

    @value_tuple
    class Pair(NamedTuple):
        a: int
        b: int

    class Other(NamedTuple):
        a: int
        b: int

    assert Pair(1, 2) == Pair(1, 2) and (Pair(1, 2) != Pair(1, 2)) is False and Pair(1, 2) != Pair(1, 3)
    plain = (1, 2)
    assert Pair(1, 2) != plain and plain != Pair(1, 2) and Pair(1, 2) != Other(1, 2)
    assert Pair.__hash__ is tuple.__hash__ and hash(Pair(1, 2)) == hash((1, 2))
    assert {Pair(1, 2): "x"}.get((1, 2)) is None and {Pair(1, 2): "x"}[Pair(1, 2)] == "x"
