"""Loading the ontology and the curated modules into one rdflib Graph.

The umbrella ontology (ontology/tpbc-kg.ttl) imports the schema and every curated module; the
Protégé-style catalog maps each import IRI to a local file, so loading never touches the network and
Protégé opens the same files the same way.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL
from rdflib.plugins.parsers.notation3 import BadSyntax

from tpbc_kg.errors import UserError
from tpbc_kg.namespace import KG, TPBC
from tpbc_kg.paths import catalog_path, ontology_dir

KG_ONTOLOGY = URIRef("https://w3id.org/tpbc-kg/kg")
SCHEMA_ONTOLOGY = URIRef("https://w3id.org/tpbc-kg/ontology")

FORMATS_BY_SUFFIX = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
}


@dataclass
class InputError(UserError):
    """A file that cannot be read as RDF: where, and what to do about it."""

    path: Path
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


def catalog(path: Path | None = None) -> dict[URIRef, Path]:
    """Import IRI -> local file, from the OASIS XML catalog."""
    path = path or catalog_path()
    root = ET.parse(path).getroot()
    mapping: dict[URIRef, Path] = {}
    for element in root.iter():
        name, uri = element.get("name"), element.get("uri")
        if element.tag.endswith("uri") and name and uri:
            mapping[URIRef(name)] = (path.parent / uri).resolve()
    return mapping


def guess_format(path: Path, explicit: str | None = None) -> str:
    """The rdflib parser name for a file, from --format or the file's extension."""
    if explicit:
        return {"ttl": "turtle", "jsonld": "json-ld", "ntriples": "nt", "rdfxml": "xml"}.get(
            explicit, explicit
        )
    fmt = FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            path,
            f"unknown RDF format for extension {path.suffix!r}; use .ttl, .jsonld, .nt or .rdf, "
            "or pass --format turtle|json-ld|nt|xml",
        )
    return fmt


def _syntax_position(error: BadSyntax) -> tuple[int | None, int | None]:
    text = getattr(error, "_str", None)
    index = getattr(error, "_i", None)
    if not isinstance(text, str | bytes) or index is None:
        return None, None
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    before = text[:index]
    line = before.count("\n") + 1
    column = index - (before.rfind("\n") + 1) + 1
    return line, column


def parse_into(graph: Graph, path: Path, fmt: str | None = None) -> Graph:
    """Parse one file into graph, turning every parser failure into an InputError with a position."""
    if not path.is_file():
        raise InputError(path, "file not found; check the path")
    fmt = guess_format(path, fmt)
    try:
        graph.parse(path, format=fmt)
    except BadSyntax as error:
        line, column = _syntax_position(error)
        reason = getattr(error, "_why", None) or str(error).splitlines()[0]
        raise InputError(
            path, f"{fmt} syntax error: {reason}; fix the file and retry", line, column
        ) from None
    except UnicodeDecodeError as error:
        raise InputError(path, f"not UTF-8 text ({error.reason}); save the file as UTF-8") from None
    except Exception as error:  # rdflib's JSON-LD and RDF/XML parsers raise many unrelated types
        line = getattr(error, "lineno", None) or getattr(error, "line", None)
        column = getattr(error, "colno", None)
        raise InputError(path, f"{fmt} could not be parsed: {error}", line, column) from None
    return graph


def _walk_imports(graph: Graph, root: URIRef, resolver: dict[URIRef, Path]) -> list[Path]:
    """Parse root and everything it imports, transitively, into graph; return the files in order."""
    from tpbc_kg.progress import progress

    files: list[Path] = []
    pending = [root]
    visited: set[URIRef] = set()
    with progress("loading modules", unit="file") as advance:
        while pending:
            iri = pending.pop(0)
            if iri in visited:
                continue
            visited.add(iri)
            path = resolver.get(iri)
            if path is None:
                raise InputError(catalog_path(), f"owl:imports {iri} has no entry in the catalog; add one")
            parse_into(graph, path)
            advance()
            files.append(path)
            pending.extend(
                sorted((o for o in graph.objects(iri, OWL.imports) if isinstance(o, URIRef)), key=str)
            )
    return files


def module_files(root: URIRef = KG_ONTOLOGY) -> list[Path]:
    """The files of root and everything it imports, in import order."""
    return _walk_imports(Graph(), root, catalog())


def bind_prefixes(graph: Graph) -> Graph:
    graph.bind("tpbc", TPBC._NS)
    graph.bind("kg", KG)
    graph.bind("skos", "http://www.w3.org/2004/02/skos/core#")
    graph.bind("dcterms", "http://purl.org/dc/terms/")
    return graph


@cache
def _prefixes() -> tuple[tuple[str, str], ...]:
    return tuple((prefix, str(ns)) for prefix, ns in bind_prefixes(Graph()).namespaces() if prefix)


def prefix_map() -> dict[str, str]:
    """The prefixes every graph, store, ad-hoc query and message of the package uses (tpbc:, kg:, rdf: ...):
    the one prefix map (a new dict each call, for callers that add to it)."""
    return dict(_prefixes())


def load(root: URIRef = KG_ONTOLOGY) -> Graph:
    """The whole knowledge graph (schema + curated modules) as one rdflib Graph."""
    graph = bind_prefixes(Graph())
    _walk_imports(graph, root, catalog())
    return graph


def load_schema() -> Graph:
    """Only the TBox and its mappings."""
    return load(SCHEMA_ONTOLOGY)


def curated_files() -> list[Path]:
    """The curated module files (the ABox), without the schema."""
    schema = set(module_files(SCHEMA_ONTOLOGY))
    return [p for p in module_files() if p not in schema and p != ontology_dir() / "tpbc-kg.ttl"]
