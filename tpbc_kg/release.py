"""A versioned release bundle: every download a user of the graph may want, byte-identical on every run.

`build_release(directory, version)` writes, into a fresh folder that replaces `directory` in one rename:

- `tpbc-kg.ttl` the asserted graph (ontology + curated modules), `tpbc-kg-inferred.ttl` the reasoner's
  inferred triples, `tpbc-kg.nt` both as sorted N-Triples, `tpbc-kg.nq` both in their own named graphs
  (ASSERTED_GRAPH, INFERRED_GRAPH), `tpbc-kg.jsonld` the asserted graph compacted with the shipped context
  (and `context.jsonld` itself);
- `kgx/nodes.tsv`, `kgx/edges.tsv` (Biolink KGX, tpbc_kg.kgx); `tpbc-kg.sssom.tsv` (tpbc_kg.sssom);
- `docs/index.html` the ontology documentation (tpbc_kg.docs); `queries/` and `shapes/` as shipped;
- `void.ttl` a VoID + DCAT description (version, date, licence, sources, counts, every file with its size
  and checksum); `RELEASE-NOTES.md` (counts and the claim-level diff against a previous release);
- `SHA256SUMS` (`sha256sum -c SHA256SUMS` checks the bundle).

Determinism: blank nodes get canonical labels (rdflib.compare), N-Triples/N-Quads lines and JSON-LD nodes
are sorted, and the release date comes from SOURCE_DATE_EPOCH or else the newest source file, never
the clock. Every `owl:Ontology` in the bundle carries the release's `owl:versionIRI` / `owl:versionInfo`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import DCAT, DCTERMS, OWL, VOID

from tpbc_kg.errors import UserError
from tpbc_kg.export import CONTEXT_PATH, EXPORTERS
from tpbc_kg.named_graphs import ASSERTED_GRAPH, INFERRED_GRAPH
from tpbc_kg.namespace import KG, TPBC
from tpbc_kg.paths import queries_dir, shapes_dir

RELEASE_BASE = "https://w3id.org/tpbc-kg/release/"
LICENCE = URIRef("https://creativecommons.org/publicdomain/zero/1.0/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VERSION_PATTERN = re.compile(r"^\d+\.\d+\.\d+$")
CHECKSUMS = "SHA256SUMS"

ASSERTED_TTL = "tpbc-kg.ttl"
INFERRED_TTL = "tpbc-kg-inferred.ttl"
NTRIPLES = "tpbc-kg.nt"
NQUADS = "tpbc-kg.nq"
JSONLD = "tpbc-kg.jsonld"
DUMPS = (ASSERTED_TTL, INFERRED_TTL, NTRIPLES, NQUADS, JSONLD)
MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".nq": "application/n-quads",
    ".jsonld": "application/ld+json",
    ".tsv": "text/tab-separated-values",
    ".html": "text/html",
    ".md": "text/markdown",
}


class ReleaseError(UserError):
    """A release that cannot be written or read as asked; the message says what to do."""


@dataclass
class Release:
    """What a release was made of and what it wrote (for the notes, the CLI summary and tests)."""

    version: str
    date: dt.date
    asserted: Graph
    inferred: Graph
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------------
# Version and date
# ------------------------------------------------------------------------------------------------------


def check_version(version: str) -> str:
    if not VERSION_PATTERN.match(version):
        raise ReleaseError(f"--version {version!r}: write a version as X.Y.Z (for example 0.2.0)")
    return version


def current_version(graph: Graph) -> str:
    """The version the sources declare (owl:versionInfo of the umbrella ontology)."""
    from tpbc_kg.load import KG_ONTOLOGY

    info = graph.value(KG_ONTOLOGY, OWL.versionInfo)
    return str(info) if info is not None else "0.0.0"


def release_date(sources: list[Path]) -> dt.date:
    """SOURCE_DATE_EPOCH (the reproducible-builds convention) if set, else the day the sources were last
    committed (git), else the day the newest source file changed: the same sources give the same date,
    whatever day the release is built."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
        except ValueError:
            raise ReleaseError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds") from None
    committed = _commit_time(sources)
    newest = committed if committed is not None else max((p.stat().st_mtime for p in sources), default=0.0)
    return dt.datetime.fromtimestamp(newest, tz=dt.UTC).date()


def _commit_time(sources: list[Path]) -> float | None:
    """When the sources were last committed, if they sit unchanged in a git checkout (a fresh clone
    gives every file the clone's modification time; the commit keeps the real one)."""
    import subprocess

    if not sources:
        return None
    folder = Path(sources[0]).resolve().parent
    paths = [str(Path(p).resolve()) for p in sources]
    try:
        dirty = subprocess.run(
            ["git", "-C", str(folder), "status", "--porcelain", "--", *paths],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
        if dirty:
            return None
        stamp = subprocess.run(
            ["git", "-C", str(folder), "log", "-1", "--format=%ct", "--", *paths],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return float(stamp) if stamp.isdigit() else None


def with_version(graph: Graph, version: str) -> Graph:
    """A copy of graph in which every owl:Ontology has versionIRI <ontology>/version and versionInfo."""
    out = Graph()
    for prefix, namespace in graph.namespace_manager.namespaces():
        out.bind(prefix, namespace)
    ontologies = set(graph.subjects(RDF.type, OWL.Ontology))
    for s, p, o in graph:
        if s in ontologies and p in (OWL.versionIRI, OWL.versionInfo):
            continue
        out.add((s, p, o))
    for ontology in ontologies:
        out.add((ontology, OWL.versionIRI, URIRef(f"{ontology}/{version}")))
        out.add((ontology, OWL.versionInfo, Literal(version)))
    return out


def canonical(graph: Graph) -> Graph:
    """The graph with canonical blank-node labels (the same on every run), prefixes kept."""
    out = to_canonical_graph(graph)
    result = Graph()
    for prefix, namespace in graph.namespace_manager.namespaces():
        result.bind(prefix, namespace)
    for triple in out:
        result.add(triple)
    return result


# ------------------------------------------------------------------------------------------------------
# Serialisations
# ------------------------------------------------------------------------------------------------------


def ntriples_lines(graph: Graph) -> list[str]:
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    return sorted({line for line in text.splitlines() if line.strip()})


def ntriples(graph: Graph) -> str:
    return "".join(line + "\n" for line in ntriples_lines(graph))


def nquads(graphs: list[tuple[URIRef, Graph]]) -> str:
    """N-Quads: each graph's sorted N-Triples lines with its name appended."""
    lines = []
    for name, graph in graphs:
        lines += [f"{line[:-1].rstrip()} <{name}> ." for line in ntriples_lines(graph)]
    return "".join(line + "\n" for line in sorted(lines))


def turtle(graph: Graph) -> str:
    return graph.serialize(format="turtle")


def jsonld(graph: Graph) -> str:
    """JSON-LD compacted with the shipped context, nodes sorted by @id so the file never reorders."""
    document = json.loads(EXPORTERS["json-ld"].serialize(graph))
    context = document.pop("@context", None) if isinstance(document, dict) else None
    document = _sorted_sets(document)
    if context is not None and isinstance(document, dict):
        document["@context"] = context
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _sorted_sets(value: object, ordered: bool = False) -> object:
    """JSON-LD arrays are sets (except @list values): sort them, nodes by @id first, recursively."""
    if isinstance(value, dict):
        return {k: _sorted_sets(v, ordered=(k == "@list")) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_sets(v) for v in value]
        if ordered:
            return items

        def key(item: object) -> tuple[str, str]:
            node_id = item.get("@id", "") if isinstance(item, dict) else ""
            return str(node_id), json.dumps(item, sort_keys=True, ensure_ascii=False)

        return sorted(items, key=key)
    return value


# ------------------------------------------------------------------------------------------------------
# Counts and the VoID / DCAT description
# ------------------------------------------------------------------------------------------------------


def entity_counts(graph: Graph) -> dict[URIRef, int]:
    """Curated individuals (kg: IRIs) per asserted class."""
    counts: Counter[URIRef] = Counter()
    for subject, cls in graph.subject_objects(RDF.type):
        if isinstance(subject, URIRef) and str(subject).startswith(str(KG)) and isinstance(cls, URIRef):
            counts[cls] += 1
    return dict(counts)


def entities(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(str(KG))}


def label(graph: Graph, node: URIRef) -> str:
    value = graph.value(node, RDFS.label)
    return str(value) if value is not None else graph.namespace_manager.normalizeUri(node)


def void_description(release: Release, sizes: dict[str, int]) -> Graph:
    """VoID + DCAT: the dataset, its version, date, licence, sources, counts and each distribution."""
    graph = Graph()
    graph.bind("void", VOID)
    graph.bind("dcat", DCAT)
    graph.bind("dcterms", DCTERMS)
    graph.bind("spdx", SPDX)
    graph.bind("tpbc", TPBC._NS)
    graph.bind("owl", OWL)
    base = f"{RELEASE_BASE}{release.version}/"
    dataset = URIRef(base)
    everything = Graph()
    for triple in release.asserted:
        everything.add(triple)
    for triple in release.inferred:
        everything.add(triple)
    add = graph.add
    add((dataset, RDF.type, VOID.Dataset))
    add((dataset, RDF.type, DCAT.Dataset))
    add(
        (
            dataset,
            DCTERMS.title,
            Literal("TPBC-KG: knowledge graph of triple-positive breast cancer", lang="en"),
        )
    )
    add(
        (
            dataset,
            DCTERMS.description,
            Literal(
                "Cited claims about triple-positive breast cancer biology, drugs, resistance mechanisms "
                "and trials, curated from a 2025 review and a commentary; asserted and inferred triples "
                "in separate files.",
                lang="en",
            ),
        )
    )
    add((dataset, OWL.versionInfo, Literal(release.version)))
    add((dataset, URIRef(f"{DCAT}version"), Literal(release.version)))
    add((dataset, DCTERMS.issued, Literal(release.date.isoformat(), datatype=XSD.date)))
    add((dataset, DCTERMS.license, LICENCE))
    add((dataset, DCTERMS.conformsTo, URIRef("https://w3id.org/tpbc-kg/ontology")))
    add((dataset, VOID.vocabulary, URIRef(str(TPBC._NS))))
    add((dataset, VOID.uriSpace, Literal(str(KG))))
    for source in sorted(cast("Iterator[URIRef]", release.asserted.subjects(RDF.type, TPBC.SourceDocument))):
        add((dataset, DCTERMS.source, source))
        add((source, RDFS.label, Literal(label(release.asserted, source), lang="en")))
        doi = release.asserted.value(source, TPBC.doi)
        if doi is not None:
            add((source, OWL.sameAs, URIRef(f"https://doi.org/{doi}")))
    add((dataset, VOID.triples, Literal(len(everything))))
    add((dataset, VOID.entities, Literal(len(entities(release.asserted)))))
    add((dataset, VOID.distinctSubjects, Literal(len(set(everything.subjects())))))
    add((dataset, VOID.distinctObjects, Literal(len(set(everything.objects())))))
    add((dataset, VOID.properties, Literal(len(set(everything.predicates())))))
    for name, part in (("asserted", release.asserted), ("inferred", release.inferred)):
        subset = URIRef(f"{base}#{name}")
        add((dataset, VOID.subset, subset))
        add((subset, RDF.type, VOID.Dataset))
        add((subset, RDFS.label, Literal(f"{name} triples", lang="en")))
        add((subset, VOID.triples, Literal(len(part))))
        add((subset, DCTERMS.identifier, ASSERTED_GRAPH if name == "asserted" else INFERRED_GRAPH))
    for cls, count in sorted(entity_counts(release.asserted).items()):
        partition = URIRef(f"{base}#class-{cls.split('#')[-1].split('/')[-1]}")
        add((dataset, VOID.classPartition, partition))
        add((partition, VOID["class"], cls))
        add((partition, VOID.entities, Literal(count)))
    for path, size in sorted(sizes.items()):
        distribution = URIRef(base + path)
        if path in DUMPS:
            add((dataset, VOID.dataDump, distribution))
        add((dataset, DCAT.distribution, distribution))
        add((distribution, RDF.type, DCAT.Distribution))
        add((distribution, DCAT.downloadURL, distribution))
        add((distribution, DCTERMS.title, Literal(path)))
        add((distribution, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
        media = MEDIA_TYPES.get(Path(path).suffix)
        if media:
            add(
                (
                    distribution,
                    DCAT.mediaType,
                    URIRef(f"https://www.iana.org/assignments/media-types/{media}"),
                )
            )
        checksum = URIRef(f"{base}{path}#sha256")
        add((distribution, SPDX.checksum, checksum))
        add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        add((checksum, SPDX.checksumValue, Literal(release.files[path], datatype=XSD.hexBinary)))
    return graph


# ------------------------------------------------------------------------------------------------------
# Writing the bundle
# ------------------------------------------------------------------------------------------------------


def _write(root: Path, relative: str, text: str, release: Release) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(data)
    release.files[relative] = hashlib.sha256(data).hexdigest()


def _prepare_target(directory: Path) -> None:
    """Refuse to replace a folder that holds something other than a release (or nothing)."""
    if directory.exists() and not directory.is_dir():
        raise ReleaseError(f"-o {directory}: is a file; give a folder for the release")
    if directory.is_dir() and any(directory.iterdir()) and not (directory / CHECKSUMS).is_file():
        raise ReleaseError(
            f"-o {directory}: the folder is not empty and holds no release ({CHECKSUMS} is missing); "
            "give an empty or new folder, or a previous release folder to replace"
        )
    if not directory.parent.is_dir():
        raise ReleaseError(f"-o {directory}: the parent folder {directory.parent} does not exist")


def _swap_in(built: Path, directory: Path) -> None:
    """Replace directory by built with renames, so readers never see half a release."""
    old = None
    if directory.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{directory.name}.old-", dir=directory.parent))
        os.replace(directory, old / "release")
    os.replace(built, directory)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build_release(
    directory: Path,
    version: str | None = None,
    previous: Path | None = None,
    asserted: Graph | None = None,
    inferred: Graph | None = None,
    say: Callable[[str], None] | None = None,
) -> Release:
    """Write the release bundle into directory (replacing a previous release there atomically).

    asserted/inferred default to the bundled graph and its inferred triples; previous is an earlier
    release folder (or RDF file) whose claim-level diff goes into the release notes."""
    from tpbc_kg import api
    from tpbc_kg import diff as _diff
    from tpbc_kg.load import module_files

    directory = Path(directory)
    _prepare_target(directory)
    say = say or (lambda message: None)
    source_graph = asserted if asserted is not None else api.bundled_graph()
    version = check_version(version or current_version(source_graph))
    old = _diff.load_side(previous) if previous is not None else None
    say(f"release {version}: canonicalising the graph")
    release = Release(
        version=version,
        date=release_date(module_files()),
        asserted=canonical(with_version(source_graph, version)),
        inferred=canonical(inferred if inferred is not None else api.inferred_triples()),
    )
    built = Path(tempfile.mkdtemp(prefix=f".{directory.name}.new-", dir=directory.parent))
    try:
        say("writing RDF files")
        _write_rdf(built, release)
        say("copying the canned queries and the SHACL shapes")
        _copy_sources(built, release)
        say("writing KGX, SSSOM and the ontology documentation")
        _write_derived(built, release)
        changes = _diff.diff_graphs(old, release.asserted) if old is not None else None
        _write(built, "RELEASE-NOTES.md", release_notes(release, changes, previous), release)
        sizes = {path: (built / path).stat().st_size for path in release.files}
        _write(built, "void.ttl", turtle(void_description(release, sizes)), release)
        sums = "".join(f"{digest}  {path}\n" for path, digest in sorted(release.files.items()))
        (built / CHECKSUMS).write_text(sums, encoding="utf-8")
        for path in sorted(built.rglob("*")):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        os.chmod(built, 0o755)
        _swap_in(built, directory)
    except BaseException:
        shutil.rmtree(built, ignore_errors=True)
        raise
    return release


def _write_rdf(built: Path, release: Release) -> None:
    """The graph in every RDF serialisation, asserted and inferred apart where the format allows."""
    _write(built, ASSERTED_TTL, turtle(release.asserted), release)
    _write(built, INFERRED_TTL, turtle(release.inferred), release)
    merged = Graph()
    for triple in release.asserted:
        merged.add(triple)
    for triple in release.inferred:
        merged.add(triple)
    _write(built, NTRIPLES, ntriples(merged), release)
    graphs = [(ASSERTED_GRAPH, release.asserted), (INFERRED_GRAPH, release.inferred)]
    _write(built, NQUADS, nquads(graphs), release)
    _write(built, JSONLD, jsonld(release.asserted), release)
    _write(built, "context.jsonld", CONTEXT_PATH.read_text(encoding="utf-8"), release)


def _copy_sources(built: Path, release: Release) -> None:
    """The canned queries and shapes of this version, so the bundle can be queried and checked alone."""
    for folder, pattern in (
        (queries_dir(), "**/*.rq"),
        (queries_dir(), "README.md"),
        (shapes_dir(), "*.ttl"),
    ):
        for source in sorted(folder.glob(pattern)):
            relative = f"{folder.name}/{source.relative_to(folder).as_posix()}"
            _write(built, relative, source.read_text(encoding="utf-8"), release)


def _write_derived(built: Path, release: Release) -> None:
    """KGX, SSSOM and the ontology documentation, all computed from the asserted graph."""
    from tpbc_kg import docs, kgx, sssom

    graph_kgx = kgx.kgx_result(release.asserted)
    release.notes = graph_kgx.notes
    _write(built, "kgx/nodes.tsv", kgx.nodes_tsv(graph_kgx.nodes), release)
    _write(built, "kgx/edges.tsv", kgx.edges_tsv(graph_kgx.edges), release)
    _write(
        built, "tpbc-kg.sssom.tsv", sssom.sssom_tsv(release.asserted, release.version, release.date), release
    )
    _write(
        built, "docs/index.html", docs.render_html(release.asserted, release.version, release.date), release
    )


def release_notes(release: Release, changes: object | None, previous: Path | None) -> str:
    """Markdown: version, date, counts, files, and what changed since the previous release."""
    from tpbc_kg import diff as _diff

    counts = entity_counts(release.asserted)
    lines = [
        f"# TPBC-KG {release.version}",
        "",
        f"Released {release.date.isoformat()}. Licence: CC0 1.0 (graph); the source documents are not "
        "redistributed.",
        "",
        "## Contents",
        "",
        f"- asserted triples: {len(release.asserted)} (`{ASSERTED_TTL}`)",
        f"- inferred triples: {len(release.inferred)} (`{INFERRED_TTL}`)",
        f"- curated entities: {len(entities(release.asserted))}",
        "",
        "| class | entities |",
        "|---|---:|",
    ]
    for cls, count in sorted(counts.items(), key=lambda item: (-item[1], str(item[0]))):
        lines.append(f"| {label(release.asserted, cls)} | {count} |")
    lines += ["", "## Changes", ""]
    if changes is None:
        lines.append(
            "No previous release was given (`tpbc-kg release --previous DIR`), so no changes are listed."
        )
    else:
        assert isinstance(changes, _diff.Diff)
        lines.append(f"Compared with `{previous.name if previous else 'previous'}` ({changes.old_version}).")
        lines += ["", _diff.render_markdown(changes, heading_level=3).rstrip()]
    lines += [
        "",
        "## Files",
        "",
        "Check them with `sha256sum -c SHA256SUMS`.",
        "",
        "| file | what |",
        "|---|---|",
        f"| `{ASSERTED_TTL}` | ontology and curated data, as asserted (Turtle) |",
        f"| `{INFERRED_TTL}` | triples the OWL 2 RL reasoner and rules add (Turtle) |",
        f"| `{NTRIPLES}` | asserted + inferred, one sorted triple a line |",
        f"| `{NQUADS}` | asserted in <{ASSERTED_GRAPH}>, inferred in <{INFERRED_GRAPH}> |",
        f"| `{JSONLD}` | asserted graph, JSON-LD with the context of `context.jsonld` |",
        "| `kgx/nodes.tsv`, `kgx/edges.tsv` | Biolink KGX TSV |",
        "| `tpbc-kg.sssom.tsv` | mappings to Biolink, NCIt, SO, ChEBI, ECO, UO (SSSOM) |",
        "| `docs/index.html` | ontology documentation |",
        "| `void.ttl` | VoID / DCAT description with counts, sizes and checksums |",
        "| `queries/`, `shapes/` | the canned SPARQL questions and the SHACL shapes of this version |",
        "",
        "## KGX mapping notes",
        "",
        "Where the ontology maps a class or property to no Biolink term usable in KGX, the nearest mapped "
        "parent is used:",
        "",
        *[f"- {note}" for note in release.notes],
        "",
    ]
    return "\n".join(lines)
