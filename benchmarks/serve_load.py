"""A bounded load on `tpbc-kg serve` over loopback: N concurrent clients send a fixed number of requests
(entity pages, question pages, SPARQL SELECT by IRI), each over one kept-alive connection, and the
script prints throughput, p50/p99 latency and errors per kind of request.

usage: python benchmarks/serve_load.py [--clients 8] [--requests 2000] [--data FILE.nt|.ttl]

Without --data the server runs on the bundled graph (`tpbc-kg serve`, a temporary store folder). With
--data (for example `python benchmarks/generate.py --triples 1000000 -o /tmp/kg-1m.nt`) it serves that
file instead: the store is loaded from it and entity pages read it through rdflib. The server binds
127.0.0.1 on a free port and is stopped by its PID at the end; every loop is bounded by --requests.
Targets (issue 11; reported, not asserted): >= 300 entity pages/s with p99 <= 100 ms and no errors on
2 cores; SPARQL SELECT by IRI p50 <= 5 ms over a kept-alive connection.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KG = "https://w3id.org/tpbc-kg/id/"


@dataclass
class Run:
    kind: str
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def row(self) -> str:
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000 if ordered else float("nan")
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000 if ordered else float("nan")
        rate = len(ordered) / self.seconds if self.seconds else 0
        return (
            f"| {self.kind} | {self.clients} | {len(ordered) + self.errors} | {rate:,.0f} | {p50:.1f} | "
            f"{p99:.1f} | {self.errors} |"
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, data: Path | None, folder: Path, workers: int) -> subprocess.Popen[bytes]:
    if data is None:
        command = [
            sys.executable,
            "-m",
            "tpbc_kg.cli",
            "serve",
            "--port",
            str(port),
            "--store",
            str(folder),
            "--workers",
            str(workers),
        ]
    else:
        command = [
            sys.executable,
            __file__,
            "--serve-file",
            str(data),
            "--port",
            str(port),
            "--store",
            str(folder),
            "--workers",
            str(workers),
        ]
    process = subprocess.Popen(command, cwd=ROOT)
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the server exited before answering")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/favicon.ico")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("the server did not answer in 900 s")


def serve_file(data: Path, port: int, folder: Path, workers: int) -> None:
    """Serve a generated graph: an on-disk store loaded from data, opened read-only, and the same file
    parsed by rdflib for the entity reports."""
    import uvicorn
    from rdflib import Graph

    from tpbc_kg.build import compile_store
    from tpbc_kg.kb import open_kb
    from tpbc_kg.web.app import Settings, create_app
    from tpbc_kg.web.site import Site

    compile_store(folder, files=[data])
    store = open_kb(folder, say=None)  # a build folder: opened read-only as it is
    graph = Graph().parse(str(data))
    app = create_app(Site(store, graph, folder), Settings(workers=workers, warm=True), folder)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def targets(port: int) -> tuple[list[str], list[str], list[str]]:
    """(entity page paths, question page paths, SPARQL by-IRI request paths) to cycle through."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    query = 'SELECT DISTINCT ?s WHERE { ?s a ?c FILTER(STRSTARTS(STR(?s), "' + KG + '")) } LIMIT 500'
    connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"listing entities failed: {response.status} {body[:300]!r}")
    bindings = json.loads(body)["results"]["bindings"]
    iris = [b["s"]["value"] for b in bindings]
    entities = ["/id/" + iri[len(KG) :] for iri in iris]
    sparql = [
        "/sparql?" + urllib.parse.urlencode({"query": f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"})
        for iri in iris
    ]
    sys.path.insert(0, str(ROOT))
    from tpbc_kg.query import canned_queries
    from tpbc_kg.web.site import example_values

    questions = [
        f"/questions/{q.name}?" + urllib.parse.urlencode(example_values(q)) for q in canned_queries()
    ]
    return entities, questions, sparql


def load(port: int, kind: str, paths: list[str], clients: int, requests: int) -> Run:
    """clients threads, each with one kept-alive connection, sending requests in all (bounded)."""
    run = Run(kind, clients)
    share = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]

    def client(index: int) -> tuple[list[float], int]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        latencies, errors = [], 0
        for n in range(share[index]):
            path = paths[(index * 7919 + n) % len(paths)]
            start = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    latencies.append(time.perf_counter() - start)
                else:
                    errors += 1
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        return latencies, errors

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for latencies, errors in pool.map(client, range(clients)):
            run.latencies += latencies
            run.errors += errors
    run.seconds = time.perf_counter() - start
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000, help="requests per kind (bounded load)")
    parser.add_argument(
        "--data", type=Path, default=None, help="serve this RDF file instead of the bundled graph"
    )
    parser.add_argument("--workers", type=int, default=2, help="SPARQL worker processes")
    parser.add_argument("--serve-file", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_file is not None:
        serve_file(args.serve_file, args.port, args.store, args.workers)
        return 0
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="tpbc-serve-load-") as folder:
        started = time.perf_counter()
        server = start_server(port, args.data, Path(folder) / "store", args.workers)
        ready = time.perf_counter() - started
        try:
            entities, questions, sparql = targets(port)
            runs = [
                load(port, "entity pages, first visit (rendered)", entities, args.clients, len(entities)),
                load(port, "entity pages (cached)", entities, args.clients, args.requests),
                load(port, "question pages", questions, args.clients, min(args.requests, 400)),
                load(port, "SPARQL SELECT by IRI", sparql, args.clients, args.requests),
                load(port, "SPARQL SELECT by IRI, 1 client", sparql, 1, min(args.requests, 500)),
            ]
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    graph = args.data.name if args.data else "bundled graph"
    print(
        f"\n`tpbc-kg serve` under load: {graph}; server ready in {ready:.1f} s; {os.cpu_count()} cores; "
        f"{args.clients} clients, kept-alive connections\n"
    )
    print("| requests | clients | sent | per second | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for run in runs:
        print(run.row())
    return 0


if __name__ == "__main__":
    sys.exit(main())
