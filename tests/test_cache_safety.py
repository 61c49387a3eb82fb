"""The cache folder is untrusted storage: entries never run code, forged or moved entries never hide findings,
the folder is private, bounded in size and age, and can be cleaned."""

from __future__ import annotations

import json
import os
import shutil
import stat
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kubelint import cachedir
from kubelint.cli import cli
from kubelint.sources import cache as parse_cache
from kubelint.sources.cache import ParseCache
from kubelint.sources.yaml import parse

HOSTILE = Path(__file__).parent / "hostile"
PRIVILEGED = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n"
              "    image: nginx:1.25\n    securityContext:\n      privileged: true\n")


def _lint(path: Path, cache_dir: Path) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(cli, ["lint", str(path), "--format", "json", "--cache-dir", str(cache_dir)])
    return result.exit_code, json.loads(result.stdout)


def _rules(report: dict[str, object]) -> set[str]:
    return {finding["rule"] for finding in report["findings"]}  # type: ignore[attr-defined,index]


def _entry_places(cache: ParseCache, data: bytes) -> list[Path]:
    """Where an entry for ``data`` is read from: this layout (``parse/xx/rest``) and the one before kinds."""
    key = cache.key(data)
    return [cache.folder / "parse" / key[:2] / key[2:], cache.folder / key[:2] / key[2:]]


def test_a_planted_pickle_never_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(PRIVILEGED)
    folder = tmp_path / "cache"
    cache = ParseCache(folder)
    for place in _entry_places(cache, manifest.read_bytes()):
        place.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(HOSTILE / "cache-entry.pickle", place)
    code, report = _lint(manifest, folder)
    assert not (tmp_path / "PWNED").exists()
    assert code == 1 and "privileged-container" in _rules(report)


def test_a_forged_entry_does_not_hide_findings(tmp_path: Path) -> None:
    """An entry with the right name and shape, signed with another key (a cache restored from elsewhere)."""
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(PRIVILEGED)
    folder = tmp_path / "cache"
    other = cachedir.CacheFolder(folder, "parse", b"k" * 32)
    key = ParseCache(folder).key(manifest.read_bytes())
    other.put(key, key.encode(), parse_cache.encode((True, [], [])))
    code, report = _lint(manifest, folder)
    assert code == 1 and "privileged-container" in _rules(report)


def test_an_entry_moved_to_another_files_name_is_a_miss(tmp_path: Path) -> None:
    """A genuine entry (of a clean file) copied under the name of a file with findings."""
    clean = tmp_path / "clean.yaml"
    clean.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(PRIVILEGED)
    folder = tmp_path / "cache"
    assert _lint(clean, folder)[0] == 0
    cache = ParseCache(folder)
    genuine = _entry_places(cache, clean.read_bytes())[0]
    target = _entry_places(cache, manifest.read_bytes())[0]
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(genuine, target)
    code, report = _lint(manifest, folder)
    assert code == 1 and "privileged-container" in _rules(report)


def test_entries_hold_data_not_code(tmp_path: Path) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(PRIVILEGED)
    folder = tmp_path / "cache"
    _lint(manifest, folder)
    entry = _entry_places(ParseCache(folder), manifest.read_bytes())[0].read_bytes()
    assert entry.startswith(cachedir.MAGIC)
    payload = json.loads(entry[len(cachedir.MAGIC) + cachedir.MAC_SIZE:])
    assert payload[0] == parse_cache.FORMAT and payload[2][0][0]["kind"] == "Pod"


@pytest.mark.parametrize("text", [
    PRIVILEGED,
    "a: &x {b: 1, c: [1, 2]}\nd: *x\ne:\n  <<: *x\n  b: 2\n",  # aliases and merge keys: paths spelled out
    "a: 1\na: 2\nb: [yes, 0755, ~, 1.5, .nan, '3']\n---\n- x\n---\n",  # duplicates, implicit scalars, empty doc
    "k: " + "[" * 499 + "]" * 499 + "\n",  # as deep as the parser allows (the pickle hit the recursion limit)
    "{\"a\": {\"b\": [1, {\"c\": null}]}}",
    ": : :\n",  # a syntax error: problems only
])
def test_cached_parses_round_trip(text: str) -> None:
    documents, problems = parse(text)
    is_text, back, back_problems = parse_cache.decode(parse_cache.encode((True, documents, problems)))
    assert is_text and back_problems == problems and len(back) == len(documents)
    for original, copy in zip(documents, back, strict=True):
        assert json.dumps(copy.data) == json.dumps(original.data)  # (NaN is not equal to itself)
        assert copy.positions == original.positions and list(copy.positions) == list(original.positions)
        assert copy.implicit == original.implicit and copy.index == original.index


def test_deep_nesting_with_the_cache_on(tmp_path: Path) -> None:
    manifest = tmp_path / "deep.yaml"
    shutil.copy(HOSTILE / "nesting-495.yaml", manifest)
    folder = tmp_path / "cache"
    for _ in range(2):  # a miss that writes, then a hit
        result = CliRunner().invoke(cli, ["lint", str(manifest), "--format", "json", "--cache-dir", str(folder)])
        assert result.exit_code in (0, 1), result.output
        assert json.loads(result.stdout)["summary"]["objects"] == 1


ONE_MARK = b'"AAAAAAAAAAA="'  # base64 of one 64-bit mark: a document of one node
TWO_MARKS = b'"AAAAAAAAAAAAAAAAAAAAAA=="'


@pytest.mark.parametrize("payload", [
    b"not json", b"[]", b'[4, true, [[{}, 0, [1, 1], []]], []]', b'[4, true, [[{}, 0, "", []]], []]',
    b'[4, true, [[{}, 0, ' + TWO_MARKS + b', []]], []]', b'[4, true, [[{}, 0, "AAAA", []]], []]',
    b'[4, true, [[{}, 0, "\\u00e9AAAAAAAAAA=", []]], []]', b'[4, true, [[{}, 0, "A", []]], []]',
    b'[4, true, [[{"a": 1}, 0, ' + ONE_MARK + b', []]], []]',
    b'[4, true, [[{}, 0, ' + ONE_MARK + b', [[5, "x"]]]], []]',
    b'[4, true, [[{}, 0, ' + ONE_MARK + b', [[-1, "x"]]]], []]',
    b'[4, true, [[{}, 0, ' + ONE_MARK + b', [[0, 1]]]], []]', b'[4, true, [[{}, 0, ' + ONE_MARK + b', ["0x"]]], []]',
    b'[4, true, [[{}, 0, ' + ONE_MARK + b', [[0, "x", "y"]]]], []]',
    b'[4, true, [[{}, 0, ' + ONE_MARK + b', [[true, "x"]]]], []]',
    b'[4, true, [[{}, 0, ' + ONE_MARK + b', [[[0], "x"]]]], []]',
    b'[3, true, [[{}, 0, [1, 1], []]], []]', b'[4, true, [], [["c", "m", "1", 1]]]',
    b'[4, true, [[{}, 0, {"paths": [[["a", 1.5], 1, 1]], "implicit": []}]], []]',
    b'[4, true, [[{}, 0, ' + ONE_MARK + b', []]], []]' + b" " * 10, b"[" * 100000 + b"]" * 100000,
    b'[4, true, [[' + b"9" * 5000 + b', 0, ' + ONE_MARK + b', []]], []]',
])
def test_entries_of_another_shape_are_misses(payload: bytes) -> None:
    try:
        decoded = parse_cache.decode(payload)
    except Exception:  # what ParseCache.get turns into a miss
        return
    assert payload.endswith(b" "), decoded  # only the harmless one (trailing blanks) decodes


def test_get_survives_any_payload(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "cache")
    key = cache.key(b"x")
    cache._store.put(key, key.encode(), b"[" * 100000)
    assert cache.get(key) is None


def test_the_folder_is_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "deep" / "cache"
    ParseCache(folder)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700


def test_a_folder_others_can_write_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(PRIVILEGED)
    result = CliRunner().invoke(cli, ["lint", str(manifest), "--cache-dir", str(folder)])
    assert result.exit_code == 1 and "privileged-container" in result.output
    assert "not using the parse cache" in result.output and "writable by others (mode 0777)" in result.output
    assert list(folder.iterdir()) == []


def test_a_symlinked_folder_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(cachedir.UnsafeFolder, match="is a symlink"):
        ParseCache(link)


def test_a_folder_of_another_user_is_refused(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give a folder away")
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)
    cache, why = parse_cache.open_cache(folder)
    assert cache is None and "belongs to user id 65534, not to you" in why


def test_a_folder_only_we_could_write_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    folder.chmod(0o755)  # as kubelint made it before
    ParseCache(folder)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700


def test_the_key_lives_outside_the_cache_folder(tmp_path: Path) -> None:
    cache_folder, state = tmp_path / "cache", tmp_path / "state"
    ParseCache(cache_folder, state)
    key = state / "cache-key"
    assert key.stat().st_size == 32 and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert not any(path.name == "cache-key" for path in cache_folder.rglob("*"))


def test_a_binding_mismatch_is_a_miss(tmp_path: Path) -> None:
    store = cachedir.CacheFolder(tmp_path / "c", "findings", b"s" * 32)
    store.put("abcdef", b"content one", b"payload")
    assert store.get("abcdef", b"content one") == b"payload"
    assert store.get("abcdef", b"content two") is None
    assert cachedir.CacheFolder(tmp_path / "c", "other", b"s" * 32).get("abcdef", b"content one") is None


def _fill(root: Path, count: int, size: int, age: float) -> None:
    for index in range(count):
        path = root / "parse" / f"{index:02x}" / "entry"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
        stamp = time.time() - age - index
        os.utime(path, (stamp, stamp))


def test_pruning_bounds_age_and_size(tmp_path: Path) -> None:
    root = tmp_path / "c"
    _fill(root, 4, 100, age=40 * 24 * 3600)  # unused for 40 days
    _fill(root / "fresh", 0, 0, 0)
    for index in range(10):
        path = root / "parse" / "ff" / f"new{index}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"y" * 100)
        os.utime(path, (time.time() - index, time.time() - index))
    removed = cachedir.prune(root, max_bytes=500)
    left = sorted(path.name for path in (root / "parse").rglob("*") if path.is_file())
    assert removed.entries == 9 and left == [f"new{index}" for index in range(5)]  # the five most recently used


def test_a_run_that_writes_prunes_at_most_hourly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(cachedir, "prune", lambda root, *args, **kwargs: calls.append(root))
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(PRIVILEGED)
    folder = tmp_path / "cache"
    _lint(manifest, folder)
    manifest.write_text(PRIVILEGED + "# changed\n")
    _lint(manifest, folder)
    assert calls == [folder]


def test_cache_clean(tmp_path: Path) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(PRIVILEGED)
    folder = tmp_path / "cache"
    _lint(manifest, folder)
    (folder / "ab").mkdir()  # the layout before kinds
    (folder / "ab" / "cdef").write_bytes(b"old pickle")
    result = CliRunner().invoke(cli, ["cache", "clean", "--cache-dir", str(folder)])
    assert result.exit_code == 0 and "removed 2 cache entries" in result.output
    assert [path.name for path in folder.rglob("*") if not path.name.startswith(".")] == []


def test_cache_clean_refuses_a_symlink(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    result = CliRunner().invoke(cli, ["cache", "clean", "--cache-dir", str(tmp_path / "link")])
    assert result.exit_code == 2 and "is a symlink" in result.output


def test_an_entry_that_is_a_fifo_is_a_miss_not_a_wait(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "cache")
    key = cache.key(b"x")
    place = _entry_places(cache, b"x")[0]
    place.parent.mkdir(parents=True)
    os.mkfifo(place)
    assert cache.get(key) is None

