"""Check curated module files while they are being written.

Loads the schema, every curated module that exists, and the given files, runs the quality-check queries
(queries/qc/) and reports the rows whose focus node is written in the given files, so a curator sees only
the problems of the files at hand.

usage: python -m tpbc_kg.curation_check FILE [FILE ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rdflib import Graph, URIRef

from tpbc_kg.load import InputError, bind_prefixes, catalog, parse_into
from tpbc_kg.qc import run_checks


def _context_graph(files: list[Path]) -> Graph:
    graph = bind_prefixes(Graph())
    wanted = {p.resolve() for p in files}
    for path in catalog().values():
        if path.is_file() and path.resolve() not in wanted and path.name != "tpbc-kg.ttl":
            parse_into(graph, path)
    for path in files:
        parse_into(graph, path)
    return graph


def check(files: list[Path]) -> list[str]:
    """Problems found in the given files, one line each."""
    graph = _context_graph(files)
    own = Graph()
    for path in files:
        parse_into(own, path)
    written = {term for triple in own for term in triple if isinstance(term, URIRef)}
    problems = []
    for problem in run_checks(graph):
        if isinstance(problem.focus, URIRef) and problem.focus in written:
            name = graph.namespace_manager.normalizeUri(problem.focus)
            problems.append(f"[{problem.severity}] {problem.check}: {name}: {problem.detail}")
    return sorted(set(problems))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    try:
        problems = check(args.files)
    except InputError as error:
        print(error, file=sys.stderr)
        return 2
    for line in problems:
        print(line)
    errors = sum(1 for p in problems if p.startswith("[error]"))
    print(f"{errors} error(s), {len(problems) - errors} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
