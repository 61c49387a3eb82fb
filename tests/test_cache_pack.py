"""A run that writes many cache entries writes them into one pack file: read back equal, signed entry by entry,
atomic (nothing of an unfinished or failed pack is read), damaged packs are misses, and packs are pruned and
cleaned like any entry."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from kubelint import cachedir, cachepack
from kubelint.cachedir import PACK_AFTER, CacheFolder
from kubelint.loader import load_sources
from kubelint.options import Options
from kubelint.sources import read
from kubelint.sources.discover import Candidate

KEY = b"k" * 32
COUNT = PACK_AFTER + 8


def _entries(count: int = COUNT) -> dict[str, bytes]:
    return {f"{index:02x}{'e' * 38}": f"payload {index} ".encode() * (index + 1) for index in range(count)}


def _fill(root: Path, entries: dict[str, bytes]) -> None:
    store = CacheFolder(root, "parse", KEY)
    for name, payload in entries.items():
        store.put(name, name.encode(), payload)
    store.close()


def _files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file() and path.name != ".pruned")


def _packs(root: Path) -> list[Path]:
    return sorted((root / "parse" / "packs").glob("*.pack"))


def test_many_entries_go_into_one_pack_and_read_back_equal(tmp_path: Path) -> None:
    entries = _entries()
    _fill(tmp_path / "c", entries)
    assert _files(tmp_path / "c") == _packs(tmp_path / "c") and len(_packs(tmp_path / "c")) == 1
    store = CacheFolder(tmp_path / "c", "parse", KEY)
    assert {name: store.get(name, name.encode()) for name in entries} == entries
    name = next(iter(entries))
    assert store.get(name, b"another binding") is None
    assert CacheFolder(tmp_path / "c", "parse", b"x" * 32).get(name, name.encode()) is None


def test_a_few_entries_are_a_file_each(tmp_path: Path) -> None:
    entries = _entries(PACK_AFTER)
    _fill(tmp_path / "c", entries)
    assert not _packs(tmp_path / "c") and len(_files(tmp_path / "c")) == PACK_AFTER
    store = CacheFolder(tmp_path / "c", "parse", KEY)
    assert all(store.get(name, name.encode()) == payload for name, payload in entries.items())


def test_a_damaged_entry_in_a_pack_is_a_miss_and_the_others_hit(tmp_path: Path) -> None:
    entries = _entries()
    _fill(tmp_path / "c", entries)
    pack = _packs(tmp_path / "c")[0]
    index = cachepack.read_index(str(pack), os.O_RDONLY)
    assert index is not None
    damaged = next(iter(entries))
    offset, length = index[damaged]
    data = bytearray(pack.read_bytes())
    data[offset + length - 1] ^= 1
    pack.write_bytes(bytes(data))
    store = CacheFolder(tmp_path / "c", "parse", KEY)
    assert store.get(damaged, damaged.encode()) is None
    assert all(store.get(name, name.encode()) == payload for name, payload in entries.items() if name != damaged)
    _fill(tmp_path / "c", {damaged: entries[damaged]})  # written again, as a file: found although the pack names it
    again = CacheFolder(tmp_path / "c", "parse", KEY)
    assert all(again.get(name, name.encode()) == entries[name] for name in reversed(entries))  # packs read first


def test_an_index_pointing_at_another_entry_is_a_miss(tmp_path: Path) -> None:
    """The index is not signed: pointing one name at another entry's bytes must not make it a hit."""
    entries = _entries()
    _fill(tmp_path / "c", entries)
    pack = _packs(tmp_path / "c")[0]
    first, second = list(entries)[:2]
    data = pack.read_bytes()
    index = cachepack.read_index(str(pack), os.O_RDONLY)
    assert index is not None
    index[first] = index[second]
    body = data[:len(data) - len(cachepack.PACK_MAGIC) - 8 - int.from_bytes(data[-8:], "big")]
    text = ("{" + ",".join(f'"{name}":[{offset},{length}]' for name, (offset, length) in index.items()) + "}").encode()
    pack.write_bytes(body + text + cachepack.PACK_MAGIC + len(text).to_bytes(8, "big"))
    store = CacheFolder(tmp_path / "c", "parse", KEY)
    assert store.get(second, second.encode()) == entries[second]
    assert store.get(first, first.encode()) is None


@pytest.mark.parametrize("damage", ["truncated", "no footer", "huge index", "bad index", "not json", "fifo"])
def test_a_damaged_pack_is_a_miss(tmp_path: Path, damage: str) -> None:
    entries = _entries()
    _fill(tmp_path / "c", entries)
    pack = _packs(tmp_path / "c")[0]
    data = pack.read_bytes()
    magic = cachepack.PACK_MAGIC
    if damage == "truncated":
        pack.write_bytes(data[: len(data) // 2])
    elif damage == "no footer":
        pack.write_bytes(data[: -len(magic) - 8])
    elif damage == "huge index":
        pack.write_bytes(data[:-8] + (1 << 62).to_bytes(8, "big"))
    elif damage == "bad index":
        text = b'{"a":[0,99999999999]}'
        pack.write_bytes(data + text + magic + len(text).to_bytes(8, "big"))
    elif damage == "not json":
        text = b"[" * 100000
        pack.write_bytes(data + text + magic + len(text).to_bytes(8, "big"))
    else:
        pack.unlink()
        os.mkfifo(pack)
    store = CacheFolder(tmp_path / "c", "parse", KEY)
    assert all(store.get(name, name.encode()) is None for name in entries)


def test_a_failing_pack_write_is_not_fatal_and_leaves_nothing_read(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    entries = _entries()
    written: list[int] = []

    def full_disk(self: cachepack.PackWriter, name: str, blob: bytes) -> None:
        written.append(1)
        if len(written) > 3:
            raise OSError(28, "No space left on device")
        self._stream.write(blob)

    monkeypatch.setattr(cachepack.PackWriter, "add", full_disk)
    _fill(tmp_path / "c", entries)
    assert _files(tmp_path / "c") == []  # the temporary pack is removed, no entry file written
    store = CacheFolder(tmp_path / "c", "parse", KEY)
    assert all(store.get(name, name.encode()) is None for name in entries)


def test_a_pack_that_cannot_be_renamed_is_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(source: str, target: str) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(cachepack.os, "replace", refuse)
    _fill(tmp_path / "c", _entries())
    assert _files(tmp_path / "c") == []


def test_an_unfinished_pack_is_never_read(tmp_path: Path) -> None:
    """A run that dies before its end (a crash, ``os._exit``) leaves only a temporary file."""
    entries = _entries()
    store = CacheFolder(tmp_path / "c", "parse", KEY)
    for name, payload in entries.items():
        store.put(name, name.encode(), payload)
    assert not _packs(tmp_path / "c") and [path.name[:5] for path in _files(tmp_path / "c")] == [".tmp-"]
    reader = CacheFolder(tmp_path / "c", "parse", KEY)
    assert all(reader.get(name, name.encode()) is None for name in entries)
    assert all(store.get(name, name.encode()) is None for name in entries)  # this run's own are not read either
    store.close()
    finished = CacheFolder(tmp_path / "c", "parse", KEY)
    assert all(finished.get(name, name.encode()) == payload for name, payload in entries.items())


def test_only_the_newest_packs_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cachedir, "PACKS_READ", 2)
    runs = [{f"{run:02x}{index:02x}{'e' * 36}": b"p" for index in range(COUNT)} for run in range(3)]
    for age, entries in zip((300, 200, 100), runs, strict=True):
        _fill(tmp_path / "c", entries)
        newest = max(_packs(tmp_path / "c"), key=lambda path: path.stat().st_mtime_ns)
        os.utime(newest, (time.time() - age, time.time() - age))
    store = CacheFolder(tmp_path / "c", "parse", KEY)
    oldest, *newer = runs
    assert all(store.get(name, name.encode()) is None for name in oldest)
    assert all(store.get(name, name.encode()) == b"p" for entries in newer for name in entries)


def test_packs_are_pruned_and_cleaned(tmp_path: Path) -> None:
    _fill(tmp_path / "c", _entries())
    pack = _packs(tmp_path / "c")[0]
    size = pack.stat().st_size
    assert cachedir.prune(tmp_path / "c", max_bytes=size) == cachedir.Pruned()
    assert cachedir.prune(tmp_path / "c", max_bytes=size - 1) == cachedir.Pruned(1, size)
    _fill(tmp_path / "c", _entries())
    assert cachedir.clean(tmp_path / "c").entries == 1 and _files(tmp_path / "c") == []


def test_a_big_tree_loads_from_the_pack_as_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for index in range(COUNT):
        (tree / f"cm{index}.yaml").write_text(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{index}  # a comment\ndata:\n  on: yes\n"
            f"---\nkind: Secret\nvalue: [1, {index}]\n")
    files = [Candidate(str(path), str(path)) for path in sorted(tree.iterdir())]
    options = Options(cache_dir=str(tmp_path / "cache"))
    first = load_sources(files, options)
    assert len(_packs(tmp_path / "cache")) == 1

    def no_parsing(text: str) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(read, "parse_text", no_parsing)
    second = load_sources(files, options)
    assert len(_packs(tmp_path / "cache")) == 1  # nothing new written
    assert [(s.display, s.text, s.documents, s.problems) for s in second] == [
        (s.display, s.text, s.documents, s.problems) for s in first]
