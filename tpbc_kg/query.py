"""SPARQL files with self-describing headers, and running them with engine-bound parameters.

Each .rq file opens with `# key: value` lines (title, question, parameters, columns, severity, fix ...);
the rest is the query. Parameters are bound by the engine (initBindings), never pasted into the text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.query import Result
from rdflib.term import Node

from tpbc_kg.paths import queries_dir

_HEADER_LINE = re.compile(r"^#\s*([A-Za-z_-]+)\s*:\s*(.*)$")


@dataclass(frozen=True)
class QueryFile:
    """One .rq file: its name (file stem), header fields and SPARQL text."""

    name: str
    path: Path
    header: Mapping[str, str] = field(default_factory=dict)
    text: str = ""

    @property
    def title(self) -> str:
        return self.header.get("title", self.name)

    @property
    def severity(self) -> str:
        return self.header.get("severity", "error")


def read_query_file(path: Path) -> QueryFile:
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    last_key = None
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = _HEADER_LINE.match(line)
        if match:
            last_key = match.group(1).lower()
            header[last_key] = match.group(2).strip()
        elif last_key:
            header[last_key] += " " + line.lstrip("#").strip()
    return QueryFile(name=path.stem, path=path, header=header, text=text)


def query_files(folder: Path) -> list[QueryFile]:
    return [read_query_file(p) for p in sorted(folder.glob("*.rq"))]


def qc_queries() -> list[QueryFile]:
    """The quality checks: queries that must return no rows on a sound graph."""
    return query_files(queries_dir() / "qc")


def run(graph: Graph, query: QueryFile, bindings: Mapping[str, Node] | None = None) -> Result:
    return graph.query(query.text, initBindings=dict(bindings or {}))
