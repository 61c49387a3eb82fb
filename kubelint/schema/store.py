"""Where each object's schema comes from, compiled once per (group, version, kind) and cached.

Lookup order: a built-in API group uses the schemas of the target Kubernetes version; any other
group uses a CRD in the tree, then the ``--schema-location`` folders. Schemas are read only when an
object needs them, and one run validates each object once (every schema rule reads the result).
"""

from __future__ import annotations

import json
import os
from dataclasses import field
from typing import TYPE_CHECKING, Any

from kubelint.jsondepth import nested_deeper_than
from kubelint.model.resource import Resource, mapping, sequence, split_api_version, text
from kubelint.records import record
from kubelint.schema import builtin
from kubelint.schema.crd import OBJECT_META_REF, CrdVersion, crd_versions, to_json_schema
from kubelint.schema.errors import Problem, problems, type_name
from kubelint.sources.read import DEFAULT_MAX_FILE_SIZE

if TYPE_CHECKING:
    from kubelint.model.tree import Tree
    from kubelint.sources.read import Source

OBJECT_META = {"$ref": OBJECT_META_REF}
Key = tuple[str, str, str]
"""``(group, version, kind)``."""


@record
class Lookup:
    """What the store knows about an object's type."""

    status: str
    """``builtin``, ``crd``, ``location``: validated; ``not-served``: a CRD exists but not this version;
    ``missing-builtin``: a built-in group without this kind/version at the target version;
    ``unknown``: no schema anywhere; ``broken``: the CRD schema is too deep to convert."""
    schema: dict[str, Any] | None = None
    source: str = ""
    crd: Resource | None = None
    served: tuple[str, ...] = ()
    validator: Any = field(default=None, repr=False)
    """The ``jsonschema`` validator, compiled when an object needs error details."""
    fast: Any = field(default=None, repr=False)
    """The ``jsonschema_rs`` validator (built-in and CRD schemas only); False when it cannot be had."""
    skipped: tuple[str, ...] = ()
    """``--schema-location`` files for this type that were found but could not be used (see ``bad_files``)."""


@record(frozen=True)
class BadSchemaFile:
    """A ``--schema-location`` file an object needed that kubelint could not use: reported at the file (a reading
    problem of that input, ``code`` as for manifests: ``unreadable-file`` or ``file-too-large``), never skipped
    silently, with the first object that needed it."""

    file: str
    line: int
    column: int
    code: str
    message: str
    needed_by: Resource


_BUILTIN_LOOKUPS: dict[tuple[str, str, str, str], Lookup] = {}
"""Lookups of built-in kinds by (Kubernetes version, group, version, kind), shared by the stores of one process:
each unit of a tree has a store of its own, and compiling a kind's validators once per unit cost 1,185
compilations (2 s) on a tree of 10,000 objects in 110 folders."""


@record
class SchemaStore:
    """Schemas for one run: target version, strictness, CRDs of the tree and extra schema folders."""

    version: str
    strict: bool = True
    locations: list[str] = field(default_factory=list)
    crds: dict[tuple[str, str], list[CrdVersion]] = field(default_factory=dict)
    patches: set[str] = field(default_factory=set)
    """Files that kustomizations use as patches: partial objects, so required fields may be missing."""
    _lookups: dict[Key, Lookup] = field(default_factory=dict, repr=False)
    _results: dict[int, tuple[Resource, list[Problem]]] = field(default_factory=dict, repr=False)
    _registry: Any = field(default=None, repr=False)
    use_fast: bool = True
    """Answer "valid?" with ``jsonschema_rs`` when it is installed (tests turn it off to compare)."""
    max_size: int = DEFAULT_MAX_FILE_SIZE
    """The largest ``--schema-location`` file read (``--max-file-size``); a larger one is a bad file."""
    bad_files: dict[str, BadSchemaFile] = field(default_factory=dict)
    """The unusable ``--schema-location`` files met so far, by path (filled as objects look their types up)."""

    @classmethod
    def for_resources(cls, resources: list[Resource], version: str | None = None, strict: bool = True,
                      locations: list[str] | None = None) -> SchemaStore:
        store = cls(builtin.resolve_version(version), strict, list(locations or []))
        for resource in resources:
            if resource.kind == "CustomResourceDefinition" and resource.ref.group == "apiextensions.k8s.io":
                for served in crd_versions(resource):
                    store.crds.setdefault((served.group, served.kind), []).append(served)
        return store

    # -- lookup ---------------------------------------------------------------------------------

    def lookup(self, resource: Resource) -> Lookup:
        """The schema (compiled validator) for a resource's apiVersion and kind, cached per type."""
        version = split_api_version(resource.api_version)[1]
        key = (resource.ref.group, version, resource.kind)  # the group oc maps a legacy OpenShift v1 kind to
        found = self._lookups.get(key)
        if found is None:
            if key[0] in builtin.BUILTIN_GROUPS:  # the same in every store of this version: compiled once per run
                shared = (self.version, *key)
                found = _BUILTIN_LOOKUPS.get(shared)
                if found is None:
                    found = _BUILTIN_LOOKUPS[shared] = self._find(*key, resource)
            else:
                found = self._find(*key, resource)
            self._lookups[key] = found
        return found

    def _find(self, group: str, version: str, kind: str, resource: Resource) -> Lookup:
        if group in builtin.BUILTIN_GROUPS:
            schema = builtin.kind_schema(self.version, group, version, kind)
            if schema is None:
                return Lookup("missing-builtin")
            return Lookup("builtin", schema, f"Kubernetes {self.version}")
        defined = self.crds.get((group, kind))
        if defined:
            for served in defined:
                if served.version == version:
                    schema = self._crd_schema(served)
                    if schema is None:
                        return Lookup("broken", source="CRD", crd=served.crd)
                    return Lookup("crd", schema, "CRD", served.crd)
            return Lookup("not-served", crd=defined[0].crd, served=tuple(d.version for d in defined))
        skipped: list[str] = []
        for folder in self.locations:
            schema = self._from_location(folder, group, version, kind, resource, skipped)
            if schema is not None:
                return Lookup("location", schema, folder, skipped=tuple(skipped))
        return Lookup("unknown", skipped=tuple(skipped))

    def _from_location(self, folder: str, group: str, version: str, kind: str, resource: Resource,
                       skipped: list[str]) -> dict[str, Any] | None:
        """The first usable schema among a folder's candidate files (:func:`candidates`); a candidate that exists
        but cannot be used is recorded in :attr:`bad_files` (and ``skipped``) and the search goes on."""
        for candidate in candidates(folder, group, version, kind, self.version, self.strict):
            if not os.path.lexists(candidate):
                continue
            schema, problem = read_schema(candidate, self.max_size)
            if problem is None:
                return schema
            code, line, column, message = problem
            skipped.append(candidate)
            self.bad_files.setdefault(candidate, BadSchemaFile(candidate, line, column, code, message, resource))
        return None

    def _crd_schema(self, served: CrdVersion) -> dict[str, Any] | None:
        if not isinstance(served.schema, dict):  # no schema: anything goes except a broken metadata
            return {"properties": {"metadata": {"$ref": OBJECT_META_REF}}}
        strict = self.strict
        if served.crd.api_version.endswith("/v1beta1") and served.crd.spec.get("preserveUnknownFields") is not False:
            strict = False  # v1beta1 CRDs keep unknown fields unless they opt out
        try:
            return to_json_schema(served.schema, strict)
        except RecursionError:  # absurdly deep schema: leave its resources unvalidated
            return None

    def _validator(self, lookup: Lookup) -> Any:
        """The ``jsonschema`` validator of a lookup (compiling is lazy in jsonschema, so this is cheap)."""
        if lookup.validator is None and lookup.schema is not None:
            from jsonschema.validators import Draft202012Validator, validator_for
            from referencing import Registry, Resource
            from referencing.jsonschema import DRAFT202012

            from kubelint.patterns import linear

            if lookup.status in ("builtin", "crd"):  # only the definitions it reaches (parsed one by one)
                reached = {"$defs": builtin.closure(lookup.schema, self.version)}
                registry = Registry().with_resource(  # (the package's file says draft 2020-12)
                    builtin.DEFINITIONS_ID, Resource.from_contents(reached, default_specification=DRAFT202012))
            else:  # a schema file's references may point anywhere in the definitions
                if self._registry is None:
                    self._registry = Registry().with_resource(
                        builtin.DEFINITIONS_ID, Resource.from_contents(builtin.definitions(self.version)))
                registry = self._registry
            cls = linear(validator_for(lookup.schema, default=Draft202012Validator))
            lookup.validator = cls(lookup.schema, registry=registry)
        return lookup.validator

    def _fast(self, lookup: Lookup) -> Any:
        """The ``jsonschema_rs`` validator of a built-in or CRD schema, or None (then jsonschema does all).

        It answers "valid?" about a hundred times faster; only invalid objects are validated again by
        ``jsonschema`` for the located, plain messages. Its registry holds only the definitions the
        schema reaches, which keeps compiling cheap.
        """
        if not self.use_fast:
            return None
        if lookup.fast is None:
            lookup.fast = False
            if lookup.status in ("builtin", "crd") and lookup.schema is not None:
                try:
                    import jsonschema_rs  # type: ignore[import-not-found, unused-ignore]

                    # a CRD's schema refers to ObjectMeta only (at its root): no need to walk it
                    reached = OBJECT_META if lookup.status == "crd" else lookup.schema
                    defs = {"$defs": builtin.closure(reached, self.version)}
                    registry = jsonschema_rs.Registry([(builtin.DEFINITIONS_ID, defs)])
                    # the regex crate: linear time, where the default engine backtracks on some patterns
                    lookup.fast = jsonschema_rs.validator_for(lookup.schema, registry=registry,
                                                              validate_formats=False,
                                                              pattern_options=jsonschema_rs.RegexOptions())
                except Exception:  # not installed, or a schema it does not take: jsonschema does all
                    lookup.fast = False
        return lookup.fast or None

    # -- validation -----------------------------------------------------------------------------

    def problems(self, resource: Resource) -> list[Problem]:
        """The schema problems of one object (validated once per run, whichever rule asks first)."""
        cached = self._results.get(id(resource))
        if cached is not None and cached[0] is resource:
            return cached[1]
        found: list[Problem] = []
        lookup = self.lookup(resource)
        if lookup.schema is not None:
            fast = self._fast(lookup)
            # status is written by the cluster (cluster dumps hold it) and ignored when applying
            raw = resource.raw
            document = {key: value for key, value in raw.items() if key != "status"} if "status" in raw else raw
            try:
                if fast is not None and fast.is_valid(document):
                    self._results[id(resource)] = (resource, found)
                    return found
            except Exception:  # values it cannot take (``.inf``, huge integers): ask jsonschema
                pass
            try:
                found = problems(self._validator(lookup).iter_errors(document))
            except RecursionError:
                found = [Problem((), "value", "the object is nested too deeply to validate")]
            except Exception as error:  # a user's schema (--schema-location) that is not valid JSON Schema
                if lookup.status == "builtin":
                    raise
                found = [Problem((), "value", f"cannot validate {resource.api_version} {resource.kind}: the "
                                              f"schema from {lookup.source} is broken ({type(error).__name__})")]
            if not self.strict:
                found = [problem for problem in found if problem.code != "unknown-field"]
            if os.path.normpath(resource.file) in self.patches or "$patch" in resource.raw:
                found = [problem for problem in found if not _patch_syntax(problem)]
        self._results[id(resource)] = (resource, found)
        return found


def _patch_syntax(problem: Problem) -> bool:
    """A problem that a strategic-merge patch may have: missing fields, ``$patch``-style directives."""
    if problem.code == "required":
        return True
    return problem.code == "unknown-field" and str(problem.path[-1]).startswith("$")


def patch_files(sources: list[Source]) -> set[str]:
    """The files that Kustomization and Component documents in the tree name as patches."""
    found: set[str] = set()
    for source in sources:
        for document in source.documents:
            data = document.data
            if not isinstance(data, dict) or data.get("kind") not in ("Kustomization", "Component"):
                continue
            names = [text(entry) for entry in sequence(data.get("patchesStrategicMerge"))]
            for key in ("patches", "patchesJson6902"):
                names += [text(mapping(entry).get("path")) for entry in sequence(data.get(key))]
            folder = os.path.dirname(source.display)
            found.update(os.path.normpath(os.path.join(folder, name)) for name in names if name)
    return found


def candidates(folder: str, group: str, version: str, kind: str, k8s: str, strict: bool) -> list[str]:
    """The files of a kubeconform-style folder that may hold a type's schema, in the order they are tried:
    ``{group}/{kind}_{version}.json``, ``{kind}_{version}.json``, ``{kind}-{group prefix}-{version}.json``, then
    the latter in ``v{X.Y}.0-standalone[-strict]/``."""
    lower = kind.lower()
    first = group.split(".")[0]
    names = [os.path.join(group, f"{lower}_{version}.json"), f"{lower}_{version}.json",
             f"{lower}-{first}-{version}.json" if group else f"{lower}-{version}.json"]
    flavours = [f"v{k8s}.0-standalone-strict", f"v{k8s}.0-standalone"] if strict else [f"v{k8s}.0-standalone"]
    found = [os.path.join(folder, name) for name in names]
    return found + [os.path.join(folder, flavour, names[-1]) for flavour in flavours]


def _from_location(folder: str, group: str, version: str, kind: str, k8s: str, strict: bool,
                   max_size: int = DEFAULT_MAX_FILE_SIZE) -> dict[str, Any] | None:
    """The first usable schema of a type in a kubeconform-style folder, or None (bad candidate files are skipped
    here: the store reports them when an object of the type is linted)."""
    for candidate in candidates(folder, group, version, kind, k8s, strict):
        if os.path.lexists(candidate):
            schema, _ = read_schema(candidate, max_size)
            if schema is not None:
                return schema
    return None


def read_schema(path: str, max_size: int) -> tuple[dict[str, Any] | None, tuple[str, int, int, str] | None]:
    """A schema file's JSON object, or why it cannot be used: ``(code, line, column, message)``. Only a regular
    file of at most ``max_size`` bytes is read (a FIFO or ``/dev/zero`` under that name would block or never end)."""
    from kubelint.sources.files import FileTooLarge, read_regular

    def bad(message: str, line: int = 1, column: int = 1, code: str = "unreadable-file") -> tuple[None, Any]:
        return None, (code, line, column, f"--schema-location file not used: {message}")

    try:
        data = read_regular(path, max_size)
    except FileTooLarge as error:
        return bad(str(error), code="file-too-large")
    except OSError as error:
        return bad(f"cannot read file: {error.strerror or error}")
    try:
        schema = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        return bad(f"not UTF-8 (byte {error.start + 1})")
    except json.JSONDecodeError as error:
        return bad(f"not JSON: {error.msg}", error.lineno, error.colno)
    except RecursionError:  # json's decoder recursed once per nesting level (Python <= 3.12)
        return bad("JSON nested too deeply")
    if nested_deeper_than(schema):
        return bad("JSON nested too deeply")
    if not isinstance(schema, dict):
        return bad(f"the file holds a JSON {type_name(schema)}, not an object")
    return schema, None


def store_for(tree: Tree) -> SchemaStore:
    """The schema store of a loaded tree, built on first use and shared by every schema rule."""
    holder = tree.__dict__.get("_schema_store")
    if isinstance(holder, SchemaStore):
        return holder
    options = tree.options
    store = SchemaStore.for_resources(
        tree.resources,
        options.kubernetes_version,
        options.strict,
        options.schema_location,
    )
    store.max_size = options.max_file_size
    store.patches = patch_files(tree.sources)
    tree.__dict__["_schema_store"] = store
    return store
