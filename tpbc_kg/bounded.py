"""Running a SPARQL query under a time limit and a row cap, streaming its answer.

Why a child process: pyoxigraph evaluates a query in Rust and offers no way to cancel it (`Store.query`
takes no deadline or cancellation token in 0.5), and rdflib's engine cannot be interrupted either. A
cross product would run for minutes and eat gigabytes. The only reliable stop is to run the query in a
process of its own and kill that process when the time is up. `run_bounded` forks the current process
(the child inherits the in-memory store, copy-on-write, so nothing is rebuilt), the child writes the
answer in the requested format to a pipe as the rows come, and the parent copies the bytes to its output
while watching the clock. An on-disk store is reopened read-only in the child rather than shared through
the fork (a RocksDB handle's background threads do not survive a fork).

The row cap is applied while the rows stream, so a capped query costs only the rows it writes.

The server (tpbc_kg.web) uses the same writers in long-lived worker processes (`python -m
tpbc_kg.bounded STORE-FOLDER`), see `serve_worker`.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import select
import signal
import struct
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import islice
from typing import Any, BinaryIO, cast
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import BNode, Node

from tpbc_kg.errors import UserError
from tpbc_kg.formats import FORMATS, Labeller, render, tsv_term
from tpbc_kg.kb import KnowledgeBase
from tpbc_kg.store import MemoryStore, OxigraphStore, QueryStore, Row
from tpbc_kg.terms import to_oxigraph, to_rdflib

DEFAULT_TIMEOUT = 30.0
"""Seconds a query may run (`sparql --timeout`, `serve --timeout`)."""
DEFAULT_MAX_ROWS = 100_000
"""Rows (or triples) `sparql` writes before it stops (`--limit`); 0 means no cap."""

SELECT_FORMATS = ("json", "xml", "csv", "tsv")
"""SPARQL 1.1 results formats a worker writes as the rows come."""
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}
"""RDF formats for CONSTRUCT and DESCRIBE answers."""

_CHUNK = 1 << 16
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class QueryTimeout(UserError, ValueError):
    """The query ran past its time limit and was stopped."""

    def __init__(self, seconds: float, option: str = "--timeout") -> None:
        super().__init__(
            f"query stopped after {seconds:g} s (the time limit); narrow it (more specific patterns, "
            f"LIMIT) or give it longer with {option} SECONDS"
        )
        self.seconds = seconds


class ReadOnlyError(UserError, ValueError):
    """A SPARQL update (INSERT, DELETE, LOAD, CLEAR, DROP ...) sent to a read-only query interface."""

    def __init__(self, where: str = "<query>", who: str = "`sparql`") -> None:
        super().__init__(
            f"{where}: {who} is read-only: SPARQL updates (INSERT, DELETE, LOAD, CLEAR, DROP ...) are "
            "refused; curated data is changed with `tpbc-kg add`"
        )


class QueryFailed(UserError, ValueError):
    """The engine refused or failed to evaluate the query (the message is the engine's)."""


@dataclass
class Outcome:
    """How a bounded query ended: its kind (select, ask, graph), the rows or triples written, and
    whether the row cap cut it short."""

    kind: str
    rows: int = 0
    capped: bool = False
    max_rows: int = 0

    def cap_message(self, option: str = "--limit") -> str:
        what = "triples" if self.kind == "graph" else "rows"
        return (
            f"stopped after {self.max_rows} {what} (the row cap); the answer has more. Add LIMIT/OFFSET to "
            f"the query, or raise the cap with {option} N (0: no cap)"
        )


# ------------------------------------------------------------------------------------------------------
# Recognising what may not run: updates and SERVICE
# ------------------------------------------------------------------------------------------------------

_STRINGS_AND_COMMENTS = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|#[^\n]*'
)
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)


def _code_only(text: str) -> str:
    """The query without its strings, IRIs and comments, so keyword checks look at keywords only."""
    return _STRINGS_AND_COMMENTS.sub(" ", text)


def mentions_service(text: str) -> bool:
    """A SERVICE clause would make the engine fetch from another endpoint; the graph is all local."""
    return bool(_SERVICE.search(_code_only(text)))


def is_update(text: str) -> bool:
    """The text parses as a SPARQL update (rdflib's parser; only asked once the query parser failed)."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except Exception:
        return False
    return True


_KINDS = {"SelectQuery": "select", "AskQuery": "ask", "ConstructQuery": "graph", "DescribeQuery": "graph"}


def check_query(text: str, where: str = "<query>", who: str = "`sparql`") -> str:
    """The kind of a query that may run here (select, ask or graph), after rdflib's parser has checked it
    (its errors carry a line and column). Empty text, updates and SERVICE are refused with a message."""
    from tpbc_kg.query import SparqlSyntaxError, parse_sparql

    if not _code_only(text).strip():
        raise QueryFailed(f"{where}: empty query; give a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    try:
        prepared = parse_sparql(text, where)
    except SparqlSyntaxError:
        if is_update(text):
            raise ReadOnlyError(where, who) from None
        raise
    if mentions_service(text):
        raise QueryFailed(f"{where}: SERVICE (a remote endpoint) is not supported; query the local graph")
    return _KINDS.get(prepared.algebra.name, "select")


# ------------------------------------------------------------------------------------------------------
# Answers as streams of rows or triples
# ------------------------------------------------------------------------------------------------------


@dataclass
class Answer:
    """A lazily evaluated answer: SELECT variables and rows, an ASK boolean, or CONSTRUCT triples."""

    kind: str
    variables: list[str]
    rows: Iterator[Row] | None = None
    boolean: bool | None = None
    triples: Iterator[ox.Triple] | None = None


def evaluate(store: QueryStore | ox.Store, text: str, prefixes: dict[str, str]) -> Answer:
    """Start evaluating the query; rows and triples are produced as they are read."""
    if isinstance(store, OxigraphStore):
        store = store.store
    if isinstance(store, KnowledgeBase | ox.Store):
        try:
            if isinstance(store, KnowledgeBase):  # its dataset: asserted ∪ inferred, or asserted only
                result = store.query(text)
            else:
                result = store.query(text, prefixes=prefixes)
        except SyntaxError as error:
            raise QueryFailed(f"SPARQL syntax error: {error}") from None
        if isinstance(result, ox.QueryBoolean):
            return Answer("ask", [], boolean=bool(result))
        if isinstance(result, ox.QueryTriples):
            return Answer("graph", [], triples=iter(result))
        variables = [v.value for v in result.variables]
        rows = (tuple(to_rdflib(s[v]) for v in variables) for s in result)
        return Answer("select", variables, rows=rows)
    if not isinstance(store, MemoryStore):
        raise TypeError(f"cannot evaluate on {type(store).__name__}")
    answer = store.sparql(text, prefixes)
    if isinstance(answer, bool):
        return Answer("ask", [], boolean=answer)
    if isinstance(answer, Graph):
        return Answer("graph", [], triples=(_ox_triple(t) for t in answer))
    return Answer("select", answer[0], rows=iter(answer[1]))


def _ox_triple(triple: tuple[Node, Node, Node]) -> ox.Triple:
    """The Oxigraph triple for an rdflib triple (a graph's subjects are IRIs or blank nodes, its
    predicates IRIs)."""
    subject, predicate, obj = (to_oxigraph(term) for term in triple)
    return ox.Triple(cast("ox.NamedNode | ox.BlankNode", subject), cast(ox.NamedNode, predicate), obj)


def _capped(items: Iterator[Any], max_rows: int, outcome: Outcome) -> Iterator[Any]:
    """items, counted into outcome, stopping after max_rows (0: no cap) and noting that more existed."""
    limit = max_rows if max_rows > 0 else None
    for item in islice(items, limit):
        outcome.rows += 1
        yield item
    if limit is not None and outcome.rows == limit and next(items, None) is not None:
        outcome.capped = True


# ------------------------------------------------------------------------------------------------------
# Writers: each writes rows to a binary stream as they come
# ------------------------------------------------------------------------------------------------------


def json_term(term: Node) -> dict[str, str]:
    """One RDF term as a SPARQL 1.1 JSON results binding object."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        binding = {"type": "literal", "value": str(term)}
        if term.language:
            binding["xml:lang"] = term.language
        elif term.datatype is not None and str(term.datatype) != _XSD_STRING:
            binding["datatype"] = str(term.datatype)
        return binding
    raise TypeError(f"not an RDF term: {term!r}")


def _csv_value(term: Node | None) -> str:
    """One term as SPARQL 1.1 CSV results write it: IRIs bare, literals without tags."""
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _write_json(out: BinaryIO, variables: list[str], rows: Iterable[Row]) -> None:
    out.write(b'{"head": {"vars": ' + json.dumps(variables).encode() + b'}, "results": {"bindings": [\n')
    first = True
    for row in rows:
        binding = {n: json_term(v) for n, v in zip(variables, row, strict=True) if v is not None}
        out.write((b"" if first else b",\n") + json.dumps(binding, ensure_ascii=False).encode("utf-8"))
        first = False
    out.write(b"\n]}}\n")


def _write_csv(out: BinaryIO, variables: list[str], rows: Iterable[Row]) -> None:
    import csv

    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    text.flush()
    text.detach()


def _write_tsv(out: BinaryIO, variables: list[str], rows: Iterable[Row]) -> None:
    out.write(("\t".join(f"?{name}" for name in variables) + "\n").encode("utf-8"))
    for row in rows:
        out.write(("\t".join(tsv_term(v) for v in row) + "\n").encode("utf-8"))


def xml_term(term: Node) -> str:
    """One term as a SPARQL Query Results XML binding value."""
    if isinstance(term, URIRef):
        return f"<uri>{xml_escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{xml_escape(str(term))}</bnode>"
    if isinstance(term, Literal):
        attrs = ""
        if term.language:
            attrs = f" xml:lang={quoteattr(term.language)}"
        elif term.datatype is not None and str(term.datatype) != _XSD_STRING:
            attrs = f" datatype={quoteattr(str(term.datatype))}"
        return f"<literal{attrs}>{xml_escape(str(term))}</literal>"
    raise TypeError(f"not an RDF term: {term!r}")


_XML_HEAD = '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'


def _write_xml(out: BinaryIO, variables: list[str], rows: Iterable[Row]) -> None:
    head = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
    out.write(f"{_XML_HEAD}<head>{head}</head>\n<results>\n".encode())
    for row in rows:
        cells = "".join(
            f"<binding name={quoteattr(n)}>{xml_term(v)}</binding>"
            for n, v in zip(variables, row, strict=True)
            if v is not None
        )
        out.write(f"<result>{cells}</result>\n".encode())
    out.write(b"</results>\n</sparql>\n")


def write_boolean(out: BinaryIO, answer: bool, fmt: str) -> None:
    """An ASK answer in a results format (csv and tsv: the single word, as the terminal prints it)."""
    if fmt == "xml":
        out.write(f"{_XML_HEAD}<head/>\n<boolean>{str(answer).lower()}</boolean>\n</sparql>\n".encode())
    elif fmt == "json":
        out.write(json.dumps({"head": {}, "boolean": answer}).encode() + b"\n")
    else:
        out.write(b"true\n" if answer else b"false\n")


_SELECT_WRITERS: dict[str, Callable[[BinaryIO, list[str], Iterable[Row]], None]] = {
    "json": _write_json,
    "csv": _write_csv,
    "tsv": _write_tsv,
    "xml": _write_xml,
}


def write_answer(
    out: BinaryIO,
    answer: Answer,
    select_format: str,
    graph_format: str,
    max_rows: int,
    prefixes: dict[str, str],
    label: Labeller | None = None,
    width: int | None = None,
) -> Outcome:
    """Write the answer to out in the format for its kind, at most max_rows rows or triples."""
    outcome = Outcome(answer.kind, max_rows=max_rows)
    if answer.kind == "ask":
        write_boolean(out, bool(answer.boolean), select_format)
    elif answer.kind == "graph":
        assert answer.triples is not None
        triples = _capped(answer.triples, max_rows, outcome)
        fmt = GRAPH_FORMATS[graph_format]
        ox.serialize(triples, out, format=fmt, prefixes=None if fmt == ox.RdfFormat.N_TRIPLES else prefixes)
    else:
        assert answer.rows is not None
        rows = _capped(answer.rows, max_rows, outcome)
        writer = _SELECT_WRITERS.get(select_format)
        if writer is not None:
            writer(out, answer.variables, rows)
        else:  # table and markdown need every row to size their columns
            collected = list(rows)
            text = render(select_format, answer.variables, collected, label or str, width)
            out.write(text.encode("utf-8"))
    return outcome


# ------------------------------------------------------------------------------------------------------
# The terminal: a forked child evaluates and writes, the parent copies and watches the clock
# ------------------------------------------------------------------------------------------------------


def _child_store(store: QueryStore) -> QueryStore | ox.Store:
    """What the child queries: an on-disk store reopened read-only, anything in memory as inherited."""
    if isinstance(store, KnowledgeBase) and store.location is not None:
        from tpbc_kg.build import DATA_FOLDER

        reopened = ox.Store.read_only(str(store.location / DATA_FOLDER))
        return KnowledgeBase(
            reopened, location=store.location, manifest=store.manifest, asserted_only=store.asserted_only
        )
    if isinstance(store, OxigraphStore) and store.location is not None:
        return ox.Store.read_only(str(store.location))
    return store


def _run_child(
    data_w: int,
    status_w: int,
    store: QueryStore,
    text: str,
    prefixes: dict[str, str],
    formats: tuple[str, str],
    max_rows: int,
    label: Labeller | None,
    width: int | None,
) -> None:
    """The child's whole life: evaluate, write, report the outcome (or the error) and exit."""
    code = 0
    try:
        with os.fdopen(data_w, "wb", buffering=_CHUNK) as out:
            answer = evaluate(_child_store(store), text, prefixes)
            outcome = write_answer(out, answer, formats[0], formats[1], max_rows, prefixes, label, width)
        status: dict[str, Any] = {"ok": True, **asdict(outcome)}
    except BrokenPipeError:
        status = {"ok": True, "kind": "select", "rows": 0, "capped": False, "max_rows": max_rows}
    except Exception as error:
        status = {"ok": False, "error": type(error).__name__, "message": str(error)}
        code = 1
    with contextlib.suppress(OSError):
        os.write(status_w, json.dumps(status).encode())
    os._exit(code)


def run_bounded(
    store: QueryStore,
    text: str,
    prefixes: dict[str, str],
    write: Callable[[bytes], Any],
    select_format: str = "json",
    graph_format: str = "turtle",
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    label: Labeller | None = None,
    width: int | None = None,
) -> Outcome:
    """Evaluate text on store in a forked child and pass its answer to write() as it comes. Raises
    QueryTimeout after timeout seconds (0: no limit), QueryFailed when the engine refuses the query.
    The text should already have been checked (tpbc_kg.query.run_sparql's parser, read-only rules)."""
    if select_format not in (*SELECT_FORMATS, *FORMATS) or graph_format not in GRAPH_FORMATS:
        raise ValueError(f"unknown format {select_format!r}/{graph_format!r}")
    data_r, data_w = os.pipe()
    status_r, status_w = os.pipe()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(data_r)
        os.close(status_r)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _run_child(
            data_w, status_w, store, text, prefixes, (select_format, graph_format), max_rows, label, width
        )
    os.close(data_w)
    os.close(status_w)
    try:
        _copy_until_done(data_r, write, timeout)
        status = _read_all(status_r)
    finally:
        os.close(data_r)
        os.close(status_r)
        _reap(pid)
    return _outcome(status)


def _copy_until_done(data_r: int, write: Callable[[bytes], Any], timeout: float) -> None:
    deadline = time.monotonic() + timeout if timeout > 0 else None
    while True:
        wait = None if deadline is None else max(deadline - time.monotonic(), 0)
        ready, _, _ = select.select([data_r], [], [], wait)
        if not ready:
            raise QueryTimeout(timeout)
        chunk = os.read(data_r, _CHUNK)
        if not chunk:
            return
        write(chunk)


def _read_all(fd: int) -> bytes:
    parts = []
    while chunk := os.read(fd, _CHUNK):
        parts.append(chunk)
    return b"".join(parts)


def _reap(pid: int) -> None:
    """Stop the child if it still runs (a timeout, an interrupt, a closed output) and collect it."""
    with contextlib.suppress(ChildProcessError, ProcessLookupError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _outcome(status: bytes) -> Outcome:
    if not status:
        raise QueryFailed("the query process ended without an answer (out of memory?); narrow the query")
    report = json.loads(status)
    if not report.pop("ok"):
        raise QueryFailed(report["message"])
    return Outcome(**report)


# ------------------------------------------------------------------------------------------------------
# The server's workers: long-lived processes on a read-only store, one query at a time
# ------------------------------------------------------------------------------------------------------
#
# Request: one JSON line {"query", "select_format", "graph_format", "max_rows"}.
# Reply: frames of (1-byte type, 4-byte big-endian length, payload): b"D" answer bytes (any number),
# then one b"E" frame whose payload is the outcome JSON ({"ok": true, "kind", "rows", "capped"} or
# {"ok": false, "error": "syntax" | "update" | "service" | "failed", "message"}).

FRAME = struct.Struct(">cI")


class _FrameWriter(io.RawIOBase):
    """A binary stream that sends what is written as D frames, buffered in chunks."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buffer += data
        if len(self.buffer) >= _CHUNK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.buffer:
            self.raw.write(FRAME.pack(b"D", len(self.buffer)) + bytes(self.buffer))
            self.buffer.clear()


def _end(raw: BinaryIO, status: dict[str, Any]) -> None:
    payload = json.dumps(status).encode()
    raw.write(FRAME.pack(b"E", len(payload)) + payload)
    raw.flush()


def answer_request(
    store: KnowledgeBase | ox.Store, request: dict[str, Any], prefixes: dict[str, str], raw: BinaryIO
) -> None:
    """One request of the worker protocol, answered on raw."""
    text = request["query"]
    if mentions_service(text):
        _end(raw, {"ok": False, "error": "service", "message": "SERVICE (a remote endpoint) is not allowed"})
        return
    frames = _FrameWriter(raw)
    try:
        answer = evaluate(store, text, prefixes)
        outcome = write_answer(
            cast(BinaryIO, frames),
            answer,
            request["select_format"],
            request["graph_format"],
            request["max_rows"],
            prefixes,
        )
        frames.flush()
    except QueryFailed as error:
        kind = "update" if is_update(text) else "syntax"
        _end(raw, {"ok": False, "error": kind, "message": str(error)})
        return
    except Exception as error:
        frames.flush()
        _end(raw, {"ok": False, "error": "failed", "message": f"{type(error).__name__}: {error}"})
        return
    _end(raw, {"ok": True, **asdict(outcome)})


def serve_worker(location: str) -> None:
    """Answer requests from standard input until it closes, on the store at location opened read-only."""
    from tpbc_kg.kb import open_kb
    from tpbc_kg.load import prefix_map

    store = open_kb(location, say=None)  # a build folder: opened read-only as it is
    prefixes = prefix_map()
    raw = sys.stdout.buffer
    raw.write(FRAME.pack(b"R", 0))  # ready
    raw.flush()
    for line in sys.stdin.buffer:
        if line.strip():
            answer_request(store, json.loads(line), prefixes, raw)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its workers itself
    serve_worker(sys.argv[1])
