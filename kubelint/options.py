"""The effective settings of one run, from defaults, the config file and the command line."""

from __future__ import annotations

from dataclasses import field
from typing import Any

from kubelint.findings import Severity
from kubelint.model.external import External
from kubelint.model.units import UnitSpec
from kubelint.model.workloads import WorkloadKind
from kubelint.records import record
from kubelint.sources.read import DEFAULT_MAX_FILE_SIZE


@record
class Options:
    """Everything a run needs to know besides the paths; the CLI and the config file fill it in."""

    namespace: str = "default"
    exclude: list[str] = field(default_factory=list)
    """Globs of paths not to lint: with a ``/`` relative to the current folder (the configuration's are anchored
    to its folder when read), without one matching any path component."""
    gitignore: bool = True
    """Leave out what ``.gitignore`` and ``.git/info/exclude`` ignore when walking folders (``--no-gitignore``)."""
    include_hidden: list[str] = field(default_factory=list)
    """Globs of hidden file and folder names (``.deploy``) that folder walks enter instead of skipping."""
    stdin_filename: str | None = None
    """The name standard input stands for in messages, excludes and ``ignore`` entries (``--stdin-filename``)."""
    fail_on: Severity | None = Severity.WARNING
    """Exit 1 when a finding is at or above this severity; None never fails (report only)."""
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    rule_dirs: list[str] = field(default_factory=list)
    enable: list[str] = field(default_factory=list)
    disable: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    profile: str = "baseline"
    """The rule profile (``--profile``, config ``profile``): rules that list it are enabled and at least warnings."""
    verbose: int = 0
    render: bool = True
    """Render folders holding a kustomization file (``--no-render`` lints their raw files instead)."""
    render_timeout: float = 60.0
    """Seconds one Kustomize render may take before it is a ``render-failed`` finding."""
    render_budget: float = 300.0
    """Seconds all the Kustomize renders of a run may take together (``--render-budget``)."""
    cel_budget: float = 120.0
    """Seconds all CEL evaluations of a run (CRD rules, admission policies, CEL user rules) may take together
    (``--cel-budget``); each evaluation also has its own limit."""
    allow_remote_bases: bool = False
    """Let kustomize fetch remote bases over the network (``--allow-remote-bases``); rendering is offline otherwise."""
    baseline: str | None = None
    """A baseline file: findings it records are left out of the report and never fail the run."""
    source_root: str = "."
    """Paths in SARIF, GitHub annotations and baselines are relative to this folder."""
    cache: bool = True
    """Reuse parsed documents of unchanged files (``--no-cache`` turns it off)."""
    cache_dir: str | None = None
    """The cache folder (``--cache-dir``); None: ``$KUBELINT_CACHE_DIR``, else the user's cache folder."""
    context: list[str] = field(default_factory=list)
    """Paths loaded as context: every rule sees them, but only findings in the linted paths are reported."""
    policies: list[str] = field(default_factory=list)
    """Folders of admission policies, bindings and params (``--policies``): loaded like context, never reported."""
    hook: bool = False
    """Running as a pre-commit hook: without configured context, the current folder is the context."""
    workloads: list[WorkloadKind] = field(default_factory=list)
    """Custom kinds that create pods, beyond the built-in table (``workloads.parse_workload``)."""
    units: list[UnitSpec] = field(default_factory=list)
    """Config ``units``: files applied together (see :mod:`kubelint.model.units`); by default each plain file
    is a unit of its own that sees the units beside it."""
    ignore: list[dict[str, Any]] = field(default_factory=list)
    """Config ``ignore`` entries: ``path``, ``namespace``, ``kind``, ``name`` (globs) and ``rules``."""
    external: list[External] = field(default_factory=list)
    """Config ``external`` entries: objects created outside the tree, so references to them resolve (see
    :mod:`kubelint.model.external`)."""
    config_file: str | None = None
    """The configuration file the options came from, if any."""
    kubernetes_version: str | None = None
    """The Kubernetes minor (``1.30``) to validate against; None: the newest with schemas."""
    schema_location: list[str] = field(default_factory=list)
    """Extra folders of JSON schemas (kubeconform layout) for custom resources."""
    strict: bool = True
    """Unknown fields are schema errors (``--no-strict`` allows them)."""
    new_since: str | None = None
    """A git revision: report and fail only on findings the tree at that revision lacks (``--new-since``)."""
    jobs: int = 1
    """Processes that may parse a big tree's files and run its units' rules (``--jobs``; 0: one per usable core, the
    CLI's default). A library caller's process is not forked unless it asks (see :mod:`kubelint.forked`)."""
    freeze_heap: bool = False
    """Exempt the loaded tree from Python's cycle collector (``gc.freeze``): faster for a process that lints once
    and exits (the CLI), a leak for a library that lints again and again (frozen cycles are never freed)."""
    pod_security: list[str] = field(default_factory=list)
    """Pod Security defaults for namespaces whose labels do not set a mode (``--pod-security [MODE=]LEVEL[:VERSION]``,
    config ``pod-security``; MODE defaults to enforce), on top of ``admission_config``."""
    admission_config: str | None = None
    """An AdmissionConfiguration or PodSecurityConfiguration file: the plugin's defaults and exemptions."""
    pod_security_user_namespaces: bool = False
    """The cluster enables the ``UserNamespacesPodSecurityStandards`` feature gate (``hostUsers: false`` relaxes
    runAsNonRoot, runAsUser, capabilities and procMount)."""
    reports: dict[str, str] = field(default_factory=dict)
    """More reports to write, format -> file (``--report FORMAT=FILE``, config ``reports``)."""

    def context_paths(self) -> list[str]:
        """The context to load: as configured, else the current folder for a hook run, else none."""
        return [*(self.context or (["."] if self.hook else [])), *self.policies]
