"""The command line: parse options, call the API, pick a reporter. Nothing else lives here."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from kubelint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
SEVERITY_CHOICES = ("error", "warning", "info", "never")


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
@click.option("--format", "format_name", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Report format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write the report to FILE instead of stdout.")
@click.option("--namespace", "-n", default=None, help="Namespace for objects that name none [default: default].")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable).")
@click.option("--fail-on", type=click.Choice(SEVERITY_CHOICES), default="warning", show_default=True,
              help="Exit 1 when a finding is at or above this severity; 'never' only reports.")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Also load the rules in DIR (repeatable).")
@click.option("--enable", multiple=True, metavar="RULE", help="Enable a rule that is off by default.")
@click.option("--disable", multiple=True, metavar="RULE", help="Disable a rule ('all' for every rule).")
@click.option("--max-file-size", type=click.IntRange(min=1), default=None, metavar="MIB",
              help="Refuse files larger than this many MiB [default: 20].")
@click.option("--no-color", is_flag=True, help="Never colour the output (NO_COLOR is honoured too).")
@click.option("-v", "--verbose", count=True, help="Also list skipped documents.")
@click.option("-q", "--quiet", is_flag=True, help="Findings only: no source excerpt, no summary.")
@click.option("--timings", is_flag=True, expose_value=False, is_eager=True, callback=_timings,
              help="Print the time spent per stage (catalog, load, graph, rules, report) to stderr.")
def lint(paths: tuple[str, ...], format_name: str, output: str | None, namespace: str | None,
         exclude: tuple[str, ...], fail_on: str, rule_dirs: tuple[str, ...], enable: tuple[str, ...],
         disable: tuple[str, ...], max_file_size: int | None, no_color: bool, verbose: int,
         quiet: bool) -> None:
    """Lint the manifests under PATHS (files, folders, '-' for stdin; default: the current folder)."""
    from kubelint.findings import Severity
    from kubelint.options import Options

    options = Options(
        exclude=list(exclude),
        fail_on=None if fail_on == "never" else Severity.parse(fail_on),
        rule_dirs=list(rule_dirs),
        enable=list(enable),
        disable=list(disable),
        verbose=verbose,
    )
    if namespace:
        options.namespace = namespace
    if max_file_size:
        options.max_file_size = max_file_size * 1024 * 1024
    report = _run(list(paths) or ["."], options)

    from kubelint.report import ReportSettings, render
    from kubelint.timings import stage

    color = (output is None and not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty())
    settings = ReportSettings(color=color, show_source=not quiet, verbose=verbose)
    with stage("report"):
        text = render(report, format_name, settings)
    if quiet and format_name == "text":
        text = "".join(line for line in text.splitlines(keepends=True)[:-1])
    with stage("report"):
        _emit(text, output)
    sys.exit(EXIT_FINDINGS if report.fails(options.fail_on) else EXIT_CLEAN)


def _run(paths: list[str], options: Any) -> Any:
    """Lint, turning the errors a user can cause into usage errors (exit 2)."""
    from kubelint.catalog import CatalogError
    from kubelint.engine import UnknownRule, lint_paths
    from kubelint.sources.discover import PathNotFound

    try:
        return lint_paths(paths, options)
    except PathNotFound as error:
        raise click.BadParameter(f"{error} does not exist", param_hint="PATHS") from error
    except CatalogError as error:
        raise click.UsageError(str(error)) from error
    except UnknownRule as error:
        raise click.UsageError(f"unknown rule id {error}; `kubelint rules` lists them") from error


def _emit(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    with open(output, "w", encoding="utf-8") as handle:
        handle.write(text)


def _exit_now(done: SystemExit) -> None:
    """Exit without freeing the heap object by object (most of a second for a 100k-object tree; the
    operating system takes the memory back at once). Output is flushed first; anything unusual, and
    runs under a profiler or coverage, exit the normal way."""
    code = done.code
    if code is not None and not isinstance(code, int):
        raise done
    if sys.getprofile() is not None or sys.gettrace() is not None or "coverage" in sys.modules:
        raise done  # a profiler or coverage writes its data at exit
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        raise done from None
    os._exit(code or 0)


def main() -> None:
    """Console entry point: exit 3 with one line naming the file being processed on an internal error."""
    from kubelint.progress import InternalError

    try:
        cli.main(standalone_mode=True)
    except SystemExit as done:
        _exit_now(done)
    except InternalError as error:
        click.echo(f"kubelint: {error}", err=True)
        sys.exit(EXIT_INTERNAL)
    except Exception as error:
        click.echo(f"kubelint: internal error: {type(error).__name__}: {error}", err=True)
        sys.exit(EXIT_INTERNAL)
