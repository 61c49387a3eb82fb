"""CronJob schedules as the API server parses them: ``cron.ParseStandard`` of robfig/cron v3, ported with its
error messages (five fields: minute, hour, day of month, month, day of week; month and weekday names; ``*``,
``?``, ranges, steps and lists; the ``@yearly`` ... ``@hourly`` and ``@every <duration>`` descriptors; a leading
``TZ=`` or ``CRON_TZ=`` zone)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_MONTHS = {name: index for index, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_DAYS = {name: index for index, name in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
_FIELDS: tuple[tuple[int, int, Mapping[str, int]], ...] = (
    (0, 59, {}), (0, 23, {}), (1, 31, {}), (1, 12, _MONTHS), (0, 6, _DAYS),
)
_DESCRIPTORS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
_GO_INT = re.compile(r"[+-]?[0-9]+")
_INT64_MAX = 2 ** 63 - 1


class CronError(ValueError):
    """A schedule the parser refuses; the message is robfig/cron's."""


def _go_slice(fields: list[str]) -> str:
    return "[" + " ".join(fields) + "]"


def _atoi(expr: str) -> int:
    """Go's ``strconv.Atoi``, with its error text."""
    if not _GO_INT.fullmatch(expr):
        raise CronError(f'failed to parse int from {expr}: strconv.Atoi: parsing "{expr}": invalid syntax')
    number = int(expr)
    if not -_INT64_MAX - 1 <= number <= _INT64_MAX:
        raise CronError(f'failed to parse int from {expr}: strconv.Atoi: parsing "{expr}": value out of range')
    if number < 0:
        raise CronError(f"negative number ({number}) not allowed: {expr}")
    return number


def _int_or_name(expr: str, names: Mapping[str, int]) -> int:
    if names and expr.lower() in names:
        return names[expr.lower()]
    return _atoi(expr)


def _range(expr: str, low: int, high: int, names: Mapping[str, int]) -> None:
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    single = len(low_and_high) == 1
    if low_and_high[0] in ("*", "?"):
        start, end = low, high
    else:
        start = _int_or_name(low_and_high[0], names)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _int_or_name(low_and_high[1], names)
        else:
            raise CronError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _atoi(range_and_step[1])
        if single:
            end = high
    else:
        raise CronError(f"too many slashes: {expr}")
    if start < low:
        raise CronError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise CronError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise CronError(f"step of range should be a positive number: {expr}")


_UNITS = {"ns": 1, "us": 1, "µs": 1, "μs": 1, "ms": 1, "s": 1, "m": 1, "h": 1}


def _duration(text: str) -> None:
    """Go's ``time.ParseDuration``: only whether it parses, with its error text."""
    quoted = f'"{text}"'
    rest = text
    if rest[:1] in ("-", "+"):
        rest = rest[1:]
    if rest == "0":
        return
    if not rest:
        raise CronError(f"time: invalid duration {quoted}")
    while rest:
        number = re.match(r"[0-9]*(\.[0-9]*)?", rest)
        assert number is not None
        if number.group(0) in ("", "."):
            raise CronError(f"time: invalid duration {quoted}")
        rest = rest[number.end():]
        unit = re.match(r"[^0-9.]*", rest)
        assert unit is not None
        if not unit.group(0):
            raise CronError(f"time: missing unit in duration {quoted}")
        if unit.group(0) not in _UNITS:
            raise CronError(f'time: unknown unit "{unit.group(0)}" in duration {quoted}')
        rest = rest[unit.end():]


def parse_standard(spec: str, load_location: Callable[[str], bool] | None = None) -> None:
    """Raise :class:`CronError` when ``cron.ParseStandard(spec)`` fails. ``load_location`` says whether a zone
    name exists (None: zones are not checked)."""
    if not spec:
        raise CronError("empty spec string")
    if spec.startswith(("TZ=", "CRON_TZ=")):
        space, equals = spec.find(" "), spec.find("=")
        zone = spec[equals + 1:space] if space >= 0 else spec[equals + 1:]
        if load_location is not None and not load_location(zone):
            raise CronError(f"provided bad location {zone}: unknown time zone {zone}")
        spec = spec[space:].strip() if space >= 0 else ""
    if spec.startswith("@"):
        if spec in _DESCRIPTORS:
            return
        if spec.startswith("@every "):
            try:
                _duration(spec[len("@every "):])
            except CronError as error:
                raise CronError(f"failed to parse duration {spec}: {error}") from None
            return
        raise CronError(f"unrecognized descriptor: {spec}")
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: {_go_slice(fields)}")
    for text, (low, high, names) in zip(fields, _FIELDS, strict=True):
        for expr in [part for part in text.split(",") if part]:
            _range(expr, low, high, names)
