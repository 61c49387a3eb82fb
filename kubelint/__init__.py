"""kubelint: a Kubernetes manifest linter that understands how objects relate.

The public Python API is :func:`lint`; everything else is internal and may change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from kubelint.engine import Report
    from kubelint.options import Options

__all__ = ["__version__", "lint"]


def lint(paths: list[str], options: Options | None = None) -> Report:
    """Lint manifest files and folders and return the report (findings plus what was read)."""
    from kubelint.engine import lint_paths
    from kubelint.options import Options

    return lint_paths(paths, options or Options())
