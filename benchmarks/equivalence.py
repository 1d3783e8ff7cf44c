"""Exhaustive check that the fast entry validation equals the reference, on every failing fixture.

For each fixture in tests/data/shapes/invalid/, the entry is validated two ways:
- fast: the entry's neighbourhood in the bundled graph, hybrid engine (the default `tpbc-kg validate FILE`);
- reference: the whole bundled graph plus the entry, pure pyshacl, restricted to the entry's nodes;
and the results are compared on (focus node, path, constraint component, severity). The test suite runs
this comparison on a sample (it takes about 0.5 s a fixture); this script runs all of them and prints a
markdown summary. Exit status 1 if any fixture differs.

usage: python benchmarks/equivalence.py [--every N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=1, help="check every Nth fixture only")
    args = parser.parse_args(argv)
    from tpbc_kg.progress import progress

    chosen = FIXTURES[:: args.every]
    differing: list[str] = []
    fast_total = reference_total = 0.0
    with progress("fixtures", total=len(chosen), unit="fixture") as advance:
        for fixture in chosen:
            equal, fast, reference = compare(fixture)
            fast_total += fast
            reference_total += reference
            if not equal:
                differing.append(fixture.stem)
            advance()
    print("| fixtures | identical results | fast path, mean | whole-graph pyshacl, mean |")
    print("|---|---|---|---|")
    count = len(chosen)
    print(
        f"| {count} | {count - len(differing)} | {fast_total / count * 1000:.0f} ms | "
        f"{reference_total / count * 1000:.0f} ms |"
    )
    for stem in differing:
        print(f"differs: {stem}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
