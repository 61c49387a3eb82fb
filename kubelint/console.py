"""The ``kubelint`` command (and ``python -m kubelint``): the command line, its modules loaded with Python's
cycle collector paused.

Importing the command line (click, typing, inspect, enum, ...) creates tens of thousands of objects that live as
long as the process and hold no garbage; the collector, run every few hundred allocations, walked them again and
again (about 8 M instructions of a one-file lint). They are loaded with it paused and then exempted from later
collections (``gc.freeze``), which is right for a process that runs one command and exits.
"""

from __future__ import annotations

import gc


def main() -> None:
    """Run the command line (:func:`kubelint.cli.main`)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        from kubelint.cli import main as command_line
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
    command_line()
