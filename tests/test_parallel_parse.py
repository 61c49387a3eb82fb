"""A big tree is parsed by worker processes: what they send back equals a parse in this process, file by file, with
and without the parse cache; a file a worker cannot parse or send, and every file left when a worker dies, is parsed
in this process; workers are not used for a small tree, ``jobs`` 1, standard input or a process with threads."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kubelint import forked
from kubelint.cli import cli
from kubelint.loader import candidates, load_sources
from kubelint.options import Options
from kubelint.sources import parallel, read
from kubelint.sources.discover import STDIN, Candidate
from kubelint.sources.read import Source, load_source

ROOT = Path(__file__).resolve().parent.parent
TREES = [str(ROOT / "fixtures"), str(ROOT / "tests" / "hostile"), str(ROOT / "examples")]
PARENT = os.getpid()


@pytest.fixture(autouse=True)
def small_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers for any tree, in runs of 32 KiB (the fixtures make dozens of runs)."""
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 32 * 1024)


def _files() -> list[Candidate]:
    files, _ = candidates(TREES, Options(render=False))
    return files


def _in_workers(files: list[Candidate], cache: Any = None) -> list[Source | None]:
    parsed = parallel.parse_in_workers(files, read.DEFAULT_MAX_FILE_SIZE, cache, None, jobs=2)
    assert parsed is not None, "the workers were not used"
    return list(parsed)


def _options(jobs: int, cache_dir: Path | None = None) -> Options:
    return Options(jobs=jobs, render=False, cache=cache_dir is not None,
                   cache_dir=None if cache_dir is None else str(cache_dir))


def test_every_file_parsed_by_the_workers_equals_its_parse_here() -> None:
    files = _files()
    parsed = _in_workers(files)
    assert len(parsed) == len(files) > 200
    assert all(source is not None for source in parsed)
    assert [source for source in parsed] == [load_source(candidate) for candidate in files]
    assert any(source is not None and source.documents and source.documents[0].table is not None
               for source in parsed)  # compact position tables crossed
    assert any(source is not None and source.problems for source in parsed)


def test_a_lint_on_the_workers_equals_a_lint_here() -> None:
    files = _files()
    assert load_sources(files, _options(jobs=2)) == load_sources(files, _options(jobs=1))


def test_the_workers_fill_the_cache_and_a_serial_run_reads_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    files = _files()
    expected = load_sources(files, _options(jobs=1))
    assert load_sources(files, _options(jobs=2, cache_dir=tmp_path / "cache")) == expected
    assert len(list((tmp_path / "cache" / "parse" / "packs").glob("*.pack"))) == 1  # written by this process

    def no_parse(text: str) -> Any:
        raise AssertionError("parsed again although cached")

    monkeypatch.setattr(read, "parse_text", no_parse)
    assert load_sources(files, _options(jobs=1, cache_dir=tmp_path / "cache")) == expected
    assert load_sources(files, _options(jobs=2, cache_dir=tmp_path / "cache")) == expected  # workers read it too


def _failing_in_workers(monkeypatch: pytest.MonkeyPatch, name: str, fail: Any) -> None:
    def load(candidate: Candidate, *args: Any) -> Source:
        if os.getpid() != PARENT and candidate.display.endswith(name):
            return fail(candidate)  # type: ignore[no-any-return]
        return load_source(candidate, *args)

    monkeypatch.setattr(parallel, "load_source", load)


def _raise(candidate: Candidate) -> Source:
    raise RuntimeError(f"cannot parse {candidate.display}")


def _unsendable(candidate: Candidate) -> Source:
    source = load_source(candidate)
    source.documents[0].data = {"value": object()}
    return source


@pytest.mark.parametrize("fail", [_raise, _unsendable])
def test_a_file_a_worker_cannot_parse_or_send_is_parsed_here(monkeypatch: pytest.MonkeyPatch, fail: Any) -> None:
    files = _files()
    name = os.path.join("examples", "shop", "cart.yaml")
    assert any(candidate.display.endswith(name) for candidate in files)
    _failing_in_workers(monkeypatch, name, fail)
    parsed = _in_workers(files)
    missing = [candidate.display for candidate, source in zip(files, parsed, strict=True) if source is None]
    assert len(missing) == 1 and missing[0].endswith(name)
    assert load_sources(files, _options(jobs=2)) == load_sources(files, _options(jobs=1))


def test_the_files_of_a_dead_worker_are_parsed_here(monkeypatch: pytest.MonkeyPatch) -> None:
    files = _files()
    middle = files[len(files) // 2].display
    _failing_in_workers(monkeypatch, middle, lambda candidate: os._exit(9))
    parsed = _in_workers(files)
    position = [candidate.display for candidate in files].index(middle)
    assert parsed[position] is None and parsed[0] is not None
    assert all(source is None for source in parsed[position:])
    assert load_sources(files, _options(jobs=2)) == load_sources(files, _options(jobs=1))


@pytest.fixture
def another_thread() -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    yield
    stop.set()
    thread.join()


def test_no_workers_for_one_job_a_small_tree_or_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    files = _files()
    sized: list[str] = []
    real_size = parallel._size
    monkeypatch.setattr(parallel, "_size", lambda path: sized.append(path) or real_size(path))
    assert parallel.parse_in_workers(files, read.DEFAULT_MAX_FILE_SIZE, None, None, jobs=1) is None
    assert sized == []  # the serial path does not stat every file
    assert parallel.parse_in_workers([*files, Candidate(STDIN, STDIN)], 1 << 20, None, None) is None
    size = sum(os.path.getsize(candidate.path) for candidate in files if os.path.exists(candidate.path))
    monkeypatch.setattr(parallel, "MIN_BYTES", size + 1)
    assert parallel.parse_in_workers(files, read.DEFAULT_MAX_FILE_SIZE, None, None) is None
    monkeypatch.setattr(parallel, "MIN_BYTES", size)
    assert parallel.parse_in_workers(files, read.DEFAULT_MAX_FILE_SIZE, None, None) is not None


@pytest.mark.usefixtures("another_thread")
def test_no_workers_forked_from_a_process_with_threads() -> None:
    assert not forked.can_fork()
    assert parallel.parse_in_workers(_files(), read.DEFAULT_MAX_FILE_SIZE, None, None) is None


def test_jobs_on_the_command_line(tmp_path: Path) -> None:
    outputs = []
    for jobs in ("1", "2", "0"):
        result = CliRunner().invoke(cli, ["lint", *TREES, "--no-cache", "--format", "json", "--fail-on", "never",
                                          "--jobs", jobs])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert outputs[0] == outputs[1] == outputs[2] and '"findings"' in outputs[0]
    refused = CliRunner().invoke(cli, ["lint", *TREES, "--jobs", "-1"])
    assert refused.exit_code == 2 and "--jobs" in refused.output


@pytest.fixture(scope="module")
def committed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixtures and examples committed to a git repository (symlinks, unreadable files and all)."""
    import shutil

    from git_repo import git, init_repo

    repo = init_repo(tmp_path_factory.mktemp("state") / "repo")
    shutil.copytree(ROOT / "fixtures", repo / "fixtures", symlinks=True)
    shutil.copytree(ROOT / "examples", repo / "examples", symlinks=True)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "state")
    return repo


def _state(repo: Path, jobs: int, cache_dir: Path | None = None) -> list[Source]:
    from kubelint.sources.git import repository
    from kubelint.sources.snapshot import load

    return load(repository(".").tree("HEAD"), ["."], _options(jobs, cache_dir)).sources


def test_a_git_tree_state_parsed_by_the_workers_equals_its_parse_here(committed: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[bool] = []
    real = parallel.parse_each

    def spy(*args: Any) -> Any:
        result = real(*args)
        used.append(result is not None)
        return result

    monkeypatch.setattr(parallel, "parse_each", spy)
    monkeypatch.chdir(committed)
    expected = _state(committed, jobs=1)
    assert len(expected) > 200 and used == [False]
    assert _state(committed, jobs=2) == expected and used[-1]
    assert _state(committed, jobs=2, cache_dir=tmp_path / "cache") == expected  # the workers fill the cache

    def no_parse(text: str) -> Any:
        raise AssertionError("parsed again although cached")

    monkeypatch.setattr(read, "parse_text", no_parse)
    assert _state(committed, jobs=1, cache_dir=tmp_path / "cache") == expected
