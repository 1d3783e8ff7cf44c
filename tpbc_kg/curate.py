"""`add`: validate a curator's entry, then merge it into the curated Turtle modules, all or nothing.

Each new triple goes to the module of its subject's class (genes, drugs, trials ...), never to whichever
module happens to mention the subject first: a drug's new triples go to drugs.ttl even when pathways.ttl
also says something about the drug. Where an area has several modules (the trials), the one that already
describes the subject is kept. Claims and discrepancies follow the node they are about.

The merged triples are appended to each module as one block in a fixed order (subjects, then predicates
with rdf:type and rdfs:label first, then objects, all sorted), so a merge is a small, readable diff
and the same entry always produces the same bytes. Every module is rewritten through temporary files
and renames (keeping each file's mode); if anything fails midway the originals are put back byte for
byte.

Writers take turns: `add` holds an exclusive lock (filelock, ontology/.tpbc-kg-write.lock) from the moment
it reads the modules until its renames are done, so two curators adding at once both keep their work. A
second writer says it is waiting and gives up, writing nothing, after TPBC_KG_LOCK_TIMEOUT seconds (600).
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from filelock import FileLock, Timeout
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.term import Node

from tpbc_kg.api import bundled_graph, reload
from tpbc_kg.atomic import explain, write_temp
from tpbc_kg.load import InputError, bind_prefixes, catalog
from tpbc_kg.namespace import TPBC
from tpbc_kg.paths import ontology_dir
from tpbc_kg.validate import (
    SourceLocator,
    ValidationReport,
    overlaid,
    read_entries,
    validate_entry_graph,
)

_DATA = "https://w3id.org/tpbc-kg/data/"

# Area of each class (subclasses included): the module where new nodes of that class are written.
AREA_OF_CLASS: dict[URIRef, str] = {
    TPBC.Reference: "references",
    TPBC.Gene: "genes",
    TPBC.GeneProduct: "genes",
    TPBC.GeneFamily: "genes",
    TPBC.MolecularEntity: "genes",
    TPBC.MolecularAlteration: "alterations",
    TPBC.Pathway: "pathways",
    TPBC.BiologicalProcess: "pathways",
    TPBC.PathwayStep: "pathways",
    TPBC.TreatmentStrategy: "drugs",
    TPBC.Drug: "drugs",
    TPBC.AdverseEffect: "drugs",
    TPBC.Study: "trials-additions",
    TPBC.TrialArm: "trials-additions",
    TPBC.Regimen: "trials-additions",
    TPBC.Outcome: "trials-additions",
    TPBC.ResistanceMechanism: "resistance",
    TPBC.Biomarker: "biomarkers",
    TPBC.DiseaseSubtype: "biomarkers",
    TPBC.CellType: "biomarkers",
    TPBC.MicroenvironmentComponent: "biomarkers",
}
# Areas with several modules: a node already described in one of them stays there; the first is the default.
MODULES_OF_AREA: dict[str, tuple[str, ...]] = {
    "trials-additions": ("trials-additions", "trials-table1", "trials-table2"),
}
# Claims are written beside the node they are about.
ANCHOR_OF_CLAIM = (TPBC.claimSubject, TPBC.outcomeOf, TPBC.armOf, TPBC.aboutEntity)


class EntryRejected(Exception):
    """The entry failed validation; nothing was written."""

    def __init__(self, report: ValidationReport):
        super().__init__(f"{len(report.violations)} violation(s)")
        self.report = report


@dataclass
class AddPlan:
    """What `add` would write: new triples per module file, and how many were already present."""

    additions: dict[Path, Graph] = field(default_factory=dict)
    already_present: int = 0
    report: ValidationReport | None = None

    @property
    def new_triples(self) -> int:
        return sum(len(g) for g in self.additions.values())


def module_paths() -> dict[str, Path]:
    """Area name (e.g. 'genes') -> curated module file, from the catalog."""
    return {str(iri)[len(_DATA) :]: path for iri, path in catalog().items() if str(iri).startswith(_DATA)}


def _subjects_by_module(paths: Mapping[str, Path]) -> dict[URIRef, list[Path]]:
    """Every module that describes each subject (a drug may be described in drugs.ttl and pathways.ttl).
    The modules are scanned as text for the lines that open a subject (the modules write one subject
    per unindented line), not parsed again: the graph was parsed a moment ago, and this runs under the
    write lock, where every second makes the next writer wait."""
    owners: dict[URIRef, list[Path]] = defaultdict(list)
    for path in paths.values():
        for subject in SourceLocator.of([path]).index:
            owners[subject].append(path)
    return owners


def _area_of(node: URIRef, graph: Graph) -> str | None:
    for rdf_type in sorted(graph.objects(node, RDF.type), key=str):
        lineage = [rdf_type, *graph.transitive_objects(rdf_type, RDFS.subClassOf)]
        for cls in lineage:
            if isinstance(cls, URIRef) and cls in AREA_OF_CLASS:
                return AREA_OF_CLASS[cls]
    return None


def _module_of_area(
    area: str, node: URIRef, owners: Mapping[URIRef, list[Path]], paths: Mapping[str, Path]
) -> Path | None:
    candidates = [paths[name] for name in MODULES_OF_AREA.get(area, (area,)) if name in paths]
    for path in candidates:
        if path in owners.get(node, []):
            return path
    return candidates[0] if candidates else None


def _module_for(
    node: URIRef,
    graph: Graph,
    owners: Mapping[URIRef, list[Path]],
    paths: Mapping[str, Path],
    seen: frozenset[URIRef] = frozenset(),
) -> Path | None:
    """The module a triple about node belongs in: its class's module; for claims and other nodes without
    an area, the module of the node they are about; else the first module already describing node."""
    area = _area_of(node, graph)
    if area is not None:
        return _module_of_area(area, node, owners, paths)
    for link in ANCHOR_OF_CLAIM:
        for anchor in sorted(graph.objects(node, link), key=str):
            if isinstance(anchor, URIRef) and anchor not in seen:
                found = _module_for(anchor, graph, owners, paths, seen | {node})
                if found is not None:
                    return found
    described_in = owners.get(node)
    return described_in[0] if described_in else None


def plan(entry: Graph, base: Graph, files: Sequence[Path]) -> AddPlan:
    """Validate the entry against base (the same checks as `validate`) and decide where each new triple
    goes. Raises EntryRejected."""
    report = validate_entry_graph(entry, files, base, checks=True)
    if report.violations:
        raise EntryRejected(report)
    new = [t for t in entry if t not in base]
    result = AddPlan(already_present=len(entry) - len(new), report=report)
    if not new:
        return result
    paths = module_paths()
    owners = _subjects_by_module(paths)
    with overlaid(base, entry) as merged:
        for triple in new:
            subject = triple[0]
            target = _module_for(subject, merged, owners, paths)  # type: ignore[arg-type]
            if target is None:
                raise InputError(
                    files[0],
                    f"cannot tell which module {subject} belongs to: give it an rdf:type from the ontology",
                )
            result.additions.setdefault(target, bind_prefixes(Graph())).add(triple)
    return result


# --- deterministic Turtle for the appended block -------------------------------------------------------


def _qname(graph: Graph, predicate: Node) -> str:
    """The predicate as prefix:name (a predicate is an IRI; rdflib types graph terms as Node)."""
    return graph.namespace_manager.normalizeUri(cast(URIRef, predicate))


def _predicate_key(graph: Graph, predicate: Node) -> tuple[int, str]:
    first: dict[Node, int] = {RDF.type: 0, RDFS.label: 1}
    return first.get(predicate, 2), _qname(graph, predicate)


def _object_text(graph: Graph, node: Node) -> str:
    return node.n3(graph.namespace_manager)


def turtle_block(graph: Graph) -> str:
    """The triples as Turtle statements in a fixed order (no prefix lines: the module declares them)."""
    by_subject: dict[Node, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in graph:
        by_subject[s][p].append(o)
    blocks = []
    for subject in sorted(by_subject, key=str):
        predicates = by_subject[subject]
        lines = [_object_text(graph, subject)]
        ordered = sorted(predicates, key=lambda p: _predicate_key(graph, p))
        for index, predicate in enumerate(ordered):
            objects = sorted(_object_text(graph, o) for o in predicates[predicate])
            name = "a" if predicate == RDF.type else _qname(graph, predicate)
            end = " ." if index == len(ordered) - 1 else " ;"
            lines.append(f"    {name} {' , '.join(objects)}{end}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def rendered_additions(plan_: AddPlan, label: str) -> dict[Path, str]:
    """New full text of every module that receives triples."""
    out = {}
    for path, graph in sorted(plan_.additions.items()):
        old = path.read_text(encoding="utf-8")
        separator = "" if old.endswith("\n") else "\n"
        out[path] = f"{old}{separator}\n# --- added by `tpbc-kg add {label}` ---\n\n{turtle_block(graph)}"
    return out


# --- all-or-nothing write ----------------------------------------------------------------------------------


def _write_temp(path: Path, text: str) -> Path:
    return write_temp(path, text.encode("utf-8"))


def replace_files(contents: Mapping[Path, str]) -> None:
    """Replace every file or none: on any failure (also an interrupt) the originals are restored."""
    originals = {path: path.read_bytes() for path in contents}
    temps: dict[Path, Path] = {}
    replaced: list[Path] = []
    try:
        for path, text in contents.items():
            temps[path] = _write_temp(path, text)
        for path, temp in temps.items():
            try:
                os.replace(temp, path)
            except OSError as error:
                raise explain(error, path) from error
            replaced.append(path)
    except BaseException:
        for path in replaced:
            restore = _write_temp(path, originals[path].decode("utf-8"))
            os.replace(restore, path)
        for temp in temps.values():
            temp.unlink(missing_ok=True)
        raise


@dataclass
class AddOutcome:
    plan: AddPlan
    written: list[Path]
    dry_run: bool


LOCK_NAME = ".tpbc-kg-write.lock"
LOCK_TIMEOUT_ENV = "TPBC_KG_LOCK_TIMEOUT"


def lock_path() -> Path:
    """The lock every writer of the curated modules holds (beside the modules, so each checkout has one)."""
    return ontology_dir() / LOCK_NAME


def _lock_timeout() -> float:
    value = os.environ.get(LOCK_TIMEOUT_ENV, "600")
    try:
        return max(0.0, float(value))
    except ValueError:
        raise InputError(Path(LOCK_TIMEOUT_ENV), f"{value!r} is not a number of seconds") from None


@contextmanager
def writer_lock(say=lambda message: print(message, file=sys.stderr)) -> Iterator[None]:
    """Hold the curated modules' write lock for the block. If another writer holds it, say so and wait
    (up to TPBC_KG_LOCK_TIMEOUT seconds); then give up with an InputError, having written nothing."""
    path = lock_path()
    lock = FileLock(path)
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            timeout = _lock_timeout()
            say(
                f"tpbc-kg: another `tpbc-kg add` is writing the curated modules; waiting up to {timeout:g} s "
                f"for it to finish (lock {path})"
            )
            try:
                lock.acquire(timeout=timeout)
            except Timeout:
                raise InputError(
                    path,
                    f"another tpbc-kg process held the write lock for {timeout:g} s; nothing was written. "
                    f"Run add again when it has finished (or raise {LOCK_TIMEOUT_ENV})",
                ) from None
    except OSError as error:
        raise InputError(
            path,
            f"cannot create the write lock ({error.strerror or error}): the ontology folder must be writable",
        ) from None
    try:
        yield
    finally:
        lock.release()


def add(
    files: Sequence[Path], fmt: str | None = None, dry_run: bool = False, base: Graph | None = None
) -> AddOutcome:
    """Validate the entry files and merge them into the curated modules (unless dry_run). The modules are
    read, planned against and written under the writer lock, so concurrent adds never lose each other's
    triples."""
    entry = read_entries(files, fmt)
    if dry_run:
        return AddOutcome(plan(entry, base if base is not None else bundled_graph(), files), [], dry_run)
    with writer_lock():
        if base is None:
            reload()  # another writer may have changed the modules since this process read them
        context = base if base is not None else bundled_graph()
        the_plan = plan(entry, context, files)
        if not the_plan.additions:
            return AddOutcome(the_plan, [], dry_run)
        label = " ".join(Path(f).name for f in files)
        contents = rendered_additions(the_plan, label)
        replace_files(contents)
    reload()  # the modules changed: the next reader parses them again
    return AddOutcome(the_plan, sorted(contents), dry_run)


def describe_plan(outcome: AddOutcome, root: Path | None = None) -> str:
    """What was (or would be) added, module by module, as text."""
    the_plan = outcome.plan
    if not the_plan.additions:
        present = the_plan.already_present
        return f"nothing to add: all {present} triple(s) of the entry are already in the graph\n"
    verb = "would add" if outcome.dry_run else "added"
    lines = []
    for path, graph in sorted(the_plan.additions.items()):
        shown = path.relative_to(root) if root and path.is_relative_to(root) else path
        lines.append(f"{verb} {len(graph)} triple(s) to {shown}")
        if outcome.dry_run:
            lines += ["", turtle_block(graph)]
    if the_plan.already_present:
        lines.append(f"{the_plan.already_present} triple(s) were already present")
    return "\n".join(lines) + "\n"
