"""The effective settings of one run, from defaults, the config file and the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubelint.findings import Severity
from kubelint.sources.read import DEFAULT_MAX_FILE_SIZE


@dataclass
class Options:
    """Everything a run needs to know besides the paths; the CLI and the config file fill it in."""

    namespace: str = "default"
    exclude: list[str] = field(default_factory=list)
    fail_on: Severity | None = Severity.WARNING
    """Exit 1 when a finding is at or above this severity; None never fails (report only)."""
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    rule_dirs: list[str] = field(default_factory=list)
    enable: list[str] = field(default_factory=list)
    disable: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    verbose: int = 0
    workloads: dict[str, str] = field(default_factory=dict)
    """Custom pod-creating kinds: ``Kind`` or ``group/Kind`` -> dotted path of the pod template."""
    kubernetes_version: str | None = None
    context: list[str] = field(default_factory=list)
    """Paths read for context only (their objects are known to rules, their findings not reported)."""
    ignore: list[dict[str, Any]] = field(default_factory=list)
    """Config ``ignore`` entries: ``paths`` (globs), ``namespaces``, ``kinds``, ``names``, ``rules``."""
    config_file: str | None = None
    """The configuration file the options came from, if any."""
