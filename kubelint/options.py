"""The effective settings of one run, from defaults, the config file and the command line."""

from __future__ import annotations

from dataclasses import dataclass, field

from kubelint.findings import Severity
from kubelint.sources.read import DEFAULT_MAX_FILE_SIZE
from kubelint.workloads import WorkloadKind


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
    workloads: list[WorkloadKind] = field(default_factory=list)
    """Custom kinds that create pods, beyond the built-in table (``workloads.parse_workload``)."""
