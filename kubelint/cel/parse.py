"""CEL source text -> syntax tree (the grammar of cel-spec's ``CEL.g4``, with optional syntax).

The tree is made of :class:`Node`s: ``kind`` names the construct, ``args`` its parts, ``offset`` where it
starts in the text (for error messages). Parsing is bounded: the text length and the nesting depth are
capped, so hostile input cannot exhaust the stack.
"""

from __future__ import annotations

import re
from typing import Any

from kubelint.records import record

MAX_LENGTH = 100_000
"""Longer expressions are refused (Kubernetes caps a rule far below this)."""
MAX_DEPTH = 60
"""Nesting deeper than this is refused (real rules nest fewer than 20 levels)."""

RESERVED = frozenset({"as", "break", "const", "continue", "else", "for", "function", "if", "import", "let",
                      "loop", "package", "namespace", "return", "var", "void", "while"})


class CelSyntaxError(ValueError):
    """The text is not a CEL expression; ``offset`` is where in the text (0-based)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@record(frozen=True)
class Node:
    """One syntax tree node: ``kind`` (``ident``, ``select``, ``call`` ...), its ``args``, its ``offset``."""

    kind: str
    args: tuple[Any, ...]
    offset: int


_TOKEN = re.compile(r"""
    (?P<space>[ \t\r\n\f]+|//[^\n]*)
  | (?P<float>(?:\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<uint>(?:0[xX][0-9a-fA-F]+|\d+)[uU])
  | (?P<int>0[xX][0-9a-fA-F]+|\d+)
  | (?P<string>[rRbB]{0,2}(?:\"\"\"|'''|"|'))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||[-+*/%!<>?:.,()\[\]{}])
""", re.VERBOSE)

_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\",
            "'": "'", '"': '"', "`": "`", "?": "?"}


@record(frozen=True)
class _Token:
    kind: str
    text: str
    offset: int
    value: Any = None


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise CelSyntaxError(f"unexpected character {text[position]!r}", position)
        kind = match.lastgroup or ""
        if kind == "space":
            position = match.end()
            continue
        if kind == "string":
            token, position = _string(text, position, match.group())
            out.append(token)
            continue
        word = match.group()
        value: Any = None
        if kind == "int":
            value = int(word, 16) if word[:2] in ("0x", "0X") else int(word)
        elif kind == "uint":
            body = word[:-1]
            value = int(body, 16) if body[:2] in ("0x", "0X") else int(body)
        elif kind == "float":
            value = float(word)
        out.append(_Token(kind, word, position, value))
        position = match.end()
    out.append(_Token("end", "", len(text)))
    return out


def _string(text: str, start: int, opening: str) -> tuple[_Token, int]:
    prefix = opening.rstrip("'\"")
    quote = opening[len(prefix):]
    raw = "r" in prefix.lower()
    is_bytes = "b" in prefix.lower()
    position = start + len(opening)
    chars: list[str] = []
    while True:
        if position >= len(text):
            raise CelSyntaxError("unterminated string", start)
        if text.startswith(quote, position):
            position += len(quote)
            break
        char = text[position]
        if char == "\n" and len(quote) == 1:
            raise CelSyntaxError("newline in a single-quoted string", position)
        if char == "\\" and not raw:
            escaped, position = _escape(text, position, is_bytes)
            chars.append(escaped)
            continue
        chars.append(char)
        position += 1
    body = "".join(chars)
    value: Any = body
    if is_bytes:
        value = body.encode("latin-1") if all(ord(c) < 256 for c in body) else body.encode("utf-8")
    return _Token("bytes" if is_bytes else "string", text[start:position], start, value), position


def _escape(text: str, position: int, is_bytes: bool) -> tuple[str, int]:
    if position + 1 >= len(text):
        raise CelSyntaxError("unterminated escape", position)
    char = text[position + 1]
    if char in _ESCAPES:
        return _ESCAPES[char], position + 2
    digits = {"x": 2, "X": 2, "u": 4, "U": 8}.get(char)
    if digits is not None:
        if char in "uU" and is_bytes:
            raise CelSyntaxError("\\u escapes are not allowed in bytes", position)
        hexa = text[position + 2:position + 2 + digits]
        if len(hexa) != digits or not all(c in "0123456789abcdefABCDEF" for c in hexa):
            raise CelSyntaxError("invalid escape", position)
        code = int(hexa, 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise CelSyntaxError("invalid code point in escape", position)
        return chr(code), position + 2 + digits
    if char in "0123":
        octal = text[position + 1:position + 4]
        if len(octal) == 3 and all(c in "01234567" for c in octal):
            return chr(int(octal, 8)), position + 4
    raise CelSyntaxError(f"invalid escape \\{char}", position)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def at(self, text: str) -> bool:
        token = self.token
        return token.kind == "op" and token.text == text

    def take(self, text: str) -> bool:
        if self.at(text):
            self.index += 1
            return True
        return False

    def expect(self, text: str) -> _Token:
        if not self.at(text):
            found = self.token.text or "end of expression"
            raise CelSyntaxError(f"expected {text!r}, found {found!r}", self.token.offset)
        token = self.token
        self.index += 1
        return token

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CelSyntaxError(f"expression nested deeper than {MAX_DEPTH} levels", self.token.offset)

    def expression(self) -> Node:
        self.enter()
        start = self.token.offset
        condition = self.binary(0)
        if self.take("?"):
            then = self.expression()
            self.expect(":")
            otherwise = self.expression()
            condition = Node("cond", (condition, then, otherwise), start)
        self.depth -= 1
        return condition

    _LEVELS: tuple[tuple[str, ...], ...] = (("||",), ("&&",), ("==", "!=", "<", "<=", ">", ">=", "in"),
                                            ("+", "-"), ("*", "/", "%"))

    def binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        operators = self._LEVELS[level]
        while True:
            token = self.token
            if (token.kind == "op" and token.text in operators) or (
                    token.kind == "ident" and token.text == "in" and "in" in operators):
                self.index += 1
                self.enter()
                right = self.binary(level + 1)
                self.depth -= 1
                left = Node("op", (token.text, left, right), token.offset)
            else:
                return left

    def unary(self) -> Node:
        token = self.token
        if self.at("!") or self.at("-"):
            self.index += 1
            self.enter()
            if token.text == "-" and self.token.kind in ("int", "float") and not self._negated_member():
                literal = self.token
                self.index += 1
                value = -literal.value
                operand: Node = Node("lit", (value if literal.kind == "float" else _Int(value),), token.offset)
                operand = self.member_suffix(operand)
            else:
                operand = Node("op", (token.text + "_", self.unary()), token.offset)
            self.depth -= 1
            return operand
        return self.member_suffix(self.primary())

    def _negated_member(self) -> bool:
        following = self.tokens[self.index + 1]
        return following.kind == "op" and following.text in (".", "[")

    def member_suffix(self, node: Node) -> Node:
        while True:
            token = self.token
            if self.take("."):
                optional = self.take("?")
                name = self.identifier(field=True)
                if not optional and self.at("("):
                    args = self.arguments("(", ")")
                    node = Node("call", (name, node, tuple(args)), token.offset)
                else:
                    node = Node("optselect" if optional else "select", (node, name), token.offset)
            elif self.take("["):
                optional = self.take("?")
                key = self.expression()
                self.expect("]")
                node = Node("optindex" if optional else "index", (node, key), token.offset)
            elif self.at("{") and node.kind in ("ident", "qualified"):
                raise CelSyntaxError("message construction is not supported", token.offset)
            else:
                return node

    def identifier(self, field: bool = False) -> str:
        """An identifier; ``field``: after a dot, where the reserved words (``namespace``, ``package``, ...)
        are field names, as cel-go takes ``object.metadata.namespace``."""
        token = self.token
        if token.kind != "ident":
            raise CelSyntaxError(f"expected a field name, found {token.text or 'end of expression'!r}", token.offset)
        if token.text in ("in", "true", "false", "null") or (token.text in RESERVED and not field):
            raise CelSyntaxError(f"reserved identifier {token.text!r}", token.offset)
        self.index += 1
        return token.text

    def arguments(self, opening: str, closing: str) -> list[Node]:
        self.expect(opening)
        items: list[Node] = []
        while not self.at(closing):
            items.append(self.expression())
            if not self.take(","):
                break
        self.expect(closing)
        return items

    def primary(self) -> Node:
        token = self.token
        kind = token.kind
        if kind in ("int", "uint", "float", "string", "bytes"):
            self.index += 1
            value = token.value
            if kind == "int":
                value = _Int(value)
            elif kind == "uint":
                value = _UInt(value)
            return Node("lit", (value,), token.offset)
        if kind == "ident":
            if token.text in ("true", "false"):
                self.index += 1
                return Node("lit", (token.text == "true",), token.offset)
            if token.text == "null":
                self.index += 1
                return Node("lit", (None,), token.offset)
            name = self.identifier()
            if self.at("("):
                return Node("call", (name, None, tuple(self.arguments("(", ")"))), token.offset)
            return Node("ident", (name,), token.offset)
        if kind == "op":
            if token.text == ".":
                self.index += 1
                name = self.identifier()
                if self.at("("):
                    return Node("call", (name, None, tuple(self.arguments("(", ")"))), token.offset)
                return Node("ident", (name,), token.offset)
            if token.text == "(":
                self.index += 1
                inner = self.expression()
                self.expect(")")
                return inner
            if token.text == "[":
                return Node("list", tuple(self.elements()), token.offset)
            if token.text == "{":
                return Node("map", tuple(self.entries()), token.offset)
        raise CelSyntaxError(f"unexpected {token.text or 'end of expression'!r}", token.offset)

    def elements(self) -> list[tuple[bool, Node]]:
        self.expect("[")
        items: list[tuple[bool, Node]] = []
        while not self.at("]"):
            optional = self.take("?")
            items.append((optional, self.expression()))
            if not self.take(","):
                break
        self.expect("]")
        return items

    def entries(self) -> list[tuple[bool, Node, Node]]:
        self.expect("{")
        items: list[tuple[bool, Node, Node]] = []
        while not self.at("}"):
            optional = self.take("?")
            key = self.expression()
            self.expect(":")
            items.append((optional, key, self.expression()))
            if not self.take(","):
                break
        self.expect("}")
        return items


class _Int(int):
    """An int literal as the parser saw it (kept apart from uint literals until evaluation)."""


class _UInt(int):
    """A uint literal (``1u``)."""


def parse(text: str) -> Node:
    """The syntax tree of ``text``, or :class:`CelSyntaxError` with the offset of the problem."""
    if len(text) > MAX_LENGTH:
        raise CelSyntaxError(f"expression longer than {MAX_LENGTH} characters", 0)
    parser = _Parser(text)
    try:
        node = parser.expression()
    except RecursionError:
        raise CelSyntaxError("expression nested too deeply", 0) from None
    if parser.token.kind != "end":
        raise CelSyntaxError(f"unexpected {parser.token.text!r}", parser.token.offset)
    return node
