"""Syntax tree -> a Python closure that evaluates it (the macros and operators of CEL live here).

Each node becomes a function of the activation (a dict of the variables in scope). Errors are raised as
:class:`CelError` and absorbed where CEL absorbs them (``false && error`` is false, ``all`` is false when one
element is false whatever the others give). Every comprehension step and every list or string built is
charged to the activation's :class:`Budget`, so a costly expression stops with an error instead of running on.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from kubelint.allowance import CEL_ALLOWANCE
from kubelint.cel.parse import CelSyntaxError, Node, _Int, _UInt
from kubelint.cel.values import (
    CelError,
    Duration,
    Optional,
    Timestamp,
    TypeValue,
    UInt,
    checked_int,
    checked_uint,
    compare,
    contains,
    equals,
    is_number,
    map_get,
    no_overload,
    truthy,
    type_name,
)

Activation = dict[str, Any]
Evaluate = Callable[[Activation], Any]

BUDGET_KEY = "\0budget"
"""The activation key holding the evaluation's :class:`Budget`."""

TYPE_NAMES = ("bool", "int", "uint", "double", "string", "bytes", "list", "map", "null_type", "type", "optional_type")

QUALIFIED_TYPES = frozenset({"net.IP", "net.CIDR", "kubernetes.URL", "kubernetes.Quantity", "kubernetes.Semver",
                             "kubernetes.NamedFormat", "google.protobuf.Duration", "google.protobuf.Timestamp"})
MAX_COLLECTION = 1_000_000
"""Lists, maps and strings built during one evaluation may not grow past this many elements/characters."""


class CostExceeded(CelError):
    """The evaluation ran over its step or time budget."""


class Budget:
    """The steps and seconds an evaluation may spend; :meth:`spend` raises :class:`CostExceeded` past them."""

    __slots__ = ("deadline", "left", "seconds", "shared", "steps")

    def __init__(self, steps: int = 1_000_000, seconds: float = 1.0) -> None:
        self.left = steps
        self.steps = steps
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        # the run's allowance for all evaluations together, kept when it ends before this evaluation's own time
        self.shared = CEL_ALLOWANCE.get()
        if self.shared is not None and self.shared.until() < self.deadline:
            self.deadline = self.shared.until()
        else:
            self.shared = None

    def spend(self, steps: int = 1) -> None:
        self.left -= steps
        if self.left < 0:
            raise CostExceeded(f"the expression ran over its budget of {self.steps} steps")
        if self.left & 0x3FF == 0 and time.monotonic() > self.deadline:
            if self.shared is not None:
                raise CostExceeded(self.shared.spent_message())
            raise CostExceeded(f"the expression ran over its time budget of {self.seconds:g} s")


def _spend(activation: Activation, steps: int) -> None:
    budget = activation.get(BUDGET_KEY)
    if budget is not None:
        budget.spend(steps)


class Functions:
    """The functions an expression may call: global ones (``size(x)``, ``sets.contains(a, b)``) and
    member ones (``x.size()``), each a Python callable raising :class:`CelError` on bad arguments."""

    def __init__(self) -> None:
        self.globals: dict[str, Callable[..., Any]] = {}
        self.members: dict[str, Callable[..., Any]] = {}

    def add_global(self, name: str, function: Callable[..., Any]) -> None:
        self.globals[name] = function

    def add_member(self, name: str, function: Callable[..., Any]) -> None:
        self.members[name] = function


class Compiler:
    """Turns syntax trees into closures, given the declared variables and the functions."""

    def __init__(self, variables: frozenset[str], functions: Functions) -> None:
        self.variables = variables
        self.functions = functions

    def compile(self, node: Node, scope: frozenset[str] = frozenset()) -> Evaluate:
        method = getattr(self, "_" + node.kind)
        result: Evaluate = method(node, scope)
        return result

    # -- leaves -------------------------------------------------------------------------------------
    def _lit(self, node: Node, scope: frozenset[str]) -> Evaluate:
        value = node.args[0]
        if type(value) is _UInt:
            value = checked_uint_literal(value, node.offset)
        elif type(value) is _Int:
            if not -(1 << 63) <= value <= (1 << 63) - 1:
                raise CelSyntaxError("integer literal out of range", node.offset)
            value = int(value)
        return lambda activation: value

    def _ident(self, node: Node, scope: frozenset[str]) -> Evaluate:
        name = node.args[0]
        if name in scope or name in self.variables:
            def variable(activation: Activation) -> Any:
                try:
                    return activation[name]
                except KeyError:
                    raise CelError(f"no such attribute: {name}") from None
            return variable
        if name in TYPE_NAMES:
            value = TypeValue(name)
            return lambda activation: value
        raise CelSyntaxError(f"undeclared reference to {name!r}", node.offset)

    def _list(self, node: Node, scope: frozenset[str]) -> Evaluate:
        items = [(optional, self.compile(item, scope)) for optional, item in node.args]

        def build(activation: Activation) -> Any:
            out = []
            for optional, item in items:
                value = item(activation)
                if optional:
                    if not isinstance(value, Optional):
                        raise no_overload("optional list element", value)
                    if value.present:
                        out.append(value.value)
                else:
                    out.append(value)
            return out
        return build

    def _map(self, node: Node, scope: frozenset[str]) -> Evaluate:
        entries = [(optional, self.compile(key, scope), self.compile(value, scope))
                   for optional, key, value in node.args]

        def build(activation: Activation) -> Any:
            out: dict[Any, Any] = {}
            for optional, key_of, value_of in entries:
                key = key_of(activation)
                if type_name(key) not in ("string", "int", "uint", "bool"):
                    raise CelError(f"unsupported map key type: {type_name(key)}")
                if map_get(out, key, _MISSING) is not _MISSING:
                    raise CelError(f"repeated key in map literal: {key!r}")
                value = value_of(activation)
                if optional:
                    if not isinstance(value, Optional):
                        raise no_overload("optional map entry", value)
                    if value.present:
                        out[key] = value.value
                else:
                    out[key] = value
            return out
        return build

    # -- selection ----------------------------------------------------------------------------------
    def _select(self, node: Node, scope: frozenset[str]) -> Evaluate:
        target_node, field = node.args
        qualified = self._qualified_name(node, scope)
        if qualified is not None:
            if qualified in QUALIFIED_TYPES:
                value = TypeValue(qualified)
                return lambda activation: value
            raise CelSyntaxError(f"undeclared reference to {qualified!r}", node.offset)
        target = self.compile(target_node, scope)

        def select(activation: Activation) -> Any:
            return select_field(target(activation), field)
        return select

    def _optselect(self, node: Node, scope: frozenset[str]) -> Evaluate:
        target_node, field = node.args
        target = self.compile(target_node, scope)

        def select(activation: Activation) -> Any:
            value = target(activation)
            if isinstance(value, Optional):
                if not value.present:
                    return value
                value = value.value
            if isinstance(value, dict):
                found = value.get(field, _MISSING)
                return Optional() if found is _MISSING else Optional(found)
            raise CelError(f"type '{type_name(value)}' does not support field selection")
        return select

    def _index(self, node: Node, scope: frozenset[str]) -> Evaluate:
        target = self.compile(node.args[0], scope)
        key = self.compile(node.args[1], scope)

        def index(activation: Activation) -> Any:
            value = target(activation)
            if isinstance(value, Optional):
                if not value.present:
                    return value
                return Optional(index_value(value.value, key(activation)))
            return index_value(value, key(activation))
        return index

    def _optindex(self, node: Node, scope: frozenset[str]) -> Evaluate:
        target = self.compile(node.args[0], scope)
        key = self.compile(node.args[1], scope)

        def index(activation: Activation) -> Any:
            value = target(activation)
            if isinstance(value, Optional):
                if not value.present:
                    return value
                value = value.value
            try:
                return Optional(index_value(value, key(activation)))
            except _Absent:
                return Optional()
        return index

    def _qualified_name(self, node: Node, scope: frozenset[str]) -> str | None:
        """``a.b.c`` when ``a`` is not a variable (a namespaced function or type name), else None."""
        parts: list[str] = []
        while node.kind == "select":
            parts.append(node.args[1])
            node = node.args[0]
        if node.kind != "ident":
            return None
        name = node.args[0]
        if name in scope or name in self.variables:
            return None
        return ".".join([name, *reversed(parts)])

    # -- operators ----------------------------------------------------------------------------------
    def _cond(self, node: Node, scope: frozenset[str]) -> Evaluate:
        condition, then, otherwise = (self.compile(part, scope) for part in node.args)

        def choose(activation: Activation) -> Any:
            return then(activation) if truthy(condition(activation), "_?_:_") else otherwise(activation)
        return choose

    def _op(self, node: Node, scope: frozenset[str]) -> Evaluate:
        operator = node.args[0]
        if operator in ("!_", "-_"):
            operand = self.compile(node.args[1], scope)
            if operator == "!_":
                return lambda activation: not truthy(operand(activation), "!_")
            return lambda activation: negate(operand(activation))
        left = self.compile(node.args[1], scope)
        right = self.compile(node.args[2], scope)
        if operator == "&&":
            return _and(left, right)
        if operator == "||":
            return _or(left, right)
        function = BINARY[operator]
        return lambda activation: function(left(activation), right(activation), activation)

    # -- calls and macros ---------------------------------------------------------------------------
    def _call(self, node: Node, scope: frozenset[str]) -> Evaluate:
        name, target_node, arg_nodes = node.args
        if target_node is None:
            if name == "has":
                return self._has(node, arg_nodes, scope)
            function = self.functions.globals.get(name)
            if function is None:
                raise CelSyntaxError(f"undeclared reference to {name!r}", node.offset)
            return _call_global(name, function, [self.compile(arg, scope) for arg in arg_nodes])
        qualified = self._qualified_name(target_node, scope)
        if qualified is not None:
            full = f"{qualified}.{name}"
            if full == "cel.bind":
                return self._bind(node, arg_nodes, scope)
            function = self.functions.globals.get(full)
            if function is None:
                raise CelSyntaxError(f"undeclared reference to {full!r}", node.offset)
            return _call_global(full, function, [self.compile(arg, scope) for arg in arg_nodes])
        macro = MACROS.get((name, len(arg_nodes)))
        if macro is not None:
            return macro(self, node, scope)
        member = self.functions.members.get(name)
        if member is None:
            raise CelSyntaxError(f"undeclared reference to {name!r}", node.offset)
        target = self.compile(target_node, scope)
        args = [self.compile(arg, scope) for arg in arg_nodes]
        return _call_member(name, member, target, args)

    def _has(self, node: Node, arg_nodes: tuple[Node, ...], scope: frozenset[str]) -> Evaluate:
        if len(arg_nodes) != 1 or arg_nodes[0].kind != "select":
            raise CelSyntaxError("has() takes one field selection, like has(object.spec.x)", node.offset)
        target = self.compile(arg_nodes[0].args[0], scope)
        field = arg_nodes[0].args[1]

        def has(activation: Activation) -> bool:
            value = target(activation)
            if isinstance(value, Optional):
                if not value.present:
                    return False
                value = value.value
            if isinstance(value, dict):
                return field in value
            raise CelError(f"has() does not apply to a value of type '{type_name(value)}'")
        return has

    def _bind(self, node: Node, arg_nodes: tuple[Node, ...], scope: frozenset[str]) -> Evaluate:
        if len(arg_nodes) != 3 or arg_nodes[0].kind != "ident":
            raise CelSyntaxError("cel.bind takes a name, a value and an expression", node.offset)
        name = arg_nodes[0].args[0]
        init = self.compile(arg_nodes[1], scope)
        body = self.compile(arg_nodes[2], scope | {name})

        def bind(activation: Activation) -> Any:
            local = dict(activation)
            local[name] = init(activation)
            return body(local)
        return bind

    def comprehension_vars(self, node: Node, count: int) -> list[str]:
        names = []
        for arg in node.args[2][:count]:
            if arg.kind != "ident":
                raise CelSyntaxError(f"{node.args[0]}() needs a variable name as its argument", arg.offset)
            names.append(arg.args[0])
        if len(set(names)) != len(names):
            raise CelSyntaxError("the two variables of a comprehension need different names", node.offset)
        return names


_MISSING = object()


class _Absent(CelError):
    """A missing key or index (an empty optional for ``[?k]``)."""


def checked_uint_literal(value: int, offset: int) -> UInt:
    if value > (1 << 64) - 1:
        raise CelSyntaxError("unsigned integer literal out of range", offset)
    return UInt(value)


def select_field(value: Any, field: str) -> Any:
    """``value.field``: a map's key (an error when absent)."""
    if isinstance(value, dict):
        try:
            return value[field]
        except KeyError:
            raise CelError(f"no such key: {field}") from None
    if isinstance(value, Optional):
        if not value.present:
            return value
        return Optional(select_field(value.value, field))
    raise CelError(f"type '{type_name(value)}' does not support field selection")


def index_value(value: Any, key: Any) -> Any:
    """``value[key]`` for lists and maps."""
    if isinstance(value, list):
        if type(key) is bool or not is_number(key):
            raise no_overload("_[_]", value, key)
        if isinstance(key, float):
            if not key.is_integer():
                raise CelError(f"unsupported index value {key}")
            key = int(key)
        if not 0 <= key < len(value):
            raise _Absent(f"index out of bounds: {key}")
        return value[key]
    if isinstance(value, dict):
        found = map_get(value, key, _MISSING)
        if found is _MISSING:
            raise _Absent(f"no such key: {key}")
        return found
    raise no_overload("_[_]", value, key)


def _call_global(name: str, function: Callable[..., Any], args: list[Evaluate]) -> Evaluate:
    if len(args) == 1:
        only = args[0]

        def call1(activation: Activation) -> Any:
            value = only(activation)
            try:
                return function(value)
            except TypeError:
                raise no_overload(name, value) from None
        return call1

    def call(activation: Activation) -> Any:
        values = [arg(activation) for arg in args]
        try:
            return function(*values)
        except TypeError:
            raise no_overload(name, *values) from None
    return call


def _call_member(name: str, function: Callable[..., Any], target: Evaluate, args: list[Evaluate]) -> Evaluate:
    def call(activation: Activation) -> Any:
        receiver = target(activation)
        values = [arg(activation) for arg in args]
        try:
            return function(receiver, *values)
        except TypeError:
            raise no_overload(name, receiver, *values) from None
        except RecursionError:
            raise CelError(f"{name}(): value nested too deeply") from None
    return call


def _and(left: Evaluate, right: Evaluate) -> Evaluate:
    def both(activation: Activation) -> Any:
        try:
            first = truthy(left(activation), "_&&_")
        except CostExceeded:
            raise
        except CelError as error:
            if truthy(right(activation), "_&&_") is False:
                return False
            raise error from None
        if not first:
            return False
        return truthy(right(activation), "_&&_")
    return both


def _or(left: Evaluate, right: Evaluate) -> Evaluate:
    def either(activation: Activation) -> Any:
        try:
            first = truthy(left(activation), "_||_")
        except CostExceeded:
            raise
        except CelError as error:
            if truthy(right(activation), "_||_") is True:
                return True
            raise error from None
        if first:
            return True
        return truthy(right(activation), "_||_")
    return either


def negate(value: Any) -> Any:
    if type(value) is bool or type(value) is UInt:
        raise no_overload("-_", value)
    if isinstance(value, int):
        return checked_int(-value)
    if isinstance(value, float):
        return -value
    if isinstance(value, Duration):
        return Duration(-value.nanos)
    raise no_overload("-_", value)


def _same_numbers(left: Any, right: Any) -> str | None:
    """The shared numeric kind of two operands (``int``, ``uint``, ``double``), or None."""
    kind = type_name(left)
    if kind in ("int", "uint", "double") and kind == type_name(right):
        return kind
    return None


def _add(left: Any, right: Any, activation: Activation) -> Any:
    kind = _same_numbers(left, right)
    if kind == "int":
        return checked_int(left + right)
    if kind == "uint":
        return checked_uint(left + right)
    if kind == "double":
        return left + right
    if (type(left) is str and type(right) is str) or (type(left) is bytes and type(right) is bytes):
        if len(left) + len(right) > MAX_COLLECTION:
            raise CostExceeded("string longer than the evaluation allows")
        _spend(activation, (len(left) + len(right)) // 64)
        joined: Any = _concat(left, right)
        return joined
    if isinstance(left, list) and isinstance(right, list):
        if len(left) + len(right) > MAX_COLLECTION:
            raise CostExceeded("list longer than the evaluation allows")
        _spend(activation, (len(left) + len(right)) // 8)
        return left + right
    if isinstance(left, Duration) and isinstance(right, Duration):
        return Duration(checked_int(left.nanos + right.nanos))
    if isinstance(left, Timestamp) and isinstance(right, Duration):
        return Timestamp(left.nanos + right.nanos)
    if isinstance(left, Duration) and isinstance(right, Timestamp):
        return Timestamp(left.nanos + right.nanos)
    raise no_overload("_+_", left, right)


def _subtract(left: Any, right: Any, activation: Activation) -> Any:
    kind = _same_numbers(left, right)
    if kind == "int":
        return checked_int(left - right)
    if kind == "uint":
        return checked_uint(left - right)
    if kind == "double":
        return left - right
    if isinstance(left, Duration) and isinstance(right, Duration):
        return Duration(checked_int(left.nanos - right.nanos))
    if isinstance(left, Timestamp) and isinstance(right, Duration):
        return Timestamp(left.nanos - right.nanos)
    if isinstance(left, Timestamp) and isinstance(right, Timestamp):
        return Duration(checked_int(left.nanos - right.nanos))
    raise no_overload("_-_", left, right)


def _multiply(left: Any, right: Any, activation: Activation) -> Any:
    kind = _same_numbers(left, right)
    if kind == "int":
        return checked_int(left * right)
    if kind == "uint":
        return checked_uint(left * right)
    if kind == "double":
        return left * right
    raise no_overload("_*_", left, right)


def _divide(left: Any, right: Any, activation: Activation) -> Any:
    kind = _same_numbers(left, right)
    if kind == "double":
        if right == 0:
            if left == 0 or left != left:
                return float("nan")
            return math.copysign(math.inf, left) * math.copysign(1.0, right)
        return left / right
    if kind in ("int", "uint"):
        if right == 0:
            raise CelError("division by zero")
        quotient = abs(left) // abs(right)
        if (left < 0) != (right < 0):
            quotient = -quotient
        return checked_int(quotient) if kind == "int" else checked_uint(quotient)
    raise no_overload("_/_", left, right)


def _modulo(left: Any, right: Any, activation: Activation) -> Any:
    kind = _same_numbers(left, right)
    if kind in ("int", "uint"):
        if right == 0:
            raise CelError("modulus by zero")
        remainder = abs(left) % abs(right)
        result = -remainder if left < 0 else remainder
        return result if kind == "int" else UInt(result)
    raise no_overload("_%_", left, right)


def _in(left: Any, right: Any, activation: Activation) -> bool:
    if isinstance(right, list):
        _spend(activation, len(right) // 8)
        return contains(right, left)
    if isinstance(right, dict):
        return map_get(right, left, _MISSING) is not _MISSING
    raise no_overload("@in", left, right)


BINARY: dict[str, Callable[[Any, Any, Activation], Any]] = {
    "==": lambda left, right, activation: equals(left, right),
    "!=": lambda left, right, activation: not equals(left, right),
    "<": lambda left, right, activation: compare(left, right) < 0,
    "<=": lambda left, right, activation: compare(left, right) <= 0,
    ">": lambda left, right, activation: compare(left, right) > 0,
    ">=": lambda left, right, activation: compare(left, right) >= 0,
    "+": _add, "-": _subtract, "*": _multiply, "/": _divide, "%": _modulo, "in": _in,
}


# -- macros ---------------------------------------------------------------------------------------
def _range(value: Any, two: bool, activation: Activation) -> list[tuple[Any, Any]]:
    """What a comprehension iterates: (index, item) of a list, (key, value) of a map (one variable: the
    item of a list, the key of a map)."""
    if isinstance(value, list):
        _spend(activation, len(value))
        return list(enumerate(value)) if two else [(item, None) for item in value]
    if isinstance(value, dict):
        _spend(activation, len(value))
        return list(value.items()) if two else [(key, None) for key in value]
    raise CelError(f"cannot iterate over a value of type '{type_name(value)}'")


def _quantifier(kind: str) -> Callable[[Compiler, Node, frozenset[str]], Evaluate]:
    def build(compiler: Compiler, node: Node, scope: frozenset[str]) -> Evaluate:
        two = len(node.args[2]) == 3
        names = compiler.comprehension_vars(node, 2 if two else 1)
        target = compiler.compile(node.args[1], scope)
        predicate = compiler.compile(node.args[2][-1], scope | set(names))
        first, second = names[0], names[-1]

        def run(activation: Activation) -> Any:
            local = dict(activation)
            pending: CelError | None = None
            count = 0
            for a, b in _range(target(activation), two, activation):
                local[first] = a
                if two:
                    local[second] = b
                try:
                    result = truthy(predicate(local), kind)
                except CostExceeded:
                    raise
                except CelError as error:
                    if kind == "exists_one":
                        raise
                    pending = pending or error
                    continue
                if kind == "all" and not result:
                    return False
                if kind == "exists" and result:
                    return True
                if kind == "exists_one" and result:
                    count += 1
            if pending is not None:
                raise pending
            if kind == "all":
                return True
            if kind == "exists":
                return False
            return count == 1
        return run
    return build


def _map_macro(compiler: Compiler, node: Node, scope: frozenset[str]) -> Evaluate:
    """``l.map(x, t)``, ``l.map(x, p, t)`` and ``l.filter(x, p)``."""
    name = node.args[0]
    names = compiler.comprehension_vars(node, 1)
    target = compiler.compile(node.args[1], scope)
    inner = scope | set(names)
    rest = [compiler.compile(arg, inner) for arg in node.args[2][1:]]
    variable = names[0]
    if name == "filter":
        predicate, transform = rest[0], None
    elif len(rest) == 2:
        predicate, transform = rest[0], rest[1]
    else:
        predicate, transform = None, rest[0]

    def run(activation: Activation) -> Any:
        local = dict(activation)
        out = []
        for item, _ in _range(target(activation), False, activation):
            local[variable] = item
            if predicate is not None and not truthy(predicate(local), name):
                continue
            out.append(item if transform is None else transform(local))
        return out
    return run


def _transform(kind: str) -> Callable[[Compiler, Node, frozenset[str]], Evaluate]:
    """The two-variable comprehensions: ``transformList``, ``transformMap``, ``transformMapEntry``."""

    def build(compiler: Compiler, node: Node, scope: frozenset[str]) -> Evaluate:
        names = compiler.comprehension_vars(node, 2)
        target = compiler.compile(node.args[1], scope)
        inner = scope | set(names)
        rest = [compiler.compile(arg, inner) for arg in node.args[2][2:]]
        predicate = rest[0] if len(rest) == 2 else None
        transform = rest[-1]
        first, second = names

        def run(activation: Activation) -> Any:
            local = dict(activation)
            out_list: list[Any] = []
            out_map: dict[Any, Any] = {}
            for a, b in _range(target(activation), True, activation):
                local[first] = a
                local[second] = b
                if predicate is not None and not truthy(predicate(local), kind):
                    continue
                value = transform(local)
                if kind == "transformList":
                    out_list.append(value)
                elif kind == "transformMap":
                    out_map[a] = value
                else:
                    if not isinstance(value, dict):
                        raise CelError("transformMapEntry needs a map entry ({key: value})")
                    for key, entry in value.items():
                        if map_get(out_map, key, _MISSING) is not _MISSING:
                            raise CelError(f"insert failed: key {key!r} already exists")
                        out_map[key] = entry
            return out_list if kind == "transformList" else out_map
        return run
    return build


def _opt_map(flat: bool) -> Callable[[Compiler, Node, frozenset[str]], Evaluate]:
    def build(compiler: Compiler, node: Node, scope: frozenset[str]) -> Evaluate:
        names = compiler.comprehension_vars(node, 1)
        target = compiler.compile(node.args[1], scope)
        body = compiler.compile(node.args[2][1], scope | set(names))

        def run(activation: Activation) -> Any:
            value = target(activation)
            if not isinstance(value, Optional):
                raise no_overload(node.args[0], value)
            if not value.present:
                return value
            local = dict(activation)
            local[names[0]] = value.value
            result = body(local)
            if flat:
                if not isinstance(result, Optional):
                    raise CelError("optFlatMap needs an optional result")
                return result
            return Optional(result)
        return run
    return build


MACROS: dict[tuple[str, int], Callable[[Compiler, Node, frozenset[str]], Evaluate]] = {
    ("all", 2): _quantifier("all"), ("all", 3): _quantifier("all"),
    ("exists", 2): _quantifier("exists"), ("exists", 3): _quantifier("exists"),
    ("exists_one", 2): _quantifier("exists_one"), ("exists_one", 3): _quantifier("exists_one"),
    ("existsOne", 2): _quantifier("exists_one"), ("existsOne", 3): _quantifier("exists_one"),
    ("map", 2): _map_macro, ("map", 3): _map_macro, ("filter", 2): _map_macro,
    ("transformList", 3): _transform("transformList"), ("transformList", 4): _transform("transformList"),
    ("transformMap", 3): _transform("transformMap"), ("transformMap", 4): _transform("transformMap"),
    ("transformMapEntry", 3): _transform("transformMapEntry"),
    ("transformMapEntry", 4): _transform("transformMapEntry"),
    ("optMap", 2): _opt_map(False), ("optFlatMap", 2): _opt_map(True),
}


def _concat(left: Any, right: Any) -> Any:
    return left + right
