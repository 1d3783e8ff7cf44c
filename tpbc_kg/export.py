"""Writing the graph in the formats bioinformaticians load into their own stores.

Exporters are small objects looked up by format name. JSON-LD is compacted with the context shipped in
the package (tpbc_kg/context.jsonld) and embedded in the output, so keys read as words and the file is
self-contained. Files are written atomically: a temporary file in the target folder, then a rename.
"""

from __future__ import annotations

import json
import os
import tempfile
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
    """Compact JSON-LD with the shipped context, written by tpbc_kg.jsonld (a compactor for this simple
    context, in one pass over the triples; tests/test_jsonld.py checks it against rdflib's output)."""

    def serialize(self, graph: Graph) -> str:
        from tpbc_kg.jsonld import graph_to_jsonld

        return graph_to_jsonld(graph)


def rdflib_json_ld(graph: Graph) -> str:
    """rdflib's own compaction with the shipped context: the reference the fast writer is tested against."""
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
    """Write text to path so that readers see the old file or the new one, never half of it."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export(graph: Graph, fmt: str, path: Path) -> None:
    from tpbc_kg.progress import progress

    with progress(f"exporting {fmt}", total=2) as advance:
        text = serialize(graph, fmt)
        advance()
        write_atomic(path, text)
        advance()
