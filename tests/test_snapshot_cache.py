"""Files of a git tree state find their cached parse by blob id: a warm hook reads no file's bytes from git."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from git_repo import commit, init_repo

from kubelint.options import Options
from kubelint.sources import cache as parse_cache
from kubelint.sources import snapshot as snapshot_module
from kubelint.sources.cache import ParseCache
from kubelint.sources.git import Snapshot, repository

FILES = {
    "app/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n",
    "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  name: d\ndata: {a: yes}\n",
    "app/broken.yaml": "a: [1\n",
    "chart/Chart.yaml": "name: c\nversion: 1.0.0\n",
    "chart/templates/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n",
    "big.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {x: '" + "x" * 5000 + "'}\n",
}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = init_repo(tmp_path / "repo")
    commit(root, FILES)
    monkeypatch.chdir(root)
    return root


def _load(options: Options, reads: list[list[str]], monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    original = Snapshot.read

    def read(self: Snapshot, paths: Any) -> dict[str, bytes]:
        paths = list(paths)
        reads.append(paths)
        return original(self, paths)

    monkeypatch.setattr(Snapshot, "read", read)
    loaded = snapshot_module.load(repository(".").tree("HEAD"), ["."], options)
    return sorted((s.display, s.text, [(d.data, dict(d.positions), dict(d.implicit)) for d in s.documents],
                   [(p.code, p.message, p.line, p.column) for p in s.problems]) for s in loaded.sources)


def test_a_second_load_reads_no_file_from_git_and_gives_the_same_sources(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    options = Options(cache_dir=str(tmp_path / "cache"))
    first_reads: list[list[str]] = []
    first = _load(options, first_reads, monkeypatch)
    again_reads: list[list[str]] = []
    again = _load(options, again_reads, monkeypatch)
    assert sum(map(len, first_reads)) >= 5 and sum(map(len, again_reads)) == 0
    assert again == first
    assert _load(Options(cache=False), [], monkeypatch) == first  # as parsed without a cache
    codes = {problem[0] for source in first for problem in source[3]}
    assert {"yaml-syntax", "yaml-duplicate-key", "unrenderable-template"} <= codes


def test_a_smaller_size_limit_is_applied_to_cached_files(repo: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _load(Options(cache_dir=str(tmp_path / "cache")), [], monkeypatch)
    sources = _load(Options(cache_dir=str(tmp_path / "cache"), max_file_size=1000), [], monkeypatch)
    big = next(source for source in sources if source[0] == "big.yaml")
    assert big[2] == [] and big[3][0][0] == "file-too-large"


def test_a_damaged_blob_entry_is_read_and_parsed_again(repo: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    options = Options(cache_dir=str(tmp_path / "cache"))
    first = _load(options, [], monkeypatch)
    cache = ParseCache(tmp_path / "cache")
    oid = repository(".").tree("HEAD").entries["app/deploy.yaml"].oid
    key = cache.blob_key(oid, False)
    entry = tmp_path / "cache" / "parse" / key[:2] / key[2:]
    entry.write_bytes(entry.read_bytes().replace(b"web", b"wob"))
    reads: list[list[str]] = []
    assert _load(options, reads, monkeypatch) == first
    assert reads == [["app/deploy.yaml"]]


def test_blob_keys_name_the_blob_and_how_it_is_read(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "cache")
    keys = {cache.blob_key(oid, chart) for oid in ("a" * 40, "b" * 40) for chart in (False, True)}
    assert len(keys) == 4 and cache.key(b"x") not in keys


def test_entries_of_one_kind_never_read_as_the_other() -> None:
    parse_entry = parse_cache.encode((True, [], []))
    blob_entry = parse_cache.encode_blob(("text", [], []))
    assert parse_cache.decode_blob(blob_entry) == ("text", [], [])
    for decode, payload in ((parse_cache.decode_blob, parse_entry), (parse_cache.decode, blob_entry)):
        with pytest.raises(ValueError):
            decode(payload)
