"""The findings of a tree state, cached by content so that a hook lints the state it compares with once per HEAD.

An entry's name is a hash of everything its findings depend on: the state's listing (git's object ids of its
files), kubelint's version and code, the effective options (rules, rule files, schemas, paths) and the
renderer. Entries are JSON (nothing in them can run when read), validated field by field when loaded: an entry
that does not parse or has the wrong shape is a miss. They live in the cache folder's ``findings`` part with the
parse cache's protections (private folder, entries signed with a key kept outside the folder).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kubelint import __version__
from kubelint.findings import Finding, Location, Severity
from kubelint.model.resource import ObjectRef
from kubelint.options import Options
from kubelint.records import record

FORMAT = 1
"""Bump when the entry's shape changes."""
KIND = "findings"


@record
class StateFindings:
    """What a lint of one tree state found: every finding (suppressed ones marked), the rules whose checks
    looked at single objects, and how much was read."""

    findings: list[Finding]
    single_object_rules: frozenset[str]
    files: int
    objects: int


def state_key(listing: str, paths: Iterable[str], options: Options) -> str:
    """The cache entry name for a state whose listing hashes to ``listing``, linted at ``paths`` with ``options``."""
    from kubelint.config import effective

    linting = {key: value for key, value in effective(options).items() if key not in ("fail-on", "new-since")}
    settings = {
        "format": FORMAT,
        "version": __version__,
        "code": _code_stamp(),
        "listing": listing,
        "paths": list(paths),
        "options": linting,
        "render": options.render and _renderer_stamp(),
        "render-timeout": options.render_timeout,
        "strict": options.strict,
        "schemas": [_folder_stamp(folder) for folder in options.schema_location],
        "rules": [_folder_stamp(folder) for folder in options.rule_dirs],
        "admission-config": _file_stamp(options.admission_config),
        "cwd": os.getcwd(),
        "source-root": options.source_root,
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()


def _code_stamp() -> str:
    """kubelint's own files (checks, rules, schemas) by size and modification time: an edited install is another
    version."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for folder in (root, root.parent / "rules"):
        digest.update(_folder_stamp(str(folder)).encode())
    return digest.hexdigest()


def _file_stamp(path: str | None) -> str | None:
    """The content hash of a settings file the findings depend on (None: none given, or unreadable)."""
    if path is None:
        return None
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _folder_stamp(folder: str) -> str:
    digest = hashlib.sha256()
    for current, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if name != "__pycache__")
        for name in sorted(files):
            path = os.path.join(current, name)
            try:
                info = os.stat(path)
            except OSError:
                continue
            digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _renderer_stamp() -> str:
    from kubelint.sources.render import renderer

    command = renderer()
    if command is None:
        return "none"
    try:
        info = os.stat(command[0])
    except OSError:
        return command[0]
    return f"{command[0]}\0{info.st_size}\0{info.st_mtime_ns}"


# Encoding


def encode(state: StateFindings) -> bytes:
    """The JSON bytes of an entry."""
    document = {
        "kubelint-findings": FORMAT,
        "files": state.files,
        "objects": state.objects,
        "single-object-rules": sorted(state.single_object_rules),
        "findings": [finding_values(finding) for finding in state.findings],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def finding_values(finding: Finding) -> dict[str, Any]:
    """A finding as plain JSON values (read back by :func:`finding_from_values`); also what worker processes send
    (:mod:`kubelint.parallel_units`)."""
    out: dict[str, Any] = {"rule": finding.rule, "severity": int(finding.severity), "message": finding.message,
                           "location": _location(finding.location)}
    if finding.related:
        out["related"] = [_location(location) for location in finding.related]
    if finding.suppressed:
        out["suppressed"] = finding.suppression
        out["justification"] = finding.justification
    if finding.held:
        out["held"] = finding.held
    if finding.extra:
        out["extra"] = dict(finding.extra)
    return out


def _location(location: Location) -> dict[str, Any]:
    ref = location.ref
    return {"file": location.file, "line": location.line, "column": location.column,
            "ref": None if ref is None else [ref.group, ref.kind, ref.namespace, ref.name],
            "apiVersion": location.api_version, "path": list(location.path), "message": location.message,
            "via": location.via}


class _Invalid(Exception):
    pass


def decode(data: bytes) -> StateFindings | None:
    """The entry in ``data``, or None when it is not one (anything malformed is a miss, never an error)."""
    try:
        document = json.loads(data)
        if not isinstance(document, dict) or document.get("kubelint-findings") != FORMAT:
            return None
        single = document.get("single-object-rules")
        findings = document.get("findings")
        if not isinstance(single, list) or not all(isinstance(rule, str) for rule in single):
            return None
        if not isinstance(findings, list):
            return None
        return StateFindings([finding_from_values(item) for item in findings], frozenset(single),
                             _int(document.get("files")), _int(document.get("objects")))
    except (ValueError, RecursionError, _Invalid):
        return None


def finding_from_values(item: Any) -> Finding:
    """The finding :func:`finding_values` wrote; raises an exception when ``item`` is not exactly that."""
    if not isinstance(item, dict):
        raise _Invalid
    severity = _int(item.get("severity"))
    if severity not in (1, 2, 3):
        raise _Invalid
    related = item.get("related", [])
    extra = item.get("extra", {})
    suppressed = item.get("suppressed")
    if not isinstance(related, list) or not isinstance(extra, dict) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in extra.items()):
        raise _Invalid
    if suppressed is not None and not isinstance(suppressed, str):
        raise _Invalid
    return Finding(rule=_str(item.get("rule")), severity=Severity(severity), message=_str(item.get("message")),
                   location=_read_location(item.get("location")),
                   related=tuple(_read_location(entry) for entry in related), suppressed=suppressed is not None,
                   suppression=suppressed or "", justification=_str(item.get("justification", "")),
                   held=_str(item.get("held", "")), extra=dict(extra))


def _read_location(item: Any) -> Location:
    if not isinstance(item, dict):
        raise _Invalid
    ref = item.get("ref")
    if ref is not None:
        if (not isinstance(ref, list) or len(ref) != 4 or not all(isinstance(part, str) for part in ref[:2] + ref[3:])
                or not (ref[2] is None or isinstance(ref[2], str))):
            raise _Invalid
        ref = ObjectRef(ref[0], ref[1], ref[2], ref[3])
    path = item.get("path")
    if not isinstance(path, list) or not all(isinstance(part, str | int) and not isinstance(part, bool)
                                             for part in path):
        raise _Invalid
    api_version = item.get("apiVersion")
    if api_version is not None and not isinstance(api_version, str):
        raise _Invalid
    return Location(file=_str(item.get("file")), line=_int(item.get("line")), column=_int(item.get("column")),
                    ref=ref, api_version=api_version, path=tuple(path), message=_str(item.get("message")),
                    via=_str(item.get("via")))


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _Invalid
    return value


# Storage


class FindingsCache:
    """Entries by name in the ``findings`` part of kubelint's private, signed cache folder
    (:class:`kubelint.cachedir.CacheFolder`); each is signed together with its name, the digest of its inputs.
    Raises :class:`kubelint.cachedir.UnsafeFolder` when the folder is not private."""

    def __init__(self, folder: Path | None = None) -> None:
        from kubelint.cachedir import CacheFolder, default_cache_dir, signing_key

        self._store = CacheFolder(folder or default_cache_dir(), KIND, signing_key())

    def get(self, name: str) -> StateFindings | None:
        """The findings stored under ``name``, or None (absent, forged, damaged, not this version's shape)."""
        payload = self._store.get(name, name.encode())
        return None if payload is None else decode(payload)

    def put(self, name: str, state: StateFindings) -> None:
        """Store findings; failures (read-only or full disk) are ignored: the cache is an optimisation."""
        self._store.put(name, name.encode(), encode(state))
        self._store.close()


def open_findings_cache(options: Options) -> FindingsCache | None:
    """The findings cache of a run, or None (``--no-cache``, or a folder that is not safe: the parse cache says
    why on stderr)."""
    if not options.cache:
        return None
    from kubelint.cachedir import UnsafeFolder

    try:
        return FindingsCache(Path(options.cache_dir) if options.cache_dir else None)
    except (UnsafeFolder, OSError):
        return None
