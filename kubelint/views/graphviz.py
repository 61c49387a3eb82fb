"""Render DOT with Graphviz's ``dot`` (``kubelint graph --format svg|png``): a subprocess with the DOT on stdin,
no shell, a time limit and a bound on what it may print."""

from __future__ import annotations

import shutil
import subprocess

TIMEOUT = 60.0
"""Seconds ``dot`` may take (a layout of thousands of nodes takes a few; a stuck one is stopped)."""
MAX_OUTPUT = 64 * 1024 * 1024
"""Bytes of rendered picture accepted."""


class GraphvizError(RuntimeError):
    """``dot`` is missing, failed or took too long (the message says which and what to do)."""


def dot_command() -> str | None:
    """The path of Graphviz's ``dot`` on PATH, if any."""
    return shutil.which("dot")


def render_dot(source: str, image_format: str, timeout: float = TIMEOUT) -> bytes:
    """``source`` (DOT) rendered as ``svg`` or ``png``."""
    if image_format not in ("svg", "png"):
        raise ValueError(f"unknown image format {image_format!r}")
    command = dot_command()
    if command is None:
        raise GraphvizError(f"--format {image_format} needs Graphviz's dot on PATH (Debian/Ubuntu: apt install "
                            f"graphviz; macOS: brew install graphviz), or write DOT and render it yourself: "
                            f"kubelint graph PATHS --format dot | dot -T{image_format} -o graph.{image_format}")
    try:
        done = subprocess.run([command, f"-T{image_format}"], input=source.encode("utf-8", "surrogateescape"),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise GraphvizError(f"dot took longer than {timeout:g} s; draw less (--namespace, --focus) or render "
                            "the DOT yourself") from error
    except OSError as error:
        raise GraphvizError(f"could not run {command}: {error.strerror or error}") from error
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GraphvizError(f"dot failed (exit {done.returncode}): {' / '.join(message[:3]) or 'no message'}")
    if len(done.stdout) > MAX_OUTPUT:
        raise GraphvizError(f"dot wrote more than {MAX_OUTPUT // (1024 * 1024)} MB; draw less (--namespace, --focus)")
    return done.stdout
