"""Exhaustive check that the fast entry validation equals the reference, on every failing fixture.

For each fixture in tests/data/shapes/invalid/, the entry is validated two ways:
- fast: the entry's neighbourhood in the bundled graph, hybrid engine (the default `tpbc-kg validate FILE`);
- reference: the whole bundled graph plus the entry, pure pyshacl, restricted to the entry's nodes;
and the results are compared on (focus node, path, constraint component, severity). The test suite runs
this comparison on a sample (it takes about 0.5 s a fixture); this script runs all of them and prints a
markdown summary. Exit status 1 if any fixture differs.

With --engine oxigraph it checks the whole-graph engine instead (every constraint as SPARQL on Oxigraph,
`tpbc-kg validate` without files): each fixture is merged into the bundled graph, the whole graph is
validated, and the results on the fixture's nodes are compared with pure pyshacl's; --generated also
validates a generated graph of that many triples both ways (the reference there is pyshacl for the core
constraints, the hybrid engine: pure pyshacl does not finish on 100k triples in reasonable time).

usage: python benchmarks/equivalence.py [--every N]
       python benchmarks/equivalence.py --engine oxigraph [--every N] [--generated 100000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
FIXTURES = sorted((ROOT / "tests" / "data" / "shapes" / "invalid").glob("*.ttl"))


def keys(results: list) -> set[tuple[str, str, str, str]]:
    return {(r.focus, r.path or "", r.component, r.severity) for r in results}


def compare(fixture: Path) -> tuple[bool, float, float]:
    """(equal, fast seconds, reference seconds) for one fixture."""
    from tpbc_kg import validate
    from tpbc_kg.api import bundled_graph

    entry = validate.read_entries([fixture])
    focus = validate.entry_focus_nodes(entry)
    start = time.perf_counter()
    fast = validate.validate_entry_graph(entry, [fixture])
    fast_seconds = time.perf_counter() - start
    start = time.perf_counter()
    with validate.overlaid(bundled_graph(), entry) as data:
        report = validate.run_engine(data, focus, engine="pyshacl")
        reference = validate._results(report, data, validate.SourceLocator())
    return keys(fast.results) == keys(reference), fast_seconds, time.perf_counter() - start


def compare_whole_graph(fixture: Path, base: Any) -> tuple[bool, float, float]:
    """(equal, oxigraph seconds, reference seconds): the fixture merged into the bundled graph (base, an
    Oxigraph store holding it), validated whole by the oxigraph engine, against pyshacl on its nodes."""
    import pyoxigraph as ox

    from tpbc_kg import validate
    from tpbc_kg.api import bundled_graph
    from tpbc_kg.store import to_oxigraph

    entry = validate.read_entries([fixture])
    focus = validate.entry_focus_nodes(entry)
    names = validate.bind_prefixes(validate.Graph())
    wanted = {validate._term_text(names, node) for node in focus}
    with validate.overlaid(bundled_graph(), entry) as data:
        quads = [ox.Quad(*(to_oxigraph(term) for term in t)) for t in entry]
        fresh = [q for q in quads if q not in base]
        base.extend(fresh)
        try:
            start = time.perf_counter()
            fast = validate._results(validate.oxigraph_report(base), data, validate.SourceLocator())
            fast_seconds = time.perf_counter() - start
        finally:
            for quad in fresh:
                base.remove(quad)
        start = time.perf_counter()
        report = validate.run_engine(data, focus, engine="pyshacl")
        reference = validate._results(report, data, validate.SourceLocator())
    equal = {k for k in keys(fast) if k[0] in wanted} == keys(reference)
    return equal, fast_seconds, time.perf_counter() - start


def compare_generated(triples: int) -> tuple[str, bool]:
    """A generated graph validated whole both ways; a markdown row."""
    import generate
    import pyoxigraph as ox
    from rdflib import Graph

    from tpbc_kg import validate

    data = ox.serialize(generate.iter_triples(triples, seed=1), format=ox.RdfFormat.N_TRIPLES)
    store = ox.Store()
    store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
    graph = Graph().parse(data=data, format="nt")
    start = time.perf_counter()
    fast = validate._results(validate.oxigraph_report(store), graph, validate.SourceLocator())
    fast_seconds = time.perf_counter() - start
    start = time.perf_counter()
    report = validate.run_engine(graph, None, engine="hybrid", store=store)
    reference = validate._results(report, graph, validate.SourceLocator())
    reference_seconds = time.perf_counter() - start
    same = keys(fast) == keys(reference)
    return (
        f"| generated, {len(graph):,} triples | {'identical' if same else 'DIFFERENT'} "
        f"({len(fast)} / {len(reference)} results) | {fast_seconds:.1f} s | {reference_seconds:.1f} s |"
    ), same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=1, help="check every Nth fixture only")
    parser.add_argument("--engine", choices=["entry", "oxigraph"], default="entry",
                        help="entry: the fast entry path (default); oxigraph: whole-graph SPARQL validation")
    parser.add_argument(
        "--generated", type=int, default=0, help="with --engine oxigraph: also a generated graph"
    )
    args = parser.parse_args(argv)
    from tpbc_kg.progress import progress

    chosen = FIXTURES[:: args.every]
    differing: list[str] = []
    fast_total = reference_total = 0.0
    base = None
    if args.engine == "oxigraph":
        from tpbc_kg.api import bundled_graph
        from tpbc_kg.store import to_store

        base = to_store(bundled_graph())
    same, row = True, ""
    if args.generated and base is not None:  # first: it is the comparison at scale
        row, same = compare_generated(args.generated)
        print(row, file=sys.stderr, flush=True)
    with progress("fixtures", total=len(chosen), unit="fixture") as advance:
        for fixture in chosen:
            if base is not None:
                equal, fast, reference = compare_whole_graph(fixture, base)
            else:
                equal, fast, reference = compare(fixture)
            fast_total += fast
            reference_total += reference
            if not equal:
                differing.append(fixture.stem)
                print(f"differs: {fixture.stem}", file=sys.stderr, flush=True)
            advance()
    fast_name = "whole graph on Oxigraph" if base is not None else "fast path"
    reference_name = "pyshacl on the fixture's nodes" if base is not None else "whole-graph pyshacl"
    print(f"| fixtures | identical results | {fast_name}, mean | {reference_name}, mean |")
    print("|---|---|---|---|")
    count = len(chosen)
    print(
        f"| {count} | {count - len(differing)} | {fast_total / count * 1000:.0f} ms | "
        f"{reference_total / count * 1000:.0f} ms |"
    )
    if row:
        print(row)
    for stem in differing:
        print(f"differs: {stem}")
    return 1 if differing or not same else 0


if __name__ == "__main__":
    sys.exit(main())
