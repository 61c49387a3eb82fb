"""The Kubernetes CEL libraries (``k8s.io/apiserver/pkg/cel/library``): quantity, IP and CIDR, URL, regex
``find``/``findAll``, lists, ``format``, semver.

Their behaviour follows the upstream implementations; ``tests/test_cel_k8s.py`` holds the upstream
table-driven cases. The authorizer library is not here: there is no cluster to ask offline.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from fractions import Fraction
from typing import Any

from kubelint.cel import regex
from kubelint.cel.interpret import Functions
from kubelint.cel.stdlib import _index_of, _last_index_of, _list, _str, sort_key_check
from kubelint.cel.values import (
    CelError,
    Duration,
    Optional,
    UInt,
    checked_int,
    compare,
    is_number,
    type_name,
)

# -- quantity --------------------------------------------------------------------------------------
_QUANTITY = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?\Z")
_SUFFIX = {"Ki": Fraction(2 ** 10), "Mi": Fraction(2 ** 20), "Gi": Fraction(2 ** 30), "Ti": Fraction(2 ** 40),
           "Pi": Fraction(2 ** 50), "Ei": Fraction(2 ** 60), "n": Fraction(1, 10 ** 9), "u": Fraction(1, 10 ** 6),
           "m": Fraction(1, 1000), "k": Fraction(10 ** 3), "M": Fraction(10 ** 6), "G": Fraction(10 ** 9),
           "T": Fraction(10 ** 12), "P": Fraction(10 ** 15), "E": Fraction(10 ** 18)}


class Quantity:
    """A Kubernetes resource quantity (``500m``, ``1Gi``), exact."""

    CEL_TYPE = "kubernetes.Quantity"
    __slots__ = ("text", "value")

    def __init__(self, value: Fraction, text: str) -> None:
        self.value = value
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Quantity) and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)

    def cel_compare(self, other: Quantity) -> int:
        return (self.value > other.value) - (self.value < other.value)

    def cel_string(self) -> str:
        return self.text


def parse_quantity(text: str) -> Quantity:
    """``text`` as a Quantity, or a CelError (Kubernetes' ``resource.ParseQuantity``)."""
    match = _QUANTITY.match(text) if len(text) <= 100 else None
    if match is None:
        raise CelError(f"quantities must match the regular expression "
                       f"'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': {text!r}")
    number, suffix = match.groups()
    value = Fraction(number)
    if suffix:
        if suffix[0] in "eE":
            exponent = int(suffix[1:])
            if abs(exponent) > 100:
                raise CelError(f"quantity {text!r} is out of range")
            value *= Fraction(10) ** exponent
        else:
            value *= _SUFFIX[suffix]
    return Quantity(value, text)


def _quantity(value: Any) -> Quantity:
    if isinstance(value, Quantity):
        return value
    return parse_quantity(_str(value))


def _is_quantity(value: Any) -> bool:
    try:
        parse_quantity(_str(value))
    except CelError:
        return False
    return True


def _q(value: Any) -> Quantity:
    if not isinstance(value, Quantity):
        raise TypeError
    return value


def _q_operand(value: Any) -> Fraction:
    if isinstance(value, Quantity):
        return value.value
    if type_name(value) == "int":
        return Fraction(value)
    raise TypeError


def _q_as_integer(value: Any) -> int:
    quantity = _q(value)
    if quantity.value.denominator != 1 or not -(1 << 63) <= quantity.value <= (1 << 63) - 1:
        raise CelError("cannot convert value to integer")
    return int(quantity.value)


def _q_is_integer(value: Any) -> bool:
    quantity = _q(value)
    return quantity.value.denominator == 1 and -(1 << 63) <= quantity.value <= (1 << 63) - 1


def _q_arith(sign: int) -> Any:
    def combine(left: Any, right: Any) -> Quantity:
        value = _q(left).value + sign * _q_operand(right)
        return Quantity(value, _format_fraction(value))
    return combine


def _q_scale(kind: str) -> Any:
    def scale(left: Any, factor: Any) -> Quantity:
        if type_name(factor) != "int":
            raise TypeError
        value = _q(left).value
        if kind == "mul":
            value *= factor
        else:
            if factor == 0:
                raise CelError("division by zero")
            value = value / factor if kind == "div" else Fraction(int(value / factor))
        return Quantity(value, _format_fraction(value))
    return scale


def _format_fraction(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    for suffix, scale in (("m", 1000), ("u", 10 ** 6), ("n", 10 ** 9)):
        scaled = value * scale
        if scaled.denominator == 1:
            return f"{scaled.numerator}{suffix}"
    return str(float(value))


# -- IP and CIDR -----------------------------------------------------------------------------------
class IP:
    """A Kubernetes CEL ``net.IP``."""

    CEL_TYPE = "net.IP"
    __slots__ = ("address",)

    def __init__(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
        self.address = address

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IP) and self.address == other.address

    def __hash__(self) -> int:
        return hash(self.address)

    def cel_string(self) -> str:
        return str(self.address)


class CIDR:
    """A Kubernetes CEL ``net.CIDR``: an address and a prefix length (host bits kept, as written)."""

    CEL_TYPE = "net.CIDR"
    __slots__ = ("address", "network")

    def __init__(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address,
                 network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> None:
        self.address = address
        self.network = network

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CIDR) and (self.address, self.network) == (other.address, other.network)

    def __hash__(self) -> int:
        return hash(self.network)

    def cel_string(self) -> str:
        return f"{self.address}/{self.network.prefixlen}"


_IPV4_LEADING_ZERO = re.compile(r"(^|\.)0\d")


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """``text`` as an address, refused as Kubernetes refuses it (zones, IPv4-mapped IPv6, leading zeros)."""
    if "%" in text:
        raise CelError(f"IP address with zone value is not allowed: {text!r}")
    if ":" not in text and _IPV4_LEADING_ZERO.search(text):
        raise CelError(f"IP address {text!r} has leading zeros")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise CelError(f"IP Address {text!r} parse error during conversion from string") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        raise CelError(f"IPv4-mapped IPv6 address is not allowed: {text!r}")
    return address


def parse_cidr(text: str) -> CIDR:
    """``text`` as a CIDR, or a CelError."""
    address_text, slash, length = text.partition("/")
    if not slash or not length.isdigit() or (len(length) > 1 and length[0] == "0"):
        raise CelError(f"network address parse error during conversion from string: {text!r}")
    address = parse_ip(address_text)
    try:
        network = ipaddress.ip_network(f"{address}/{int(length)}", strict=False)
    except ValueError:
        raise CelError(f"network address parse error during conversion from string: {text!r}") from None
    return CIDR(address, network)


def _is(parse: Any) -> Any:
    def check(value: Any) -> bool:
        try:
            parse(_str(value))
        except CelError:
            return False
        return True
    return check


def _ip(value: Any) -> Any:
    if isinstance(value, CIDR):
        return IP(value.address)
    return IP(parse_ip(_str(value)))


def _ip_arg(value: Any) -> IP:
    if not isinstance(value, IP):
        raise TypeError
    return value


def _cidr_arg(value: Any) -> CIDR:
    if not isinstance(value, CIDR):
        raise TypeError
    return value


def _contains_ip(cidr: Any, ip: Any) -> bool:
    address = parse_ip(ip) if type(ip) is str else _ip_arg(ip).address
    return address.version == _cidr_arg(cidr).network.version and address in cidr.network


def _contains_cidr(cidr: Any, other: Any) -> bool:
    inner = parse_cidr(other) if type(other) is str else _cidr_arg(other)
    outer = _cidr_arg(cidr).network
    return inner.network.version == outer.version and inner.network.subnet_of(outer)  # type: ignore[arg-type]


def _ip_is_canonical(value: Any) -> bool:
    text = _str(value)
    return str(parse_ip(text)) == text


# -- URL -------------------------------------------------------------------------------------------
class URL:
    """A Kubernetes CEL ``kubernetes.URL`` (Go's ``url.ParseRequestURI``)."""

    CEL_TYPE = "kubernetes.URL"
    __slots__ = ("parts", "text")

    def __init__(self, text: str, parts: urllib.parse.SplitResult) -> None:
        self.text = text
        self.parts = parts

    def __eq__(self, other: object) -> bool:
        return isinstance(other, URL) and self.text == other.text

    def __hash__(self) -> int:
        return hash(self.text)

    def cel_string(self) -> str:
        return self.text


def parse_url(text: str) -> URL:
    """An absolute URI or an absolute path, as Go's ``url.ParseRequestURI`` takes it."""
    if not text or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text) or " " in text:
        raise CelError(f"URL parse error during conversion from string: {text!r}")
    parts = urllib.parse.urlsplit(text)
    if "#" in text:
        parts = urllib.parse.urlsplit(text.split("#", 1)[0])
    if not parts.scheme and not text.startswith("/"):
        raise CelError(f"URL parse error during conversion from string: {text!r}")
    if parts.scheme and not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parts.scheme):
        raise CelError(f"URL parse error during conversion from string: {text!r}")
    return URL(text, parts)


def _url_arg(value: Any) -> URL:
    if not isinstance(value, URL):
        raise TypeError
    return value


def _host(value: Any) -> str:
    return _url_arg(value).parts.netloc.rpartition("@")[2]


def _hostname(value: Any) -> str:
    host = _host(value)
    if host.startswith("["):
        return host[1:host.find("]")]
    return host.rpartition(":")[0] if ":" in host else host


def _port(value: Any) -> str:
    host = _host(value)
    if host.startswith("["):
        rest = host[host.find("]") + 1:]
        return rest[1:] if rest.startswith(":") else ""
    return host.rpartition(":")[2] if ":" in host else ""


def _escaped_path(value: Any) -> str:
    return _url_arg(value).parts.path


def _query(value: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, item in urllib.parse.parse_qsl(_url_arg(value).parts.query, keep_blank_values=True):
        out.setdefault(key, []).append(item)
    return out


# -- lists (k8s) -----------------------------------------------------------------------------------
def _is_sorted(items: Any) -> bool:
    items = _list(items)
    sort_key_check(items)
    return all(compare(items[i], items[i + 1]) <= 0 for i in range(len(items) - 1))


def _sum(items: Any) -> Any:
    items = _list(items)
    if not items:
        return 0
    kinds = {type_name(item) for item in items}
    if len(kinds) != 1:
        raise CelError("sum: list elements must have the same type")
    kind = kinds.pop()
    if kind == "int":
        return checked_int(sum(items))
    if kind == "uint":
        return UInt(sum(items))
    if kind == "double":
        return float(sum(items))
    if kind == "google.protobuf.Duration":
        return Duration(sum(item.nanos for item in items))
    raise TypeError


def _extreme(pick: int) -> Any:
    def choose(items: Any) -> Any:
        items = _list(items)
        if not items:
            raise CelError(f"{'max' if pick > 0 else 'min'} called on empty list")
        sort_key_check(items)
        best = items[0]
        for item in items[1:]:
            if compare(item, best) == pick:
                best = item
        return best
    return choose


# -- regex -----------------------------------------------------------------------------------------
def _find(text: Any, pattern: Any) -> str:
    match = regex.search(_str(pattern), _str(text))
    return "" if match is None else str(match.group(0))


def _find_all(text: Any, pattern: Any, limit: Any = -1) -> list[str]:
    if type_name(limit) != "int":
        raise TypeError
    return regex.find_all(_str(pattern), _str(text), int(limit))


# -- format ----------------------------------------------------------------------------------------
_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?\Z")
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\Z")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def _regex_error(name: str, pattern: str, example: str) -> str:
    return (f"a {name} must consist of {pattern}" if not example
            else f"{pattern} (e.g. '{example}')")


def _dns1123_label(value: str) -> list[str]:
    errors = []
    if len(value) > 63:
        errors.append("must be no more than 63 characters")
    if not _DNS1123_LABEL.match(value):
        errors.append("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                      "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
                      "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
    return errors


def _dns1123_subdomain(value: str) -> list[str]:
    errors = []
    if len(value) > 253:
        errors.append("must be no more than 253 characters")
    if not _DNS1123_SUBDOMAIN.match(value):
        errors.append("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
                      "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
                      "regex used for validation is "
                      "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
    return errors


def _dns1035_label(value: str) -> list[str]:
    errors = []
    if len(value) > 63:
        errors.append("must be no more than 63 characters")
    if not _DNS1035_LABEL.match(value):
        errors.append("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
                      "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
                      "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
    return errors


def _prefix(check: Any) -> Any:
    """The ``...Prefix`` formats: a generateName prefix may end with '-' (the suffix is appended)."""
    def validate(value: str) -> list[str]:
        return list(check(value[:-1] if value.endswith("-") else value))
    return validate


def _qualified_name(value: str) -> list[str]:
    errors = []
    prefix, slash, name = value.rpartition("/")
    if slash:
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors.extend("prefix part " + error for error in _dns1123_subdomain(prefix))
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part must be no more than 63 characters")
    if name and not _QUALIFIED_NAME.match(name):
        errors.append("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
                      "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
                      "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
    if value.count("/") > 1:
        errors = ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start "
                  "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
                  "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS "
                  "subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    return errors


def _label_value(value: str) -> list[str]:
    errors = []
    if len(value) > 63:
        errors.append("must be no more than 63 characters")
    if not _LABEL_VALUE.match(value):
        errors.append("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
                      "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
                      "'my_value',  or '12345', regex used for validation is "
                      "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
    return errors


def _uri(value: str) -> list[str]:
    try:
        parse_url(value)
    except CelError:
        return ["invalid URI"]
    return []


def _uuid(value: str) -> list[str]:
    return [] if _UUID.match(value) else ["does not match the UUID format"]


def _byte(value: str) -> list[str]:
    import base64
    import binascii

    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return ["invalid base64"]
    return []


def _date(value: str) -> list[str]:
    import datetime

    try:
        if not _DATE.match(value):
            raise ValueError
        datetime.date.fromisoformat(value)
    except ValueError:
        return ["invalid date"]
    return []


def _datetime(value: str) -> list[str]:
    from kubelint.cel.values import parse_timestamp

    try:
        parse_timestamp(value)
    except CelError:
        return ["invalid datetime"]
    return []


FORMATS = {"dns1123Label": _dns1123_label, "dns1123Subdomain": _dns1123_subdomain,
           "dns1035Label": _dns1035_label, "qualifiedName": _qualified_name,
           "dns1123LabelPrefix": _prefix(_dns1123_label), "dns1123SubdomainPrefix": _prefix(_dns1123_subdomain),
           "dns1035LabelPrefix": _prefix(_dns1035_label), "labelValue": _label_value, "uri": _uri, "uuid": _uuid,
           "byte": _byte, "date": _date, "datetime": _datetime}


class Format:
    """A named Kubernetes format (``format.dns1123Label()``)."""

    CEL_TYPE = "kubernetes.NamedFormat"
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Format) and self.name == other.name

    def __hash__(self) -> int:
        return hash(self.name)


def _validate(fmt: Any, value: Any) -> Optional:
    if not isinstance(fmt, Format):
        raise TypeError
    errors = FORMATS[fmt.name](_str(value))
    return Optional(errors) if errors else Optional()


def _named(name: Any) -> Optional:
    name = _str(name)
    return Optional(Format(name)) if name in FORMATS else Optional()


# -- semver ----------------------------------------------------------------------------------------
_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                     r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
                     r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\Z")


class Semver:
    """A Kubernetes CEL ``kubernetes.Semver``."""

    CEL_TYPE = "kubernetes.Semver"
    __slots__ = ("major", "minor", "patch", "pre", "text")

    def __init__(self, text: str, major: int, minor: int, patch: int, pre: tuple[str, ...]) -> None:
        self.text, self.major, self.minor, self.patch, self.pre = text, major, minor, patch, pre

    def _key(self) -> tuple[Any, ...]:
        return (self.major, self.minor, self.patch)

    def cel_compare(self, other: Semver) -> int:
        if self._key() != other._key():
            return 1 if self._key() > other._key() else -1
        if self.pre == other.pre:
            return 0
        if not self.pre or not other.pre:
            return 1 if not self.pre else -1
        for mine, theirs in zip(self.pre, other.pre, strict=False):
            if mine == theirs:
                continue
            if mine.isdigit() and theirs.isdigit():
                return 1 if int(mine) > int(theirs) else -1
            if mine.isdigit() != theirs.isdigit():
                return -1 if mine.isdigit() else 1
            return 1 if mine > theirs else -1
        return (len(self.pre) > len(other.pre)) - (len(self.pre) < len(other.pre))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Semver) and self.cel_compare(other) == 0

    def __hash__(self) -> int:
        return hash(self._key())

    def cel_string(self) -> str:
        return self.text


def parse_semver(text: str, normalize: bool = False) -> Semver:
    """``text`` as a semantic version (with ``normalize``: a ``v`` prefix, missing parts, leading zeros)."""
    candidate = text
    if normalize:
        candidate = candidate[1:] if candidate.startswith("v") else candidate
        core, sep, rest = re.match(r"([0-9.]*)(.*)", candidate).groups()[0], "", ""  # type: ignore[union-attr]
        rest = candidate[len(core):]
        numbers = core.split(".") if core else []
        if 0 < len(numbers) <= 3 and all(n.isdigit() for n in numbers):
            numbers = [str(int(n)) for n in numbers] + ["0"] * (3 - len(numbers))
            candidate = ".".join(numbers) + sep + rest
    match = _SEMVER.match(candidate)
    if match is None:
        raise CelError(f"could not parse {text!r} as semver")
    major, minor, patch, pre, _ = match.groups()
    return Semver(text, int(major), int(minor), int(patch), tuple(pre.split(".")) if pre else ())


def _semver(value: Any, normalize: Any = False) -> Semver:
    if type(normalize) is not bool:
        raise TypeError
    return parse_semver(_str(value), normalize)


def _is_semver(value: Any, normalize: Any = False) -> bool:
    try:
        _semver(value, normalize)
    except CelError:
        return False
    return True


def _sv(value: Any) -> Semver:
    if not isinstance(value, Semver):
        raise TypeError
    return value


# -- dispatch for the member functions shared by several types -------------------------------------------
def _by_type(**implementations: Any) -> Any:
    def dispatch(receiver: Any, *args: Any) -> Any:
        function = implementations.get(type(receiver).__name__)
        if function is None:
            raise TypeError
        return function(receiver, *args)
    return dispatch


def _compare_to(left: Any, right: Any) -> int:
    if type(left) is not type(right) or not isinstance(left, (Quantity, Semver)):
        raise TypeError
    return int(left.cel_compare(right))


def _greater(left: Any, right: Any) -> bool:
    return _compare_to(left, right) > 0


def _less(left: Any, right: Any) -> bool:
    return _compare_to(left, right) < 0


def _family(value: Any) -> int:
    if isinstance(value, CIDR):
        return value.address.version
    return _ip_arg(value).address.version


def add_kubernetes_libraries(functions: Functions) -> None:
    """Add the Kubernetes CEL libraries to ``functions`` (after the standard ones, which some wrap)."""
    standard_index_of = functions.members["indexOf"]
    standard_last_index_of = functions.members["lastIndexOf"]
    for name, function in {"quantity": _quantity, "isQuantity": _is_quantity, "ip": _ip, "isIP": _is(parse_ip),
                           "ip.isCanonical": _ip_is_canonical, "cidr": lambda text: parse_cidr(_str(text)),
                           "isCIDR": _is(parse_cidr), "url": lambda text: parse_url(_str(text)),
                           "isURL": _is(parse_url), "semver": _semver, "isSemver": _is_semver,
                           "format.named": _named}.items():
        functions.add_global(name, function)
    for name in FORMATS:
        functions.add_global(f"format.{name}", lambda name=name: Format(name))

    def list_or_string(standard: Any, listed: Any) -> Any:
        def dispatch(receiver: Any, *args: Any) -> Any:
            return listed(receiver, *args) if isinstance(receiver, list) else standard(receiver, *args)
        return dispatch

    members = {
        "isSorted": _is_sorted, "sum": _sum, "min": _extreme(-1), "max": _extreme(1),
        "indexOf": list_or_string(standard_index_of, _index_of),
        "lastIndexOf": list_or_string(standard_last_index_of, _last_index_of),
        "find": _find, "findAll": _find_all,
        "isInteger": _q_is_integer, "asInteger": _q_as_integer,
        "asApproximateFloat": lambda value: float(_q(value).value),
        "sign": lambda value: (_q(value).value > 0) - (_q(value).value < 0),
        "add": _q_arith(1), "sub": _q_arith(-1), "mul": _q_scale("mul"), "div": _q_scale("div"),
        "divInt": _q_scale("divInt"),
        "isGreaterThan": _greater, "isLessThan": _less, "compareTo": _compare_to,
        "family": _family,
        "isUnspecified": lambda value: _ip_arg(value).address.is_unspecified,
        "isLoopback": lambda value: _ip_arg(value).address.is_loopback,
        "isLinkLocalMulticast": lambda value: _link_local_multicast(_ip_arg(value).address),
        "isLinkLocalUnicast": lambda value: _ip_arg(value).address.is_link_local,
        "isGlobalUnicast": lambda value: _global_unicast(_ip_arg(value).address),
        "containsIP": _contains_ip, "containsCIDR": _contains_cidr,
        "ip": lambda value: IP(_cidr_arg(value).address),
        "masked": lambda value: CIDR(_cidr_arg(value).network.network_address, _cidr_arg(value).network),
        "prefixLength": lambda value: _cidr_arg(value).network.prefixlen,
        "getScheme": lambda value: _url_arg(value).parts.scheme, "getHost": _host, "getHostname": _hostname,
        "getPort": _port, "getEscapedPath": _escaped_path, "getQuery": _query,
        "validate": _validate,
        "major": lambda value: _sv(value).major, "minor": lambda value: _sv(value).minor,
        "patch": lambda value: _sv(value).patch,
    }
    for name, function in members.items():
        functions.add_member(name, function)
    for name in AUTHORIZER_MEMBERS:
        functions.add_member(name, _offline(name))


AUTHORIZER_MEMBERS = ("path", "group", "resource", "subresource", "namespace", "name", "check", "allowed",
                      "reason", "errored", "error", "serviceAccount", "fieldSelector", "labelSelector")
"""The authorizer library's functions: declared so that policies using them compile, never evaluated."""


def _offline(name: str) -> Any:
    def refuse(*args: Any) -> Any:
        raise CelError(f"{name}(): the authorizer is not available offline")
    return refuse


def _link_local_multicast(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if address.version == 4:
        return address in ipaddress.ip_network("224.0.0.0/24")
    return address in ipaddress.ip_network("ff02::/16")


def _global_unicast(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Go's ``IP.IsGlobalUnicast``: not unspecified, loopback, link-local or multicast, not broadcast."""
    if address.is_unspecified or address.is_loopback or address.is_link_local or address.is_multicast:
        return False
    return not (address.version == 4 and str(address) == "255.255.255.255")


__all__ = ["CIDR", "IP", "URL", "Format", "Quantity", "Semver", "add_kubernetes_libraries", "is_number"]
