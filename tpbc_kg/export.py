"""Writing the graph in the formats bioinformaticians load into their own stores.

Exporters are small objects looked up by format name. JSON-LD is compacted with the context shipped in
the package (tpbc_kg/context.jsonld) and embedded in the output, so keys read as words and the file is
self-contained. Files are written atomically: a temporary file in the target folder, then a rename.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

CONTEXT_PATH = Path(__file__).resolve().parent / "context.jsonld"


@dataclass(frozen=True)
class Exporter:
    name: str
    rdflib_format: str
    suffix: str
    media_type: str

    def serialize(self, graph: Graph) -> str:
        return graph.serialize(format=self.rdflib_format)


class JsonLdExporter(Exporter):
    def serialize(self, graph: Graph) -> str:
        context = json.loads(CONTEXT_PATH.read_text(encoding="utf-8"))["@context"]
        return graph.serialize(format="json-ld", context=context, indent=1, sort_keys=True)


EXPORTERS: dict[str, Exporter] = {
    "turtle": Exporter("turtle", "turtle", ".ttl", "text/turtle"),
    "json-ld": JsonLdExporter("json-ld", "json-ld", ".jsonld", "application/ld+json"),
    "nt": Exporter("nt", "nt", ".nt", "application/n-triples"),
    "xml": Exporter("xml", "pretty-xml", ".rdf", "application/rdf+xml"),
}


def exporter(name: str) -> Exporter:
    try:
        return EXPORTERS[name]
    except KeyError:
        raise ValueError(f"unknown export format {name!r}; choose one of {', '.join(EXPORTERS)}") from None


def serialize(graph: Graph, fmt: str) -> str:
    return exporter(fmt).serialize(graph)


def write_atomic(path: Path, text: str) -> None:
    """Write text to path so that readers see the old file or the new one, never half of it; the file
    keeps its mode, a new one gets the umask's (tpbc_kg.atomic)."""
    from tpbc_kg.atomic import write_atomic as _write

    _write(Path(path), text)


def export(graph: Graph, fmt: str, path: Path) -> None:
    from tpbc_kg.progress import progress

    with progress(f"exporting {fmt}", total=2) as advance:
        text = serialize(graph, fmt)
        advance()
        write_atomic(path, text)
        advance()
