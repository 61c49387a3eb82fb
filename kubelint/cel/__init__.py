"""kubelint's CEL: the Common Expression Language with the libraries Kubernetes enables, in pure Python.

``compile_expression(text, variables)`` parses and checks an expression once (a :class:`CelSyntaxError`
with the offset of the problem when it is not valid CEL or calls an unknown function); ``Program.evaluate``
runs it on plain values (dicts, lists, scalars from YAML) within a :class:`Budget`, giving a value or raising
:class:`CelError`. Why kubelint has its own interpreter rather than a CEL package: ``docs/cel.md``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from kubelint.cel.interpret import BUDGET_KEY, Budget, Compiler, CostExceeded, Functions
from kubelint.cel.parse import CelSyntaxError, Node, parse
from kubelint.cel.values import CelError, Optional, type_name

__all__ = ["Budget", "CelError", "CelSyntaxError", "CostExceeded", "Optional", "Program", "compile_expression",
           "type_name"]


@functools.cache
def functions() -> Functions:
    """The standard functions, the cel-go extensions and the Kubernetes libraries (built once)."""
    from kubelint.cel.k8s import add_kubernetes_libraries
    from kubelint.cel.stdlib import standard_functions

    found = standard_functions()
    add_kubernetes_libraries(found)
    return found


class Program:
    """A compiled expression: :meth:`evaluate` it with values for its variables."""

    def __init__(self, text: str, tree: Node, variables: frozenset[str]) -> None:
        self.text = text
        self.tree = tree
        self.variables = variables
        self._run = Compiler(variables, functions()).compile(tree)

    def evaluate(self, bindings: Mapping[str, Any], budget: Budget | None = None) -> Any:
        """The value of the expression with ``bindings`` (a :class:`CelError` when it evaluates to an error)."""
        activation = dict(bindings)
        activation[BUDGET_KEY] = budget if budget is not None else Budget()
        try:
            return self._run(activation)
        except RecursionError:
            raise CelError("value nested too deeply to evaluate") from None


@functools.lru_cache(maxsize=2048)
def _compile(text: str, variables: frozenset[str]) -> Program:
    tree = parse(text)
    try:
        return Program(text, tree, variables)
    except RecursionError:
        raise CelSyntaxError("expression nested too deeply", 0) from None


def compile_expression(text: str, variables: Iterable[str]) -> Program:
    """``text`` compiled for the declared ``variables`` (cached), or :class:`CelSyntaxError`."""
    return _compile(text, frozenset(variables))


def line_column(text: str, offset: int) -> tuple[int, int]:
    """The 0-based line and column of ``offset`` in ``text``."""
    before = text[:offset]
    line = before.count("\n")
    return line, offset - (before.rfind("\n") + 1)


def identifiers(node: Node) -> set[str]:
    """The identifiers an expression reads (variables, and the roots of qualified names)."""
    found: set[str] = set()
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Node):
            if item.kind == "ident":
                found.add(item.args[0])
            else:
                stack.extend(item.args)
        elif isinstance(item, tuple):
            stack.extend(item)
    return found


def field_paths(node: Node, root: str) -> set[tuple[str, ...]]:
    """The field paths under the variable ``root`` an expression reads (``object.spec.x`` -> ``("spec", "x")``),
    longest chains only; the empty path when it reads ``root`` whole."""
    found: set[tuple[str, ...]] = set()
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            stack.extend(item)
            continue
        if not isinstance(item, Node):
            continue
        chain: list[str] = []
        cursor = item
        while cursor.kind in ("select", "optselect"):
            chain.append(cursor.args[1])
            cursor = cursor.args[0]
        if chain and cursor.kind == "ident" and cursor.args[0] == root:
            found.add(tuple(reversed(chain)))
            continue
        if item.kind == "ident" and item.args[0] == root:
            found.add(())
            continue
        if item.kind == "call" and item.args[0] == "has" and item.args[1] is None:
            stack.extend(item.args[2])
            continue
        stack.extend(item.args)
    return found
