"""The command line: parse options, call the API, pick a reporter. Nothing else lives here."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import click

from kubelint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
SEVERITY_CHOICES = ("error", "warning", "info", "never")
COLOR_CHOICES = ("auto", "always", "never")
FORMAT_CHOICES = ("text", "json", "sarif", "github", "junit")  # kubelint.report.FORMATS, without importing it


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="kubelint", message="%(prog)s %(version)s")
def cli() -> None:
    """kubelint: lint Kubernetes manifests, including how objects relate, at the exact line."""


def _timings(ctx: click.Context, _: click.Parameter, on: bool) -> None:
    """Record stage times for this run and print them to stderr when the command ends."""
    if not on:
        return
    from kubelint import timings

    recorder = timings.start()

    def show() -> None:
        click.echo(recorder.summary(), err=True, nl=False)
        timings.stop()

    ctx.call_on_close(show)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "format_name", type=click.Choice(FORMAT_CHOICES, case_sensitive=False), default="text",
              show_default=True, help="Report format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write the report to FILE instead of stdout.")
@click.option("--namespace", "-n", default=None, help="Namespace for objects that name none [default: default].")
@click.option("--exclude", multiple=True, metavar="GLOB",
              help="Skip paths matching GLOB (repeatable; with a '/' relative to the current folder).")
@click.option("--no-gitignore", is_flag=True,
              help="Also lint what .gitignore and .git/info/exclude ignore (respected by default).")
@click.option("--include-hidden", multiple=True, metavar="NAME",
              help="Enter hidden folders (and read hidden files) matching NAME, e.g. '.deploy' (repeatable).")
@click.option("--stdin-filename", default=None, metavar="PATH",
              help="The file that standard input ('-') stands for, in messages, excludes and ignore entries.")
@click.option("--profile", default=None, metavar="NAME",
              help="Rule profile: baseline (the default), restricted (security hardening as warnings) or strict "
                   "(all hardening advice as warnings); `kubelint rules` shows each rule's profiles.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule instead of the findings.")
@click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES, case_sensitive=False), default=None,
              help="Exit 1 when a finding is at or above this severity; 'never' only reports [default: warning].")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Also load the rules in DIR (repeatable).")
@click.option("--enable", multiple=True, metavar="RULES",
              help="Enable rules that are off by default: ids, 'tag:TAG' or 'all', comma-separated (repeatable).")
@click.option("--disable", multiple=True, metavar="RULES",
              help="Disable rules: ids, 'tag:TAG' or 'all', comma-separated (repeatable).")
@click.option("--max-file-size", type=click.IntRange(min=1), default=None, metavar="MIB",
              help="Refuse files larger than this many MiB [default: 20].")
@click.option("--no-render", is_flag=True,
              help="Lint the raw files of Kustomize folders instead of rendering them.")
@click.option("--allow-remote-bases", is_flag=True,
              help="Let kustomize fetch remote bases (git repositories, URLs) while rendering; offline otherwise.")
@click.option("--render-timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Give up rendering one Kustomize root after this long [default: 60].")
@click.option("--render-budget", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Give up rendering the roots not rendered yet once all renders took this long [default: 300].")
@click.option("--cel-budget", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Stop evaluating CEL (CRD rules, admission policies, CEL rules) once all evaluations took this "
                   "long; what is left is reported as not evaluated [default: 120].")
@click.option("--color", "color", type=click.Choice(COLOR_CHOICES, case_sensitive=False), default=None,
              help="Colour the text report: auto (a terminal, unless NO_COLOR is set; FORCE_COLOR forces it), "
                   "always or never [default: auto].")
@click.option("--no-color", is_flag=True, help="Same as --color never.")
@click.option("--kubernetes-version", default=None, metavar="X.Y",
              help="Validate against this Kubernetes minor [default: the newest with schemas].")
@click.option("--schema-location", multiple=True, type=click.Path(exists=True, file_okay=False), metavar="DIR",
              help="Also look up custom resource schemas in DIR (kubeconform layout; repeatable).")
@click.option("--no-strict", is_flag=True, help="Allow fields the schemas do not know.")
@click.option("--pod-security", "pod_security", multiple=True, metavar="[MODE=]LEVEL[:VERSION]",
              help="Pod Security level for namespaces whose labels do not set MODE (enforce, warn or audit; default "
                   "enforce), e.g. restricted or warn=baseline:v1.30 (repeatable) [default: privileged].")
@click.option("--admission-config", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="The cluster's AdmissionConfiguration (or PodSecurityConfiguration): Pod Security defaults and "
                   "exempt namespaces, usernames and RuntimeClasses.")
@click.option("--pod-security-user-namespaces", is_flag=True,
              help="The cluster enables the UserNamespacesPodSecurityStandards feature gate (pods with "
                   "hostUsers: false are exempt from runAsNonRoot, runAsUser, capabilities and procMount).")
@click.option("-v", "--verbose", count=True, help="Also list skipped documents, findings held back as uncertain "
              "(with the reason) and stale baseline entries.")
@click.option("-q", "--quiet", is_flag=True, help="Findings only: no source excerpt, no summary (-v lines stay).")
@click.option("--context", multiple=True, type=click.Path(), metavar="PATH",
              help="Load PATH too, so relationship rules see the whole tree, but report only on PATHS "
                   "(repeatable).")
@click.option("--policies", multiple=True, type=click.Path(), metavar="DIR",
              help="Also load the ValidatingAdmissionPolicies, bindings and params in DIR (a dump of the cluster's, "
                   "for example) and run them on PATHS; nothing in DIR is reported on (repeatable).")
@click.option("--no-cache", is_flag=True, help="Parse every file again instead of reusing cached parses.")
@click.option("--jobs", type=click.IntRange(min=0), default=0, metavar="N",
              help="Use at most N processes for a big tree (parsing from 8 MiB of files, the rules from 5,000 "
                   "objects); 1 uses this one only [default: 0, one per usable core, at most 8].")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Keep the parse cache in DIR (private to you) [default: $KUBELINT_CACHE_DIR, else the user's "
                   "cache folder].")
@click.option("--hook", is_flag=True,
              help="Pre-commit mode: lint what the index would commit and fail only on findings HEAD does not have "
                   "(git tells what is staged; PATHS are ignored).")
@click.option("--new-since", default=None, metavar="REF",
              help="Report and fail only on findings that the tree at the git revision REF does not have "
                   "(e.g. the merge base of a pull request).")
@click.option("--report", "reports", multiple=True, metavar="FORMAT=FILE",
              help="Also write the report in FORMAT to FILE (repeatable), e.g. --report sarif=kubelint.sarif.")
@click.option("--baseline", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Leave out the findings recorded in FILE: report and fail only on new ones.")
@click.option("--write-baseline", type=click.Path(dir_okay=False, writable=True), default=None, metavar="FILE",
              help="Record today's findings in FILE (then exit 0).")
@click.option("--source-root", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="SARIF, GitHub and JUnit paths and baseline entries are relative to DIR [default: .].")
@click.option("--include-suppressed", "--show-suppressed", "include_suppressed", is_flag=True,
              help="Report suppressed findings too, with the reason (SARIF: as suppressions); they never fail "
                   "the run.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Read settings from FILE [default: .kubelint.yaml here or up to the repository root].")
@click.option("--show-config", is_flag=True, help="Print the effective configuration and exit.")
@click.option("--timings", is_flag=True, expose_value=False, is_eager=True, callback=_timings,
              help="Print the time spent per stage (catalog, load, graph, rules, report) to stderr.")
def lint(paths: tuple[str, ...], **flags: Any) -> None:
    """Lint the manifests under PATHS (files, folders, '-' for stdin; default: the current folder)."""
    options = _options(flags)
    if flags["show_config"]:
        from kubelint.config import show_config as effective_config

        _emit(effective_config(options), flags["output"])
        sys.exit(EXIT_CLEAN)
    extra_reports = {**options.reports, **dict(_parse_report(value) for value in flags["reports"])}
    write_baseline, source_root = flags["write_baseline"], options.source_root
    if write_baseline and (options.new_since or options.hook):
        raise click.UsageError("--write-baseline records every finding; it cannot be combined with --new-since "
                               "or --hook")
    if options.hook:
        _check_hook_paths(paths)
    _check_written(list(paths) or ["."], options, [flags["output"], write_baseline, *extra_reports.values()])
    report = _run(list(paths) or ["."], options)
    if write_baseline:
        _write_baseline(report, write_baseline, source_root)
    format_name, output, verbose = flags["format_name"].lower(), flags["output"], flags["verbose"]
    quiet, include_suppressed = flags["quiet"], flags["include_suppressed"]

    from kubelint.report import ReportSettings, render
    from kubelint.timings import stage

    color_mode = "never" if flags["no_color"] else (flags["color"] or "auto").lower()
    settings = ReportSettings(color=use_color(color_mode, output is None and sys.stdout.isatty(), os.environ),
                              show_source=not quiet, show_summary=not quiet, verbose=verbose,
                              show_suppressed=include_suppressed, source_root=source_root,
                              fail_on=options.fail_on, statistics=flags["statistics"])
    with stage("report"):
        _emit(render(report, format_name, settings), output, machine=format_name != "text")
        for extra_format, path in extra_reports.items():
            try:
                _emit(render(report, extra_format, replace(settings, color=False)), path)
            except OSError as error:
                raise click.BadParameter(f"cannot write {path}: {error.strerror or error}",
                                         param_hint="--report") from error
    if "github" in (format_name, *extra_reports) and os.environ.get("GITHUB_STEP_SUMMARY"):
        _write_step_summary(report, settings, os.environ)
    _tell_baseline(report, verbose)
    sys.exit(EXIT_FINDINGS if report.fails(options.fail_on) else EXIT_CLEAN)


def use_color(mode: str, terminal: bool, environ: Mapping[str, str]) -> bool:
    """Whether to colour: ``always``/``never`` decide; ``auto`` colours a terminal unless ``NO_COLOR`` is set
    to a non-empty value, and colours anything when ``FORCE_COLOR`` is (no-color.org, force-color.org; an
    empty value does not count; NO_COLOR wins over FORCE_COLOR)."""
    if mode != "auto":
        return mode == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return terminal


def _options(flags: dict[str, Any]) -> Any:
    """The effective options: the configuration file's, overridden by the command line."""
    from kubelint.findings import Severity

    options = _configured(flags["config_file"], flags["rule_dirs"])
    if flags["verbose"]:
        from kubelint.config import outside_repository

        for note in outside_repository(options):
            click.echo(f"kubelint: {_shown(note)}", err=True)
    options.exclude = [*options.exclude, *flags["exclude"]]
    if flags["no_gitignore"]:
        options.gitignore = False
    options.include_hidden = [*options.include_hidden, *flags["include_hidden"]]
    options.stdin_filename = flags["stdin_filename"] or None
    if flags["fail_on"] is not None:
        options.fail_on = None if flags["fail_on"].lower() == "never" else Severity.parse(flags["fail_on"])
    options.rule_dirs = [*options.rule_dirs, *flags["rule_dirs"]]
    from kubelint.rule_selection import split_values

    enable, disable = split_values(flags["enable"]), split_values(flags["disable"])
    if enable or disable:
        from kubelint.config import merge_lists

        options.enable = merge_lists(options.enable, enable, disable)
        options.disable = merge_lists(options.disable, disable, enable)
    if flags["profile"]:
        options.profile = flags["profile"]
    options.verbose = flags["verbose"]
    options.freeze_heap = True  # one lint per process: see loader.without_cycle_collection
    options.cache = not flags["no_cache"]
    options.jobs = flags["jobs"]
    if flags["cache_dir"]:
        options.cache_dir = flags["cache_dir"]
    options.context = [*options.context, *flags["context"]]
    options.policies = [*options.policies, *flags["policies"]]
    options.hook = flags["hook"]
    if flags["new_since"]:
        options.new_since = flags["new_since"]
    if flags["namespace"]:
        options.namespace = flags["namespace"]
    if flags["max_file_size"]:
        options.max_file_size = flags["max_file_size"] * 1024 * 1024
    if flags["source_root"] is not None:
        options.source_root = flags["source_root"]
    if flags["baseline"] is not None:
        options.baseline = flags["baseline"]
    if flags["write_baseline"]:
        options.baseline = None
    if flags["no_render"]:
        options.render = False
    if flags["render_timeout"]:
        options.render_timeout = flags["render_timeout"]
    if flags["render_budget"]:
        options.render_budget = flags["render_budget"]
    if flags["cel_budget"]:
        options.cel_budget = flags["cel_budget"]
    if flags["allow_remote_bases"]:
        options.allow_remote_bases = True
    if flags["kubernetes_version"] or options.kubernetes_version:
        options.kubernetes_version = _kubernetes_version(flags["kubernetes_version"] or options.kubernetes_version)
    options.schema_location = [*options.schema_location, *flags["schema_location"]]
    if flags["no_strict"]:
        options.strict = False
    _pod_security_options(options, flags)
    return options


def _pod_security_options(options: Any, flags: Mapping[str, Any]) -> None:
    """``--pod-security``, ``--admission-config`` and the user-namespace gate, checked now (a usage error)."""
    from kubelint.analysis.psa import cluster_minor
    from kubelint.podsecurity.admission import AdmissionConfigError, settings

    if flags.get("pod_security"):
        options.pod_security = [*options.pod_security, *flags["pod_security"]]
    if flags.get("admission_config"):
        options.admission_config = flags["admission_config"]
    if flags.get("pod_security_user_namespaces"):
        options.pod_security_user_namespaces = True
    if options.pod_security or options.admission_config:
        try:
            settings(options.pod_security, options.admission_config, cluster_minor(options.kubernetes_version),
                     options.pod_security_user_namespaces)
        except AdmissionConfigError as error:
            raise click.BadParameter(_shown(str(error)), param_hint="--pod-security / --admission-config") from error


def _configured(config_file: str | None, extra_rule_dirs: tuple[str, ...] = ()) -> Any:
    """The options of the configuration file (given, or found upward), checked; defaults without one."""
    from kubelint.config import ConfigError, check_rule_ids, find_config, load_config, to_options

    path = config_file or find_config(".")
    if path is None:
        return to_options(None)
    try:
        config = load_config(path, found=not config_file)
        options = to_options(config)
        if options.enable or options.disable or options.severity or options.ignore:
            from kubelint.catalog import CatalogError, load_catalog

            try:
                known = load_catalog([*options.rule_dirs, *extra_rule_dirs])
            except CatalogError as error:
                raise click.UsageError(str(error)) from error
            check_rule_ids(config, known)
    except ConfigError as error:
        raise click.UsageError(f"invalid configuration: {error}") from error
    return options


def _write_step_summary(report: Any, settings: Any, environ: Mapping[str, str]) -> None:
    """Append the Markdown summary to ``$GITHUB_STEP_SUMMARY`` (a GitHub Actions job summary)."""
    from kubelint.report.github_format import markdown_summary

    path = environ["GITHUB_STEP_SUMMARY"]
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(markdown_summary(report, settings, environ))
    except OSError as error:
        click.echo(f"kubelint: cannot write the step summary {path}: {error.strerror or error}", err=True)


def _parse_report(value: str) -> tuple[str, str]:
    """``FORMAT=FILE`` -> (format, file); a bad value is a usage error naming the formats."""
    format_name, sep, path = value.partition("=")
    format_name = format_name.strip().lower()
    if not sep or not path or format_name not in FORMAT_CHOICES:
        raise click.BadParameter(f"{value!r} is not FORMAT=FILE with FORMAT one of {', '.join(FORMAT_CHOICES)}",
                                 param_hint="--report")
    return format_name, path


def _write_baseline(report: Any, path: str, source_root: str) -> None:
    """Record the report's findings in ``path``, then treat all of them as known (the run passes)."""
    from kubelint.baseline import BaselineError, load, write
    from kubelint.engine import apply_baseline

    try:
        count = write(path, report.findings, source_root)
        apply_baseline(report, load(path), source_root)
    except BaselineError as error:
        raise click.UsageError(str(error)) from error
    click.echo(f"kubelint: wrote {count} finding{'' if count == 1 else 's'} to the baseline {path}", err=True)


def _tell_baseline(report: Any, verbose: int) -> None:
    """On stderr: how many findings the baseline held back, and with -v its stale entries."""
    from kubelint.report.escape import escape_control

    if report.baselined or report.stale:
        click.echo(f"kubelint: baseline: {len(report.baselined)} known finding(s) not reported, "
                   f"{len(report.stale)} stale entr{'y' if len(report.stale) == 1 else 'ies'}"
                   f"{' (-v lists them)' if report.stale and not verbose else ''}", err=True)
    if verbose:
        for entry in report.stale:
            click.echo(f"kubelint: stale baseline entry: {escape_control(entry.describe())}", err=True)


def _check_hook_paths(paths: tuple[str, ...]) -> None:
    """In hook mode git says what is staged; the file names pre-commit passes (after ``--``) only have to exist.
    An option given after ``--`` (``args:`` in .pre-commit-config.yaml) is a file name there: say where it goes."""
    for path in paths:
        if path.startswith("-") and path != "-" and not os.path.lexists(path):
            raise click.BadParameter(
                f"{path!r} is not a file: the hook's options after `--` are file names; set options in "
                ".kubelint.yaml (or in the hook's `entry:`)", param_hint="PATHS")


def _check_written(paths: list[str], options: Any, outputs: list[str | None]) -> None:
    """Refuse to write a report or baseline through a symlink of the linted tree that leads out of it: a repository
    could otherwise make the run overwrite any file of the user's (``report.json -> ~/.bashrc``)."""
    from kubelint.sources.boundary import Boundary, redirected

    boundary = Boundary.around([*paths, *options.context_paths()])
    for output in outputs:
        link = boundary.redirect(output) if output else None
        if output and link is not None:
            raise click.UsageError(f"not written: {redirected(output, link)}")


def _kubernetes_version(wanted: str) -> str:
    """``--kubernetes-version``: one of the minors with schemas, else a usage error."""
    from kubelint.schema.builtin import SchemaError, resolve_version

    try:
        return resolve_version(wanted)
    except SchemaError as error:
        raise click.BadParameter(str(error), param_hint="--kubernetes-version") from error


def _run_against_git(paths: list[str], options: Any) -> Any:
    """``--hook`` and ``--new-since``: git is read only by these runs (a plain lint does not import it)."""
    from kubelint.sources.git import GitError

    try:
        if options.hook:
            from kubelint.newsince import lint_staged

            return lint_staged(options, options.new_since or "HEAD")
        from kubelint.newsince import lint_new_since

        return lint_new_since(paths, options, options.new_since)
    except GitError as error:
        raise click.UsageError(str(error)) from error


def _run(paths: list[str], options: Any) -> Any:
    """Lint, turning the errors a user can cause into usage errors (exit 2)."""
    from kubelint.catalog import CatalogError
    from kubelint.engine import UnknownProfile, UnknownRule, lint_paths
    from kubelint.schema.builtin import SchemaError
    from kubelint.sources.discover import NothingToLint, PathNotFound

    baseline_errors: tuple[type[Exception], ...] = ()
    if options.baseline is not None or options.hook or options.new_since:  # only these read a baseline
        from kubelint.baseline import BaselineError

        baseline_errors = (BaselineError,)
    try:
        if options.hook or options.new_since:
            return _run_against_git(paths, options)
        return lint_paths(paths, options)
    except PathNotFound as error:
        raise click.BadParameter(f"{_shown(str(error))} does not exist", param_hint="PATHS") from error
    except NothingToLint as error:
        raise click.UsageError(_shown(str(error))) from error
    except CatalogError as error:
        raise click.UsageError(str(error)) from error
    except SchemaError as error:
        raise click.UsageError(str(error)) from error
    except UnknownProfile as error:
        raise click.BadParameter(str(error), param_hint="--profile / profile") from error
    except UnknownRule as error:
        raise click.UsageError(f"{error}; `kubelint rules` lists them") from error
    except baseline_errors as error:
        raise click.UsageError(str(error)) from error


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "format_name",
              type=click.Choice(["text", "dot", "mermaid", "markdown", "json", "svg", "png"]),
              default="text", show_default=True,
              help="Output format. markdown: the Mermaid flowchart in a ```mermaid fence, to paste into a pull "
                   "request or a Markdown file (with --why and --diff: their Markdown answer); svg and png: "
                   "rendered by Graphviz's dot, which must be on PATH.")
@click.option("--reach", is_flag=True,
              help="Show who may connect to whom on which ports after all NetworkPolicies, and whether each "
                   "Service address in a workload's configuration is reachable.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write the graph to FILE instead of stdout.")
@click.option("--namespace", "-n", default=None,
              help="Namespace for objects that name none [default: default]; the picture then shows only this "
                   "namespace (and the objects elsewhere that its edges reach).")
@click.option("--focus", default=None, metavar="OBJ",
              help="Draw only OBJ (Kind/namespace/name or namespace/name) and the objects --depth edges from it.")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(0, 100),
              help="With --focus: how many edges away from OBJ to draw.")
@click.option("--no-findings", is_flag=True,
              help="Do not run the relationship rules: draw no finding on the edges.")
@click.option("--no-render", is_flag=True, help="Read the raw files of Kustomize folders instead of rendering them.")
@click.option("--why", nargs=2, metavar="SRC DST[:PORT]", default=None,
              help="Explain one connection: allowed or denied, and the policy lines that decide it. Names: "
                   "Kind/namespace/name, namespace/name, Namespace/NAME (its pods the tree does not show) or "
                   "outside; PORT: 8080, http, UDP/53.")
@click.option("--diff", "diff_ref", default=None, metavar="REF",
              help="With --reach: the connections opened and closed since the git revision REF (e.g. the merge "
                   "base of a pull request), with the policy lines responsible; text, markdown or json.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Read settings from FILE [default: .kubelint.yaml here or up to the repository root].")
def graph(paths: tuple[str, ...], format_name: str, reach: bool, output: str | None, namespace: str | None,
          focus: str | None, depth: int, no_findings: bool, no_render: bool, why: tuple[str, str] | None,
          diff_ref: str | None, config_file: str | None) -> None:
    """Export the resource graph of PATHS: workloads, Services, Ingresses, NetworkPolicies, Gateway API and Istio
    routes, and their edges, with the relationship findings drawn red on the edges they are about."""
    from kubelint.loader import load_tree
    from kubelint.model.units import drawn_units
    from kubelint.sources.discover import NothingToLint, PathNotFound

    if (why is not None or diff_ref is not None) and (focus is not None or no_findings):
        raise click.UsageError("--focus and --no-findings are for pictures, not for --why or --diff")
    if format_name == "png" and output is None and sys.stdout.isatty():
        raise click.UsageError("--format png writes binary data: write it to a file with -o graph.png")
    options = _configured(config_file)
    if namespace:
        options.namespace = namespace
    if no_render:
        options.render = False
    _check_written(list(paths) or ["."], options, [output])
    try:
        tree = load_tree(list(paths) or ["."], options)
    except PathNotFound as error:
        raise click.BadParameter(f"{_shown(str(error))} does not exist", param_hint="PATHS") from error
    except NothingToLint as error:
        raise click.UsageError(_shown(str(error))) from error
    if diff_ref is not None:
        _reach_diff(list(paths) or ["."], options, tree, diff_ref, format_name, output)
        return
    if why is not None:
        from kubelint.views import why as why_view

        if format_name not in why_view.FORMATS:
            raise click.BadParameter(f"--why answers as {', '.join(why_view.FORMATS)}", param_hint="--format")
        try:
            answers = why_view.explain(drawn_units(tree), *why)
        except why_view.NameError_ as error:
            raise click.BadParameter(_shown(str(error)), param_hint="--why") from error
        _emit(why_view.render(answers, format_name), output, machine=format_name == "json")
        return
    _draw(tree, format_name, reach, namespace, focus, depth, not no_findings, output)


def _draw(tree: Any, format_name: str, reach: bool, namespace: str | None, focus: str | None, depth: int,
          findings: bool, output: str | None) -> None:
    """``graph`` without --why or --diff: the picture, filtered, in text, DOT, Mermaid, Markdown, JSON or an
    image that Graphviz renders."""
    from kubelint.catalog import CatalogError
    from kubelint.engine import UnknownProfile, UnknownRule
    from kubelint.model.units import drawn_units
    from kubelint.views.edge_findings import relationship_findings
    from kubelint.views.focus import FocusError, only_namespace
    from kubelint.views.focus import focus as focused
    from kubelint.views.graph import IMAGE_FORMATS, build_view, render

    try:
        found = relationship_findings(tree) if findings else []
        view = build_view(drawn_units(tree), reach, findings=found, collapse=focus is None)
    except (CatalogError, UnknownRule, UnknownProfile) as error:
        raise click.UsageError(str(error)) from error
    if namespace:
        view = only_namespace(view, namespace)
    if focus is not None:
        try:
            view = focused(view, focus, depth)
        except FocusError as error:
            raise click.BadParameter(_shown(str(error)), param_hint="--focus") from error
    if format_name in IMAGE_FORMATS:
        from kubelint.views.graphviz import GraphvizError, render_dot

        try:
            image = render_dot(render(view, "dot"), format_name)
        except GraphvizError as error:
            raise click.UsageError(str(error)) from error
        if output is None:
            sys.stdout.flush()
            sys.stdout.buffer.write(image)
            sys.stdout.buffer.flush()
        else:
            with open(output, "wb") as handle:
                handle.write(image)
        return
    _emit(render(view, format_name), output, machine=format_name != "text")


def _reach_diff(paths: list[str], options: Any, tree: Any, revision: str, format_name: str,
                output: str | None) -> None:
    """``graph --reach --diff REF``: the tree at REF (from git's objects) against the working tree."""
    from kubelint.loader import load_tree_at
    from kubelint.sources.git import GitError
    from kubelint.views import reachdiff

    if format_name not in reachdiff.FORMATS:
        raise click.BadParameter(f"--diff reports as {', '.join(reachdiff.FORMATS)}", param_hint="--format")
    try:
        before = load_tree_at(revision, paths, options)
    except GitError as error:
        raise click.UsageError(str(error)) from error
    from kubelint.model.units import drawn_units

    diff = reachdiff.diff_reach(drawn_units(before), drawn_units(tree), revision)
    _emit(reachdiff.render(diff, format_name), output, machine=format_name == "json")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "format_name", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write the listing to FILE instead of stdout.")
@click.option("--namespace", "-n", default=None, help="Namespace for objects that name none [default: default].")
@click.option("--no-render", is_flag=True, help="Read the raw files of Kustomize folders instead of rendering them.")
@click.option("--pod-security", "pod_security", multiple=True, metavar="[MODE=]LEVEL[:VERSION]",
              help="Pod Security level for namespaces whose labels do not set MODE (as for lint; repeatable).")
@click.option("--admission-config", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="The cluster's AdmissionConfiguration (or PodSecurityConfiguration).")
@click.option("--pod-security-user-namespaces", is_flag=True,
              help="The cluster enables the UserNamespacesPodSecurityStandards feature gate.")
@click.option("--kubernetes-version", default=None, metavar="X.Y",
              help="The cluster's Kubernetes minor: what 'latest' means [default: the newest kubelint knows].")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Read settings from FILE [default: .kubelint.yaml here or up to the repository root].")
def psa(paths: tuple[str, ...], format_name: str, output: str | None, namespace: str | None, no_render: bool,
        config_file: str | None, **flags: Any) -> None:
    """Per namespace of PATHS: the Pod Security policy in force, the strictest level all its pods satisfy, and
    what raising the namespace's enforce label would refuse (a dry run)."""
    from kubelint.loader import load_tree
    from kubelint.sources.discover import NothingToLint, PathNotFound
    from kubelint.views.psa import build, render_json, render_text

    options = _configured(config_file)
    if namespace:
        options.namespace = namespace
    if no_render:
        options.render = False
    if flags["kubernetes_version"] or options.kubernetes_version:
        options.kubernetes_version = _kubernetes_version(flags["kubernetes_version"] or options.kubernetes_version)
    _pod_security_options(options, flags)
    try:
        tree = load_tree(list(paths) or ["."], options)
    except PathNotFound as error:
        raise click.BadParameter(f"{_shown(str(error))} does not exist", param_hint="PATHS") from error
    except NothingToLint as error:
        raise click.UsageError(_shown(str(error))) from error
    views = build(tree.units())
    _emit(render_json(views) if format_name == "json" else render_text(views), output, machine=format_name == "json")


@cli.group()
def cache() -> None:
    """Manage kubelint's cache folder (parsed files; private to you, bounded in size and age)."""


@cache.command()
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="The cache folder [default: $KUBELINT_CACHE_DIR, else cache-dir of .kubelint.yaml, else the "
                   "user's cache folder].")
def clean(cache_dir: str | None) -> None:
    """Remove every entry of the cache folder."""
    from pathlib import Path

    from kubelint.cachedir import UnsafeFolder, default_cache_dir
    from kubelint.cachedir import clean as clean_folder
    from kubelint.report.escape import escape_control

    if cache_dir is None:
        try:
            cache_dir = _configured(None).cache_dir  # None without KUBELINT_CACHE_DIR or a cache-dir key
        except click.UsageError:  # a broken configuration must not stop a clean-up
            cache_dir = None
    folder = Path(cache_dir) if cache_dir else default_cache_dir()
    try:
        removed = clean_folder(folder)
    except (UnsafeFolder, OSError) as error:
        raise click.UsageError(escape_control(str(error))) from error
    click.echo(f"kubelint: removed {removed.entries} cache entr{'y' if removed.entries == 1 else 'ies'} "
               f"({removed.bytes / 1048576:.1f} MiB) from {escape_control(str(folder))}", err=True)


@cli.command()
@click.option("--format", "format_name", type=click.Choice(["text", "json"], case_sensitive=False), default="text",
              show_default=True)
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Also list the rules in DIR (repeatable).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Read settings from FILE [default: .kubelint.yaml here or up to the repository root].")
def rules(format_name: str, rule_dirs: tuple[str, ...], config_file: str | None) -> None:
    """List the rules (built-in and the configuration's rule-dirs): id, severity and whether it runs with the
    configuration, tags and summary."""
    import json

    catalog, options = _catalog(rule_dirs, config_file)
    from kubelint.engine import UnknownProfile, UnknownRule, select_rules

    try:
        running = select_rules(catalog, options)
    except (UnknownRule, UnknownProfile) as error:
        raise click.UsageError(str(error)) from error
    ordered = sorted(catalog.values(), key=lambda rule: rule.id)
    severity = {rule.id: running[rule.id].severity if rule.id in running else rule.severity for rule in ordered}
    if format_name.lower() == "json":
        listing = [{"id": rule.id, "severity": str(severity[rule.id]), "enabled": rule.id in running,
                    "default_severity": str(rule.severity), "default_enabled": rule.enabled,
                    "tags": list(rule.tags), "profiles": list(rule.profiles), "check": rule.check,
                    "summary": rule.summary, "builtin": not rule.user} for rule in ordered]
        _emit(json.dumps(listing, indent=2) + "\n", None, machine=True)
        return
    width = max(len(rule.id) for rule in ordered)
    lines = [f"{'rule':<{width}}  severity  enabled  {'profiles':<18}  {'tags':<22}  summary"]
    for rule in ordered:
        tags = ",".join(rule.tags)
        lines.append(f"{rule.id:<{width}}  {severity[rule.id]!s:<8}  {'yes' if rule.id in running else 'no':<7}  "
                     f"{','.join(rule.profiles) or '-':<18}  {tags:<22}  {rule.summary}")
    if options.config_file:
        lines.append(f"(enabled and severity as configured in {options.config_file})")
    _emit("\n".join(lines) + "\n", None)


@cli.command()
@click.argument("rule_id", metavar="RULE")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Also look in the rules in DIR (repeatable).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Read settings from FILE [default: .kubelint.yaml here or up to the repository root].")
def explain(rule_id: str, rule_dirs: tuple[str, ...], config_file: str | None) -> None:
    """Explain a rule: what it finds, why it matters, examples and the fix (user rules of rule-dirs too)."""
    from kubelint.views.explain import explain_text, nearest_rule

    catalog, _ = _catalog(rule_dirs, config_file)
    rule = catalog.get(rule_id.lower())
    if rule is None:
        hint = nearest_rule(rule_id, catalog)
        raise click.UsageError(f"unknown rule id {rule_id!r}" + (f"; did you mean {hint!r}?" if hint else "")
                               + " (`kubelint rules` lists them)")
    _emit(explain_text(rule, catalog), None)


@cli.command("test")
@click.argument("rules_dir", metavar="RULES_DIR", type=click.Path(exists=True, file_okay=False))
@click.option("--fixtures", "fixtures_dir", type=click.Path(exists=True, file_okay=False), default=None,
              metavar="DIR", help="The fixture folders [default: RULES_DIR/fixtures, else fixtures/ beside it].")
def test_rules(rules_dir: str, fixtures_dir: str | None) -> None:
    """Test the rules in RULES_DIR against their fixtures: every line marked '# expect: RULE' must carry a
    finding of RULE, and no other line may (exit 1 when one does not)."""
    from pathlib import Path

    from kubelint.catalog import CatalogError
    from kubelint.views.ruletest import FixtureError, describe, run_rule_tests

    try:
        outcomes = run_rule_tests(rules_dir, Path(fixtures_dir) if fixtures_dir else None)
    except (CatalogError, FixtureError) as error:
        raise click.UsageError(str(error)) from error
    if not outcomes:
        raise click.UsageError(f"{rules_dir} holds no rule files")
    _emit(describe(outcomes), None)
    sys.exit(EXIT_CLEAN if all(outcome.passed for outcome in outcomes) else EXIT_FINDINGS)


def _catalog(rule_dirs: tuple[str, ...], config_file: str | None = None) -> tuple[Any, Any]:
    """The catalogue with the configuration's rule-dirs and ``rule_dirs``, and the configured options."""
    from kubelint.catalog import CatalogError, load_catalog

    options = _configured(config_file, rule_dirs)
    options.rule_dirs = [*options.rule_dirs, *rule_dirs]
    try:
        return load_catalog(options.rule_dirs), options
    except CatalogError as error:
        raise click.UsageError(str(error)) from error


def _shown(text: str) -> str:
    """A path or message for stderr, escaped (no control characters, newlines or undecodable bytes)."""
    from kubelint.report.escape import escape_control

    return escape_control(text)


def _emit(text: str, output: str | None, machine: bool = False) -> None:
    """Write a report or listing to ``output`` (UTF-8) or stdout. ``machine`` formats (JSON, SARIF, JUnit, DOT,
    Mermaid) are UTF-8 whatever the locale, as their readers expect; text follows the terminal's encoding, with
    characters it cannot show as escapes rather than a crash (a strict locale such as ``LC_ALL=C``)."""
    if output is None:
        if machine and hasattr(sys.stdout, "buffer") and (sys.stdout.encoding or "").lower() not in ("utf-8", "utf8"):
            sys.stdout.flush()
            sys.stdout.buffer.write(text.encode("utf-8", "backslashreplace"))
            sys.stdout.buffer.flush()
            return
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    with open(output, "w", encoding="utf-8", errors="backslashreplace") as handle:
        handle.write(text)


def _exit_now(done: SystemExit) -> None:
    """Exit without freeing the heap object by object (most of a second for a 100k-object tree; the
    operating system takes the memory back at once). Output is flushed first; anything unusual, and
    runs under a profiler or coverage, exit the normal way."""
    code = done.code
    if code is not None and not isinstance(code, int):
        raise done
    if _observed():
        raise done  # a profiler or coverage writes its data at exit
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        raise done from None
    os._exit(code or 0)


def _observed() -> bool:
    """Whether a profiler, tracer, debugger or coverage watches this process: ``sys.setprofile``/``settrace``, or
    (Python 3.12+, where cProfile and others register there) a tool of ``sys.monitoring``."""
    if sys.getprofile() is not None or sys.gettrace() is not None or "coverage" in sys.modules:
        return True
    monitoring = getattr(sys, "monitoring", None)
    return monitoring is not None and any(monitoring.get_tool(tool) is not None for tool in range(6))


def _tolerant_streams() -> None:
    """Characters the locale cannot encode (a strict ``LC_ALL=C``) are written as escapes, never a crash."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(OSError, ValueError):
                reconfigure(errors="backslashreplace")


def main() -> None:
    """Console entry point: exit 3 with one line naming the file being processed on an internal error.

    That line is escaped (a file name holding a newline could otherwise start a line of its own, such as a
    GitHub workflow command)."""
    from kubelint.progress import InternalError

    _tolerant_streams()
    try:
        cli.main(standalone_mode=True)
    except SystemExit as done:
        _exit_now(done)
    except InternalError as error:
        click.echo(f"kubelint: {_shown(str(error))}", err=True)
        sys.exit(EXIT_INTERNAL)
    except Exception as error:
        click.echo(f"kubelint: internal error: {type(error).__name__}: {_shown(str(error))}", err=True)
        sys.exit(EXIT_INTERNAL)
