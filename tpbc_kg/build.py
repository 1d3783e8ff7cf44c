"""Compiling the sources into one persistent Oxigraph store: `tpbc-kg build`, run on first use.

A build reads the ontology and curated modules (rdflib, following owl:imports through the catalog),
infers what they entail (tpbc_kg.inference) and writes one Oxigraph store with the asserted triples in
the named graph ASSERTED_GRAPH and the inferred ones in INFERRED_GRAPH, plus a manifest (package
version, content hash, triple counts, build time).

Builds are immutable folders named by the content hash of their sources (the bytes of every file under
ontology/ and queries/rules/, the package version and the store format), inside one root folder: the
user's cache folder by default (platformdirs), `--store DIR` or TPBC_KG_STORE otherwise. A reader
hashes the sources (milliseconds: no parsing), opens the folder of that hash read-only and never takes a
lock, so any number of processes read at once. A writer builds under an exclusive file lock into a
temporary folder and renames it into place, so a reader never sees a half-built store; a second writer
waits for the first and then finds the store built. A build that cannot be opened (corrupt, or written
by an incompatible pyoxigraph) is moved aside and rebuilt, and the message says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from tpbc_kg.errors import UserError
from tpbc_kg.paths import ontology_dir, queries_dir

ASSERTED_GRAPH = "https://w3id.org/tpbc-kg/graph/asserted"
INFERRED_GRAPH = "https://w3id.org/tpbc-kg/graph/inferred"
STORE_FORMAT = 2
MANIFEST = "manifest.json"
NAMES_FILE = "names.pickle"
DATA_FOLDER = "oxigraph"
LOCK_FILE = ".build.lock"
KEEP_BUILDS = 3  # older builds are removed after a new one lands
LOCK_TIMEOUT_S = 600


class StoreError(UserError, ValueError):
    """A store folder that cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    """What a build holds and how it was made (manifest.json in the build folder)."""

    package_version: str
    content_hash: str
    store_format: int
    asserted_triples: int
    inferred_triples: int
    built_at: str
    build_seconds: float

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return cls(**data)


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tpbc-kg")
    except PackageNotFoundError:
        return "unknown"


_BUILD_CODE = ("build.py", "inference.py", "names.py", "resolve.py", "store.py")
"""The package modules whose code decides what a build holds (an editable install changes them without
changing the package version)."""


def source_files() -> list[Path]:
    """Everything a build depends on: the ontology folder (modules and catalog), the inference rules and
    the code that compiles them."""
    files = [p for p in ontology_dir().rglob("*") if p.is_file() and not p.name.startswith(".")]
    files += list((queries_dir() / "rules").glob("*.rq"))
    package = Path(__file__).resolve().parent
    return sorted(files) + [package / name for name in _BUILD_CODE]


def content_hash(files: list[Path] | None = None) -> str:
    """The sources' content hash (bytes, not modification times: a checkout or a copy keeps its store)."""
    digest = hashlib.sha256(f"tpbc-kg {package_version()} format {STORE_FORMAT}\0".encode())
    roots = (ontology_dir().parent, Path(__file__).resolve().parent)
    for path in files if files is not None else source_files():
        name = next((str(path.relative_to(r)) for r in roots if path.is_relative_to(r)), path.name)
        digest.update(name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def default_root() -> Path:
    """Where builds live unless told otherwise: TPBC_KG_STORE, else the user's cache folder."""
    override = os.environ.get("TPBC_KG_STORE")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("tpbc-kg")) / "store"


def build_folder(root: Path, digest: str) -> Path:
    return root / digest[:24]


def compile_store(folder: Path, files: list[Path] | None = None) -> Manifest:
    """Parse, infer and load everything into a new Oxigraph store in folder (which must not exist): the
    bundled sources, or the given RDF files (a generated graph for benchmarks, schema included)."""
    from rdflib import Graph

    from tpbc_kg.inference import infer
    from tpbc_kg.load import load

    start = time.perf_counter()
    digest = content_hash(files)
    if files is None:
        asserted = load()
    else:
        asserted = Graph()
        for path in files:
            asserted.parse(path)
    inferred = infer(asserted)
    folder.mkdir(parents=True)
    store = ox.Store(str(folder / DATA_FOLDER))
    for graph, name in ((asserted, ASSERTED_GRAPH), (inferred, INFERRED_GRAPH)):
        store.bulk_load(
            graph.serialize(format="nt", encoding="utf-8"),
            format=ox.RdfFormat.N_TRIPLES,
            to_graph=ox.NamedNode(name),
        )
    store.flush()
    write_names(store, folder / NAMES_FILE)
    del store
    manifest = Manifest(
        package_version=package_version(),
        content_hash=digest,
        store_format=STORE_FORMAT,
        asserted_triples=len(asserted),
        inferred_triples=len(inferred),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        build_seconds=round(time.perf_counter() - start, 3),
    )
    (folder / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")
    return manifest


def write_names(store: ox.Store, path: Path) -> None:
    """The name table of the dataset (asserted ∪ inferred), pickled beside the store."""
    import pickle

    from tpbc_kg.load import prefix_map
    from tpbc_kg.names import NameTable
    from tpbc_kg.store import NAMING_QUERY, rdflib_graph
    from tpbc_kg.terms import triples

    answer = triples(store.query(NAMING_QUERY, use_default_graph_as_union=True))
    table = NameTable.from_graph(rdflib_graph(answer, prefix_map()))
    path.write_bytes(pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL))


def _check_root(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise StoreError(f"store {root}: is a file; give a folder (it is created if missing)")
    if root.is_dir():
        entries = [p.name for p in root.iterdir()]
        ours = [n for n in entries if n == LOCK_FILE or (root / n / MANIFEST).is_file() or n.startswith(".")]
        if entries and not ours:
            raise StoreError(
                f"store {root}: the folder is not empty and holds no tpbc-kg store; "
                "give an empty or new folder (or leave --store out to use the cache folder)"
            )


def is_build(folder: Path) -> bool:
    """Whether folder is one build (opened as it is, whatever the sources) rather than a root of builds."""
    return (folder / MANIFEST).is_file() and (folder / DATA_FOLDER).is_dir()


def ready_build(root: Path, digest: str) -> Path | None:
    """The finished build of these sources in root, if there is one."""
    folder = build_folder(root, digest)
    return folder if (folder / MANIFEST).is_file() else None


def ensure_built(
    root: Path, *, force: bool = False, say: Callable[[str], None] | None = None
) -> tuple[Path, bool]:
    """The build folder for the current sources, building it first if needed: (folder, built now)."""
    digest = content_hash()
    _check_root(root)
    if not force and (existing := ready_build(root, digest)) is not None:
        return existing, False
    return _build_locked(root, digest, force, say), True


def _build_locked(root: Path, digest: str, force: bool, say: Callable[[str], None] | None) -> Path:
    import filelock

    try:
        root.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(root / LOCK_FILE), timeout=LOCK_TIMEOUT_S)
        with lock:
            existing = ready_build(root, digest)
            if existing is not None and not force:
                return existing  # another process built it while we waited
            if say is not None:
                say(f"building the knowledge base in {build_folder(root, digest)}")
            temporary = root / f".building-{digest[:24]}-{os.getpid()}"
            shutil.rmtree(temporary, ignore_errors=True)
            compile_store(temporary)
            final = build_folder(root, digest)
            if final.exists():
                set_aside(final)
            os.rename(temporary, final)
            _prune(root, keep=final)
            return final
    except filelock.Timeout:
        raise StoreError(
            f"store {root}: another tpbc-kg process has been building for {LOCK_TIMEOUT_S} s; "
            f"if none is running, delete {root / LOCK_FILE} and retry"
        ) from None
    except PermissionError as error:
        raise StoreError(
            f"store {root}: cannot write there ({error.strerror}); "
            "give a writable folder with --store DIR or TPBC_KG_STORE"
        ) from None


def set_aside(folder: Path) -> Path:
    """Move an unusable build out of the way (kept for inspection, removed by the next prune)."""
    aside = folder.with_name(f".unusable-{folder.name}-{int(time.time())}")
    os.rename(folder, aside)
    return aside


def _prune(root: Path, keep: Path) -> None:
    """Remove all but the newest KEEP_BUILDS builds, and leftovers of failed or unusable ones."""
    builds = sorted(
        (p for p in root.iterdir() if (p / MANIFEST).is_file() and p != keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    leftovers = [p for p in root.iterdir() if p.name.startswith((".unusable-", ".building-"))]
    stale = builds[KEEP_BUILDS - 1 :] + leftovers  # under the lock, so no build is in progress
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
