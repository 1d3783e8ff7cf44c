"""Benchmark: the default configuration (Oxigraph store, neighbourhood + hybrid validation) against the
naive baseline (rdflib's in-memory store, pyshacl over the whole graph), on the bundled graph and on
synthetic graphs of 100k and 1M triples (benchmarks/generate.py). Prints one markdown table per size.

usage: python benchmarks/run.py            # bundled, 100k and 1M (about half an hour on 2 cores)
       python benchmarks/run.py --sizes 10M --save runs/   # 10M, default configuration only
       python benchmarks/run.py --merge runs/bundled.json runs/100k.json runs/1M.json runs/10M.json -o R.md
       python benchmarks/run.py --quick    # bundled and 100k only, under 5 minutes
       python benchmarks/run.py -o benchmarks/RESULTS.md

Each configuration runs in its own fresh process, so its peak memory (ru_maxrss) is its own. Canned
queries run once to warm up (parsing, name index) and then --runs times; p50 and p95 are reported. A
naive step that would run for minutes is stopped at its time limit and reported as "> limit"; its ratio
is then a lower bound (">"). Parameters are given as IRIs: in the synthetic graphs every copy of a trial
shares its acronym, so a name would be ambiguous.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import multiprocessing as mp
import os
import platform
import resource
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = Path(tempfile.gettempdir()) / "tpbc-kg-bench"
SIZES = {"bundled": 0, "100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
ENTRY = ROOT / "examples" / "trial.ttl"


# ------------------------------------------------------------------------------------------------------
# Inputs
# ------------------------------------------------------------------------------------------------------


def dataset(size: str, quiet: bool) -> tuple[Path, str]:
    """(Turtle file, IRI suffix of the copy whose entities the query parameters name)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"kg-{size}.ttl"
    if size == "bundled":
        from tpbc_kg import api

        api.export_file("turtle", path)
        return path, ""
    if not path.is_file():
        if not quiet:
            print(f"generating {size} ...", file=sys.stderr)
        import generate

        generate.write(generate.iter_triples(SIZES[size], seed=1), path)
    return path, "-s0"


def query_cases(suffix: str) -> list[tuple[str, dict[str, str]]]:
    """Every canned query with its header's example parameters, each resolved to an IRI on the bundled
    graph and moved to the copy the synthetic graph keeps (suffix)."""
    from tpbc_kg import api
    from tpbc_kg.query import canned_queries, resolve_value

    graph = api.query_graph()
    cases = []
    for query in canned_queries():
        words = shlex.split(query.example)
        pairs = [words[i + 1] for i, w in enumerate(words[:-1]) if w in ("--param", "-p")]
        params = {}
        for pair in pairs:
            name, value = pair.split("=", 1)
            parameter = next(p for p in query.parameters if p.name == name)
            node = resolve_value(graph, parameter, value)
            kg = "https://w3id.org/tpbc-kg/id/"
            params[name] = str(node) + suffix if str(node).startswith(kg) else str(node)
        cases.append((query.name, params))
    return cases


# ------------------------------------------------------------------------------------------------------
# Measuring
# ------------------------------------------------------------------------------------------------------


@dataclass
class Measure:
    """Seconds per run (None: stopped at its limit), or a note why the step was not run."""

    runs: list[float] = field(default_factory=list)
    limit: float | None = None
    note: str = ""

    @property
    def p50(self) -> float | None:
        return statistics.median(self.runs) if self.runs else None

    @property
    def p95(self) -> float | None:
        if not self.runs:
            return None
        ordered = sorted(self.runs)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def repeated(action: Callable[[], Any], runs: int, budget: float) -> Measure:
    """One warm-up, then up to `runs` timed runs, fewer if they would take more than budget seconds."""
    warm = timed(action)
    if warm > budget:
        return Measure([warm], note="1 run (slow)")
    measured = []
    while len(measured) < runs and (sum(measured) < budget or len(measured) < 2):
        measured.append(timed(action))
    return Measure(measured)


def limited(action: Callable[[], Any], limit: float) -> Measure:
    """Run action in a forked child (which shares the parent's loaded graph); stop it at limit seconds."""
    context = mp.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def child() -> None:
        send.send(timed(action))

    process = context.Process(target=child)
    process.start()
    if receive.poll(limit):
        elapsed = receive.recv()
        process.join()
        return Measure([elapsed])
    process.kill()
    process.join()
    return Measure([], limit=limit, note=f"stopped at {limit:.0f} s")


def peak_memory_mib() -> float:
    """The configuration's peak resident memory: its own, or that of a step run in a forked child."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


# ------------------------------------------------------------------------------------------------------
# The two configurations (each runs in a fresh process)
# ------------------------------------------------------------------------------------------------------


def default_configuration(path: Path, suffix: str, runs: int, quick: bool) -> tuple[dict[str, Measure], int]:
    import pyoxigraph as ox

    from tpbc_kg import jsonld, validate
    from tpbc_kg import store as kgstore
    from tpbc_kg.load import prefix_map
    from tpbc_kg.query import canned_query, execute

    results: dict[str, Measure] = {}
    holder: dict[str, Any] = {}

    def load() -> None:
        holder["store"] = ox.Store()
        holder["store"].bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)

    results["load Turtle"] = Measure([timed(load)])
    store = kgstore.OxigraphStore(holder["store"], prefix_map())

    from tpbc_kg import build, kb

    with tempfile.TemporaryDirectory(dir=CACHE) as folder:
        target = Path(folder) / "kg"
        # the knowledge base's build: parse, infer (reasonable + rules), load, name table, manifest
        results["build knowledge base (parse, infer, load, names)"] = Measure(
            [timed(lambda: build.compile_store(target, [path]))]
        )

        def reopen() -> None:
            opened = kb.open_kb(target, say=None)
            opened.names()
            assert len(opened.store) > 0
            del opened

        results["reopen knowledge base + name index"] = repeated(reopen, runs, 10)
    results["name index (first parameterised query)"] = Measure([timed(store.names)])
    for name, params in query_cases(suffix):
        query = canned_query(name)

        def answer(q: Any = query, p: dict[str, str] = params) -> None:
            execute(store, q, p)

        if len(store) > 5_000_000:  # a whole-graph query may run for minutes at 10M: stop it at 120 s
            first = limited(answer, 120)
            if not first.runs or first.runs[0] > 20:
                first.note = "1 run" if first.runs else first.note
                results[f"query {name}"] = first
                continue
        results[f"query {name}"] = repeated(answer, runs, 20)
    entry = validate.read_entries([ENTRY])
    results["new-entry validation"] = repeated(
        lambda: validate.validate_entry_graph(entry, [ENTRY], base=store), runs, 20
    )
    limits = _limits(quick, len(store))
    results["full validation"] = limited(lambda: validate.validate_store(store), limits["full default"])
    results["export Turtle"] = Measure([timed(lambda: store.serialize("turtle"))])
    results["export JSON-LD"] = limited(lambda: jsonld.store_to_jsonld(store.store), limits["json-ld"])
    for step, measure in cold_cli_steps(path).items():
        results[step] = measure
    return results, len(store)


# --- hook: cold CLI commands (issue 10) -----------------------------------------------------------------
# The lead's issue 10 adds rows for cold `tpbc-kg ...` commands (a fresh process each: import, open the
# store, answer). Register a function here that takes the dataset's path and returns {row name: Measure};
# each row is printed in the size's table, with its growth exponent, after the exports.
COLD_CLI_STEPS: list[Callable[[Path], dict[str, Measure]]] = []


def cold_cli_steps(path: Path) -> dict[str, Measure]:
    rows: dict[str, Measure] = {}
    for step in COLD_CLI_STEPS:
        rows.update(step(path))
    return rows


def _limits(quick: bool, triples: int) -> dict[str, float]:
    """Seconds after which a step is stopped (and reported as "> limit"), so a run ends in reasonable
    time: --quick in under 5 minutes, the full run with 1M triples in well under an hour."""
    if quick:
        return {"query": 10, "repeat": 5, "entry": 60, "full": 30, "full default": 300, "json-ld": 60}
    if triples > 5_000_000:
        return {"query": 20, "repeat": 10, "entry": 120, "full": 120, "full default": 900, "json-ld": 600}
    if triples > 500_000:
        return {"query": 20, "repeat": 10, "entry": 120, "full": 120, "full default": 300, "json-ld": 300}
    return {"query": 30, "repeat": 20, "entry": 300, "full": 300, "full default": 600, "json-ld": 300}


def naive_configuration(path: Path, suffix: str, runs: int, quick: bool) -> tuple[dict[str, Measure], int]:
    from tpbc_kg.query import canned_query, execute
    from tpbc_kg.store import MemoryStore

    results: dict[str, Measure] = {}
    holder: dict[str, Any] = {}
    results["load Turtle"] = Measure([timed(lambda: holder.setdefault("graph", _rdflib_graph(path)))])
    graph = holder["graph"]
    limits = _limits(quick, len(graph))
    results["reopen persistent store"] = Measure(results["load Turtle"].runs, note="no store: parse again")
    memory = MemoryStore(graph)
    for name, params in query_cases(suffix):
        query = canned_query(name)

        def answer(q: Any = query, p: dict[str, str] = params) -> None:
            execute(memory, q, p)

        first = limited(answer, limits["query"])
        slow = not first.runs or first.runs[0] > limits["repeat"]
        if first.runs:
            first.note = "1 run"
        results[f"query {name}"] = first if slow else repeated(answer, runs, limits["repeat"])
    results["new-entry validation"] = limited(lambda: _naive_entry_validation(graph), limits["entry"])
    results["full validation"] = limited(lambda: _naive_pyshacl(graph, None), limits["full"])
    results["export Turtle"] = Measure([timed(lambda: graph.serialize(format="turtle"))])
    results["export JSON-LD"] = limited(lambda: _json_ld(graph), limits["json-ld"])
    return results, len(graph)


def _rdflib_graph(path: Path) -> Any:
    from rdflib import Graph

    return Graph().parse(path, format="turtle")


def _json_ld(graph: Any) -> str:
    from tpbc_kg.export import serialize

    return serialize(graph, "json-ld")


def _naive_pyshacl(data: Any, focus: list[Any] | None) -> Any:
    """pyshacl as a user would call it: the whole data graph, every shape, nothing remembered."""
    import pyshacl

    from tpbc_kg.validate import shapes_graph

    return pyshacl.validate(
        data,
        shacl_graph=shapes_graph(),
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
        inplace=True,
        focus_nodes=focus,
    )


def _naive_entry_validation(graph: Any) -> Any:
    """The entry merged into the whole graph and validated there (its nodes as focus nodes)."""
    from tpbc_kg import validate

    entry = validate.read_entries([ENTRY])
    with validate.overlaid(graph, entry) as data:
        return _naive_pyshacl(data, validate.entry_focus_nodes(entry))


def in_fresh_process(configuration: str, path: Path, suffix: str, runs: int, quick: bool) -> dict[str, Any]:
    """Run one configuration in a new interpreter (spawned, not forked: nothing loaded is shared)."""
    context = mp.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_run_configuration, args=(send, configuration, str(path), suffix, runs, quick)
    )
    process.start()
    outcome = receive.recv()
    process.join()
    return outcome


def _run_configuration(send: Any, configuration: str, path: str, suffix: str, runs: int, quick: bool) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    run = default_configuration if configuration == "default" else naive_configuration
    results, triples = run(Path(path), suffix, runs, quick)
    send.send({"results": results, "peak": peak_memory_mib(), "triples": triples})


# ------------------------------------------------------------------------------------------------------
# Reporting
# ------------------------------------------------------------------------------------------------------


def seconds(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 1:
        return f"{value * 1000:.1f} ms"
    return f"{value:.2f} s"


def cell(measure: Measure | None, which: str = "p50") -> str:
    if measure is None:
        return "–"
    if not measure.runs:
        return f"> {measure.limit:.0f} s" if measure.limit else measure.note or "–"
    value = measure.p50 if which == "p50" else measure.p95
    return seconds(value)


def ratio(default: Measure | None, naive: Measure | None) -> tuple[str, float | None]:
    if default is None or naive is None or not default.runs or default.p50 in (None, 0):
        return "–", None
    if not naive.runs:
        if naive.limit:
            value = naive.limit / default.p50
            return f"> {value:,.0f}×", value
        return "–", None
    value = naive.p50 / default.p50
    return f"{value:,.1f}×" if value < 100 else f"{value:,.0f}×", value


def table(
    size: str, triples: int, default: dict[str, Any], naive: dict[str, Any] | None
) -> tuple[str, dict[str, Any]]:
    rows = [
        f"### {size} ({triples:,} triples)",
        "",
        "| step | default p50 | default p95 | naive p50 | naive p95 | naive / default |",
        "|---|---|---|---|---|---|",
    ]
    ratios: dict[str, float | None] = {}
    naive_results = naive["results"] if naive else {}
    for step, measure in default["results"].items():
        other = naive_results.get(step)
        text, value = ratio(measure, other)
        ratios[step] = value
        note = f" ({measure.note})" if measure.note and measure.runs else ""
        other_note = f" ({other.note})" if other is not None and other.note and other.runs else ""
        rows.append(
            f"| {step} | {cell(measure)}{note} | {cell(measure, 'p95')} | "
            f"{cell(other) if naive else 'not run'}{other_note} | {cell(other, 'p95')} | {text} |"
        )
    if naive:
        peak = naive["peak"] / default["peak"]
        rows.append(
            f"| peak memory | {default['peak']:,.0f} MiB | | {naive['peak']:,.0f} MiB | | {peak:.1f}× |"
        )
    else:
        rows.append(f"| peak memory | {default['peak']:,.0f} MiB | | not run | | – |")
    return "\n".join(rows) + "\n", ratios


def growth(measured: list[tuple[str, dict[str, Any]]]) -> str:
    """The growth exponent of each default step between consecutive sizes: k in time ∝ triples^k
    (k = 1 is linear; k = 0 does not grow). Steps stopped at their limit give a lower bound (">")."""
    if len(measured) < 2:
        return ""
    pairs = list(itertools.pairwise(measured))
    header = " | ".join(f"{a} → {b}" for (a, _), (b, _) in pairs)
    rows = [
        "### Growth exponents (default configuration, p50)",
        "",
        f"| step | {header} |",
        "|---|" + "---|" * len(pairs),
    ]
    steps = list(measured[-1][1]["results"])
    for (_, first), _ in pairs:
        steps += [k for k in first["results"] if k not in steps]
    for step in steps:
        cells = []
        for (_, small), (_, large) in pairs:
            cells.append(_exponent(small, large, step))
        rows.append(f"| {step} | " + " | ".join(cells) + " |")
    cells = []
    for (_, small), (_, large) in pairs:
        ratio_n = large["triples"] / small["triples"]
        cells.append(f"{math.log(large['peak'] / small['peak']) / math.log(ratio_n):.2f}")
    rows.append("| peak memory | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def _exponent(small: dict[str, Any], large: dict[str, Any], step: str) -> str:
    a, b = small["results"].get(step), large["results"].get(step)
    if a is None or b is None or not a.runs or not a.p50:
        return "–"
    n = math.log(large["triples"] / small["triples"])
    if not b.runs:
        if b.limit:
            return f"> {math.log(b.limit / a.p50) / n:.2f}"
        return "–"
    return f"{math.log(b.p50 / a.p50) / n:.2f}"


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    libraries = ", ".join(
        f"{name} {version(name)}" for name in ("rdflib", "pyoxigraph", "pyshacl", "owlready2")
    )
    return (
        f"Machine: {os.cpu_count()} cores, {memory:.0f} GiB memory, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}; {libraries}."
    )


def summary(ratios: dict[str, float | None]) -> str:
    queries = [v for k, v in ratios.items() if k.startswith("query ") and v is not None]
    median_query = statistics.median(queries) if queries else None

    def text(value: float | None) -> str:
        return "–" if value is None else f"{value:,.1f}"

    return (
        f"ratios vs naive at 100k: load {text(ratios.get('load Turtle'))}x, "
        f"median query {text(median_query)}x, entry validation {text(ratios.get('new-entry validation'))}x"
    )


def _save(path: Path, size: str, default: dict[str, Any], naive: dict[str, Any] | None) -> None:
    """One size's raw measurements, so runs made apart (the 10M run beside the others) merge into one
    report with --merge."""
    def plain(outcome: dict[str, Any] | None) -> dict[str, Any] | None:
        if outcome is None:
            return None
        return {**outcome, "results": {k: asdict(v) for k, v in outcome["results"].items()}}

    path.write_text(json.dumps({"size": size, "default": plain(default), "naive": plain(naive)}, indent=1))


def _load(path: Path) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    data = json.loads(path.read_text())

    def measures(outcome: dict[str, Any] | None) -> dict[str, Any] | None:
        if outcome is None:
            return None
        return {**outcome, "results": {k: Measure(**v) for k, v in outcome["results"].items()}}

    return data["size"], measures(data["default"]), measures(data["naive"])  # type: ignore[return-value]


def report(measured: list[tuple[str, dict[str, Any], dict[str, Any] | None]]) -> str:
    parts = [f"# Benchmark: default configuration vs naive baseline\n\n{machine()}\n"]
    ratios_100k: dict[str, float | None] = {}
    for size, default, naive in measured:
        text, ratios = table(size, default["triples"], default, naive)
        parts.append(text)
        if size == "100k":
            ratios_100k = ratios
    parts.append(growth([(size, default) for size, default, _ in measured]))
    parts.append(summary(ratios_100k) + "\n")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the bundled graph and 100k only")
    parser.add_argument("--sizes", default=None, help="comma-separated: bundled,100k,1M,10M")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query after the warm-up")
    parser.add_argument("--no-naive-above", type=int, default=5_000_000,
                        help="skip the naive baseline on graphs larger than this (default: 10M skips it)")
    parser.add_argument("--save", type=Path, default=None, help="folder: keep each size's measurements")
    parser.add_argument("--merge", type=Path, nargs="*", default=None,
                        help="do not measure: write the report of saved measurements (in this order)")
    parser.add_argument("--quiet", action="store_true", help="print only the tables")
    parser.add_argument("-o", "--output", type=Path, default=None, help="also write the report here")
    args = parser.parse_args(argv)
    measured = []
    if args.merge:
        measured = [_load(path) for path in args.merge]
    else:
        default_sizes = ["bundled", "100k"] if args.quick else ["bundled", "100k", "1M"]
        sizes = args.sizes.split(",") if args.sizes else default_sizes
        for size in sizes:
            path, suffix = dataset(size, args.quiet)
            if not args.quiet:
                print(f"{size}: default configuration ...", file=sys.stderr)
            default = in_fresh_process("default", path, suffix, args.runs, args.quick)
            naive = None
            if SIZES[size] <= args.no_naive_above:
                if not args.quiet:
                    print(f"{size}: naive baseline ...", file=sys.stderr)
                naive = in_fresh_process("naive", path, suffix, args.runs, args.quick)
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                _save(args.save / f"{size}.json", size, default, naive)
            print(table(size, default["triples"], default, naive)[0], flush=True)
            measured.append((size, default, naive))
    text = report(measured)
    print(text)
    if args.output:
        from tpbc_kg.export import write_atomic

        write_atomic(args.output, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
