"""Coverage-guided fuzzing of the whole pipeline with atheris (libFuzzer for Python); see docs/fuzzing.md.

    pip install atheris
    python fuzz/lint_target.py fuzz/corpus -max_total_time=3600      # the pipeline: lint + every format
    python fuzz/lint_target.py -loader-only fuzz/corpus -runs=1000000  # only the YAML loader, faster

Each input is the bytes of one manifest file (the first byte picks a file name suffix). A crash is an
exception (exit 3 for a user), a failed output invariant (``tests/pipeline_invariants.py``), or a hang
(libFuzzer's ``-timeout``, 25 s by default here). Reproduce one with ``python fuzz/lint_target.py CRASH_FILE``;
then add it to ``tests/hostile/`` as a case.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import atheris  # type: ignore[import-not-found]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

with atheris.instrument_imports():
    from kubelint.sources.yaml import parse
    from pipeline_invariants import check_outputs, lint_folder

SUFFIXES = (".yaml", ".yml", ".json")
LOADER_ONLY = "-loader-only" in sys.argv


def one_input(data: bytes) -> None:
    """Lint one file made of ``data`` and check every output (or only parse it, with ``-loader-only``)."""
    if LOADER_ONLY:
        text = data.decode("utf-8", "replace")
        for problem in parse(text)[1]:
            assert problem.line >= 1 and problem.column >= 1, problem
        return
    suffix = SUFFIXES[data[0] % len(SUFFIXES)] if data else ".yaml"
    with tempfile.TemporaryDirectory(prefix="kubelint-fuzz-") as folder:
        Path(folder, "input" + suffix).write_bytes(data[1:])
        check_outputs(lint_folder(Path(folder)))


def _reproducing(arguments: list[str]) -> bool:
    return any(os.path.isfile(argument) for argument in arguments[1:])


def _seeded(corpus: Path) -> Path:
    """The default corpus folder (git-ignored), seeded with every rule fixture on first use."""
    if not corpus.is_dir():
        corpus.mkdir()
        fixtures = Path(__file__).resolve().parent.parent / "fixtures"
        for index, fixture in enumerate(sorted(f for f in fixtures.glob("*/*.yaml") if f.is_file())):
            (corpus / f"seed-{index:04d}").write_bytes(b"\0" + fixture.read_bytes())
    return corpus


def main() -> None:
    arguments = [argument for argument in sys.argv if argument != "-loader-only"]
    if not any(argument.startswith("-timeout=") for argument in arguments):
        arguments.append("-timeout=25")
    if not any(os.path.isdir(argument) for argument in arguments[1:]) and not _reproducing(arguments):
        arguments.append(str(_seeded(Path(__file__).resolve().parent / "corpus")))
    atheris.Setup(arguments, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
