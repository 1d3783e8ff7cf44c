"""Benchmark: the commands users type, as cold processes, on the compiled knowledge base.

Each row starts a new process (`tpbc-kg ...` through the installed entry point) and times it wall-clock
from start to exit, --runs times after one warm-up run that builds the store if needed; p50 and min are
reported, and the ratio of the p50 to the floor, `python -c "import tpbc_kg"`. On the bundled graph the
commands read the bundled sources' build (in a private TPBC_KG_STORE); on the generated graphs (100k,
1M: benchmarks/generate.py) they read a build compiled from the generated file, opened as it is with
`--store BUILD`. The same table gives the build time and, per size, the time to reopen the store with
its name index in a fresh process.

usage: python benchmarks/cold.py                 # bundled, 100k and 1M
       python benchmarks/cold.py --sizes bundled --runs 10
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
CACHE = Path(tempfile.gettempdir()) / "tpbc-kg-bench"
SIZES = {"bundled": 0, "100k": 100_000, "1M": 1_000_000}
PYTHON = sys.executable
TPBC_KG = str(Path(sys.executable).with_name("tpbc-kg"))
TRASTUZUMAB = "https://w3id.org/tpbc-kg/id/drug-trastuzumab"
CLEOPATRA = "https://w3id.org/tpbc-kg/id/trial-CLEOPATRA"


def wall(command: list[str], env: dict[str, str]) -> float:
    """Seconds from start to exit of one process (its output discarded; a failure stops the benchmark)."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[:300]}")
    return seconds


def timings(command: list[str], env: dict[str, str], runs: int) -> list[float]:
    wall(command, env)  # warm-up: builds the store on first use, fills the OS file cache
    return [wall(command, env) for _ in range(runs)]


def generated_build(size: str) -> Path:
    """A build of the generated graph of this size (compiled once, kept in the benchmark cache)."""
    import generate

    from tpbc_kg.build import compile_store, is_build

    folder = CACHE / f"build-{size}"
    if is_build(folder):
        return folder
    source = CACHE / f"kg-{size}.nt"
    if not source.is_file():
        print(f"generating {size} ...", file=sys.stderr)
        generate.write(generate.generate(SIZES[size], seed=1), source)
    print(f"compiling {size} ...", file=sys.stderr)
    shutil.rmtree(folder, ignore_errors=True)
    compile_store(folder, [source])
    return folder


def commands(size: str, suffix: str, store: list[str]) -> dict[str, list[str]]:
    sparql = f"SELECT ?p ?o WHERE {{ <{TRASTUZUMAB}{suffix}> ?p ?o }}"
    return {
        "floor: python -c 'import tpbc_kg'": [PYTHON, "-c", "import tpbc_kg"],
        "query trial-outcomes (trial=CLEOPATRA)": [
            TPBC_KG,
            "query",
            "trial-outcomes",
            "--param",
            f"trial={CLEOPATRA}{suffix}",
            *store,
        ],
        "show trastuzumab": [TPBC_KG, "show", f"{TRASTUZUMAB}{suffix}", *store],
        "sparql (one entity's triples)": [TPBC_KG, "sparql", sparql, *store],
        "reopen + name index (python)": [
            PYTHON,
            "-c",
            "import sys; from tpbc_kg import kb; k = kb.open_kb(sys.argv[1], say=None); k.names()",
            store[1] if store else os.environ.get("TPBC_KG_STORE", ""),
        ],
    }


def measure(size: str, runs: int) -> list[tuple[str, list[float]]]:
    env = dict(os.environ, TPBC_KG_QUIET="1")
    rows: list[tuple[str, list[float]]] = []
    if size == "bundled":
        private = Path(tempfile.mkdtemp(prefix="tpbc-kg-cold-"))
        env["TPBC_KG_STORE"] = str(private)
        os.environ["TPBC_KG_STORE"] = str(private)
        build = [wall([TPBC_KG, "build", "--force", "--store", str(private / "b")], env) for _ in range(runs)]
        rows.append(("build (compile the bundled sources)", build))
        table = commands(size, "", [])
        table["reopen + name index (python)"][-1] = str(private)
    else:
        folder = generated_build(size)
        table = commands(size, "-s0", ["--store", str(folder)])
    for name, command in table.items():
        rows.append((name, timings(command, env, runs)))
    return rows


def render(size: str, rows: list[tuple[str, list[float]]]) -> str:
    floor = next(statistics.median(t) for name, t in rows if name.startswith("floor"))
    lines = [
        f"### {size}",
        "",
        "| command (cold process) | p50 | min | × floor |",
        "|---|---:|---:|---:|",
    ]
    for name, times in rows:
        p50 = statistics.median(times)
        lines.append(f"| {name} | {p50:.3f} s | {min(times):.3f} s | {p50 / floor:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="bundled,100k,1M", help="comma-separated: bundled,100k,1M")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command after the warm-up")
    args = parser.parse_args(argv)
    CACHE.mkdir(parents=True, exist_ok=True)
    for size in args.sizes.split(","):
        print(render(size, measure(size, args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
