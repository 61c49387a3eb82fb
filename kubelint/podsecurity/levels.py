"""Pod Security levels, policy versions and the namespace labels that set them.

Ported from ``k8s.io/pod-security-admission/api`` (``helpers.go``, ``constants.go``): a level is privileged,
baseline or restricted; a version is ``latest`` or ``v1.N``; a namespace's ``pod-security.kubernetes.io/<mode>``
and ``<mode>-version`` labels override the plugin's defaults mode by mode. An unparsable enforce label fails
closed (``restricted``, ``latest``), an unparsable warn or audit level fails open (``privileged``); either way
the Namespace itself is refused when it is created with such a label.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping

from kubelint.records import record

MODES: tuple[str, ...] = ("enforce", "warn", "audit")
"""The admission modes, in the order kubelint reports them (the strictest consequence first)."""

LABEL_PREFIX = "pod-security.kubernetes.io/"


def level_label(mode: str) -> str:
    """``pod-security.kubernetes.io/enforce``."""
    return f"{LABEL_PREFIX}{mode}"


def version_label(mode: str) -> str:
    """``pod-security.kubernetes.io/enforce-version``."""
    return f"{LABEL_PREFIX}{mode}-version"


class Level(enum.IntEnum):
    """A Pod Security Standards level; higher is stricter."""

    PRIVILEGED = 0
    BASELINE = 1
    RESTRICTED = 2

    def __str__(self) -> str:
        return self.name.lower()


VALID_LEVELS = ", ".join(str(level) for level in Level)
_VERSION = re.compile(r"v1\.([0-9]|[1-9][0-9]*)")


class LabelError(ValueError):
    """A level or version that the admission plugin cannot parse (its message is the plugin's)."""


def parse_level(text: str) -> Level:
    """``baseline`` -> Level.BASELINE; anything else is a :class:`LabelError` (case matters, as upstream)."""
    for level in Level:
        if text == str(level):
            return level
    raise LabelError(f"must be one of {VALID_LEVELS}")


@record(frozen=True)
class Version:
    """A policy version: ``latest`` (minor None) or ``v1.<minor>``."""

    minor: int | None = None

    @property
    def latest(self) -> bool:
        return self.minor is None

    def __str__(self) -> str:
        return "latest" if self.minor is None else f"v1.{self.minor}"

    def evaluated(self, cluster_minor: int) -> int:
        """The minor whose checks the API server of minor ``cluster_minor`` runs for this version: ``latest`` and
        versions newer than the server are evaluated as the server's own version."""
        return cluster_minor if self.minor is None else min(self.minor, cluster_minor)


LATEST = Version()


def parse_version(text: str) -> Version:
    """``latest`` or ``v1.N``; anything else is a :class:`LabelError`."""
    if text == "latest":
        return LATEST
    match = _VERSION.fullmatch(text)
    if match is None:
        raise LabelError('must be "latest" or "v1.x"')
    return Version(int(match.group(1)))


@record(frozen=True)
class LevelVersion:
    """A level at a version, printed as the API server prints it: ``restricted:v1.30``."""

    level: Level
    version: Version = LATEST

    def __str__(self) -> str:
        return f"{self.level}:{self.version}"


PRIVILEGED_LATEST = LevelVersion(Level.PRIVILEGED, LATEST)


def parse_level_version(text: str) -> LevelVersion:
    """``restricted`` or ``restricted:v1.30`` (a command-line or configuration value)."""
    level, _, version = text.partition(":")
    return LevelVersion(parse_level(level.strip()), parse_version(version.strip()) if version else LATEST)


@record(frozen=True)
class Source:
    """Where a mode's level came from: a namespace label, or the defaults (``--pod-security``, the admission
    configuration, or the plugin's own privileged default)."""

    kind: str
    """``label`` or ``default``."""
    detail: str
    """The label key, or a description of the default (``--pod-security``, ``admission configuration FILE``)."""


@record(frozen=True)
class ModePolicy:
    """One mode's level and version, and where they came from."""

    level_version: LevelVersion
    source: Source
    label_path: tuple[str, ...] | None = None
    """The Namespace node that set it (``("metadata", "labels", key)``), when a label did."""


@record(frozen=True)
class Policy:
    """The level and version of each mode for one namespace."""

    modes: Mapping[str, ModePolicy]

    def __getitem__(self, mode: str) -> ModePolicy:
        return self.modes[mode]


@record(frozen=True)
class LabelProblem:
    """A namespace label the plugin cannot parse: the Namespace is refused with this message."""

    key: str
    value: str
    message: str

    def api_message(self) -> str:
        """``metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of ...``."""
        from kubelint.podsecurity.text import go_quote

        return f"metadata.labels[{self.key}]: Invalid value: {go_quote(self.value)}: {self.message}"


def policy_for(labels: Mapping[str, str], defaults: Policy) -> tuple[Policy, list[LabelProblem]]:
    """The policy of a namespace with ``labels`` (``PolicyToEvaluate``): each label that is present replaces the
    default of its mode; unparsable values fall back as the plugin does and are returned as problems."""
    modes = dict(defaults.modes)
    problems: list[LabelProblem] = []
    for mode in MODES:
        current = modes[mode]
        level, version = current.level_version.level, current.level_version.version
        source, path = current.source, current.label_path
        key = level_label(mode)
        if key in labels:
            try:
                level = parse_level(labels[key])
            except LabelError as error:
                problems.append(LabelProblem(key, labels[key], str(error)))
                level = Level.RESTRICTED if mode == "enforce" else Level.PRIVILEGED  # enforce fails closed
            source, path = Source("label", key), ("metadata", "labels", key)
        key = version_label(mode)
        if key in labels:
            try:
                version = parse_version(labels[key])
            except LabelError as error:
                problems.append(LabelProblem(key, labels[key], str(error)))
                version = LATEST
            if source.kind != "label":
                source, path = Source("label", key), ("metadata", "labels", key)
        modes[mode] = ModePolicy(LevelVersion(level, version), source, path)
    return Policy(modes), problems


def default_policy(detail: str = "default") -> Policy:
    """Every mode privileged at latest: the plugin's defaults when nothing configures it."""
    return Policy({mode: ModePolicy(PRIVILEGED_LATEST, Source("default", detail)) for mode in MODES})
