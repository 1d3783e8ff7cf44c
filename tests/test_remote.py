"""`tpbc-kg push` into a real second store, and `query`, `sparql` and `show` with `--endpoint` on it.

The store is the Oxigraph server from PyPI (`oxigraph serve`, the test extra), started here on a free
loopback port with --union-default-graph so that queries without GRAPH see the pushed named graphs.
After the push, every canned question gives the same rows on the server as on the local store.
Authentication is tested against a small loopback server that checks Basic and Digest credentials.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import itertools
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from tests.servers import answering, free_port
from tpbc_kg import api
from tpbc_kg.cli import main
from tpbc_kg.query import canned_queries, execute
from tpbc_kg.release import ASSERTED_GRAPH, INFERRED_GRAPH
from tpbc_kg.remote import RemoteStore

pytestmark = pytest.mark.xdist_group("oxigraph-server")


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """Base URL of a fresh, writable Oxigraph server on loopback; stopped (by its PID) afterwards."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the oxigraph server is not installed (pip install -e '.[test]' brings oxigraph==0.5.13)")
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    log = (location.parent / "oxigraph.log").open("w")
    process = subprocess.Popen(
        [
            binary,
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    with answering(process, f"{base}/query?query=ASK%7B%7D", log, "oxigraph serve", seconds=10):
        yield base


@pytest.fixture(scope="module")
def pushed(server) -> str:
    """The query endpoint of the server after `tpbc-kg push` (run twice: a push replaces, never adds)."""
    for _ in range(2):
        assert main(["push", f"{server}/store"]) == 0
    return f"{server}/query"


@pytest.fixture(scope="module")
def store(pushed) -> RemoteStore:
    """One remote store for the module: its names graph is fetched once."""
    return RemoteStore(pushed)


def example_params(example: str) -> dict[str, str]:
    words = shlex.split(example)
    params = {}
    for flag, value in itertools.pairwise(words):
        if flag in ("--param", "-p"):
            key, _, text = value.partition("=")
            params[key] = text
    return params


def rows(result) -> list[tuple[str, ...]]:
    return sorted(tuple("" if v is None else v.n3() for v in row) for row in result.rows)


def test_push_puts_asserted_and_inferred_triples_in_their_graphs(pushed):
    store = RemoteStore(pushed)
    counts = {}
    for graph in (ASSERTED_GRAPH, INFERRED_GRAPH):
        answer = store.sparql(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", {})
        counts[graph] = int(answer[1][0][0])
    assert counts[INFERRED_GRAPH] == len(api.inferred_triples())
    # the pushed asserted graph is the bundled graph with every module's versionIRI/versionInfo set
    assert counts[ASSERTED_GRAPH] >= len(api.bundled_graph())
    assert len(store) == counts[ASSERTED_GRAPH] + counts[INFERRED_GRAPH]


@pytest.mark.parametrize("query", canned_queries(), ids=lambda q: q.name)
def test_every_canned_question_gives_the_same_rows_remotely(store, query):
    params = example_params(query.example)
    local = execute(api.query_store(), query, params)
    remote = execute(store, query, params)
    assert remote.vars == local.vars
    assert rows(remote) == rows(local)
    assert local.rows or query.name == "conflicting-values"


def test_query_command_with_endpoint_prints_what_it_prints_locally(pushed, capsys):
    args = [
        "query",
        "trial-outcomes",
        "--param",
        "trial=CLEOPATRA",
        "--param",
        "endpoint=median PFS",
        "-f",
        "csv",
    ]
    assert main(args) == 0
    local = capsys.readouterr().out
    assert main([*args, "--endpoint", pushed]) == 0
    assert capsys.readouterr().out == local
    assert "18.5" in local and "18.7" in local


def test_sparql_command_with_endpoint(pushed, capsys):
    ask = "ASK { kg:drug-trastuzumab tpbc:targets kg:gene-ERBB2 }"
    assert main(["sparql", ask, "--endpoint", pushed]) == 0
    assert capsys.readouterr().out.strip() == "true"
    select = "SELECT ?n WHERE { kg:trial-CLEOPATRA tpbc:sampleSize ?n }"
    assert main(["sparql", select, "--endpoint", pushed, "-f", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["n", "808"]


@pytest.mark.parametrize("entity", ["trastuzumab", "CLEOPATRA", "kg:mech-pten-loss"])
def test_show_with_endpoint_matches_local(pushed, entity, capsys):
    """The endpoint holds the asserted and the inferred triples, so `show --endpoint` says what the local
    `show` says about the graph with its inferences (HER2-targeted drug for trastuzumab)."""
    local = api.show_text(entity, graph=api.query_graph(), width=100)
    assert main(["show", entity, "--width", "100", "--endpoint", pushed]) == 0
    remote = capsys.readouterr().out
    # show orders claims with equal sort keys as the graph yields them, which differs between the two
    # graphs: compare the claim blocks, not their order
    assert blocks(remote) == blocks(local)
    assert remote.splitlines()[0] == local.splitlines()[0]


def blocks(text: str) -> list[str]:
    """The text cut into items (a line that does not start with deeper indentation starts one), sorted."""
    items: list[str] = []
    for line in text.splitlines():
        if items and line.startswith("    "):
            items[-1] += "\n" + line
        else:
            items.append(line)
    return sorted(items)


def test_push_a_release_folder_into_a_named_graph(server, tmp_path, capsys):
    from tpbc_kg import push

    release = tmp_path / "release"
    release.mkdir()
    graph = "https://example.org/tpbc-kg/test-graph"
    subject = "<https://w3id.org/tpbc-kg/id/trial-X>"
    size = '<https://w3id.org/tpbc-kg/ontology#sampleSize> "12"^^<http://www.w3.org/2001/XMLSchema#integer>'
    (release / "tpbc-kg.nq").write_text(
        f'{subject} <http://www.w3.org/2000/01/rdf-schema#label> "X" <{ASSERTED_GRAPH}> .\n'
        f"{subject} {size} <{INFERRED_GRAPH}> .\n"
    )
    try:
        assert (
            main(["push", f"{server}/store", "--release", str(release), "--graph", graph, "--no-inferred"])
            == 0
        )
        assert f"asserted: 1 triples into <{graph}>" in capsys.readouterr().err
        store = RemoteStore(f"{server}/query")
        answer = store.sparql(f"SELECT ?l WHERE {{ GRAPH <{graph}> {{ ?s ?p ?l }} }}", {})
        assert [str(row[0]) for row in answer[1]] == ["X"]
    finally:
        push.send(push.Target(f"{server}/store"), "DELETE", graph)
    assert main(["push", f"{server}/store", "--release", str(tmp_path)]) == 2
    assert "not a release folder" in capsys.readouterr().err


def test_show_with_endpoint_names_close_matches_for_an_unknown_name(pushed, capsys):
    assert main(["show", "trastuzumub", "--endpoint", pushed]) == 2
    assert "trastuzumab" in capsys.readouterr().err


def test_an_unreachable_endpoint_is_a_clear_error(capsys):
    url = f"http://127.0.0.1:{free_port()}/query"
    assert main(["query", "biomarkers", "--endpoint", url]) == 2
    assert "cannot reach the endpoint" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------------
# Authentication
# ------------------------------------------------------------------------------------------------------

USER, PASSWORD, REALM, NONCE = "curator", "s3cret-pw", "tpbc", "abc123nonce"


class AuthHandler(http.server.BaseHTTPRequestHandler):
    """A Graph Store that accepts PUT only with the right Basic or Digest credentials."""

    scheme = "basic"
    received: ClassVar[list[tuple[str, int]]] = []
    challenged: ClassVar[int] = 0

    def log_message(self, *args) -> None:
        pass

    def _digest_ok(self, header: str) -> bool:
        fields = dict(
            part.strip().split("=", 1) for part in header[len("Digest ") :].split(",") if "=" in part
        )
        fields = {k: v.strip('"') for k, v in fields.items()}
        ha1 = hashlib.md5(f"{USER}:{REALM}:{PASSWORD}".encode()).hexdigest()
        ha2 = hashlib.md5(f"PUT:{fields.get('uri')}".encode()).hexdigest()
        expected = hashlib.md5(
            f"{ha1}:{NONCE}:{fields.get('nc')}:{fields.get('cnonce')}:{fields.get('qop')}:{ha2}".encode()
        ).hexdigest()
        return fields.get("username") == USER and fields.get("response") == expected

    def do_GET(self) -> None:
        """A read without credentials gets the challenge (what push's digest preflight asks for)."""
        type(self).challenged += 1
        self.send_response(401)
        self.send_header(
            "WWW-Authenticate", f'Digest realm="{REALM}", nonce="{NONCE}", qop="auth", algorithm=MD5'
        )
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        header = self.headers.get("Authorization", "")
        if self.scheme == "basic":
            ok = header == "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            challenge = f'Basic realm="{REALM}"'
        else:
            ok = header.startswith("Digest ") and self._digest_ok(header)
            challenge = f'Digest realm="{REALM}", nonce="{NONCE}", qop="auth", algorithm=MD5'
        if not ok:
            self.send_response(401)
            self.send_header("WWW-Authenticate", challenge)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        type(self).received.append((self.headers.get("Content-Type", ""), len(body)))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture(params=["basic", "digest"])
def auth_store(request) -> Iterator[tuple[str, str, type[AuthHandler]]]:
    handler = type(
        f"{request.param}Handler", (AuthHandler,), {"scheme": request.param, "received": [], "challenged": 0}
    )
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/store", request.param, handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_push_authenticates_and_never_prints_the_password(auth_store, monkeypatch, capsys):
    url, scheme, handler = auth_store
    monkeypatch.setenv("TPBC_KG_PUSH_USER", USER)
    monkeypatch.setenv("TPBC_KG_PUSH_PASSWORD", PASSWORD)
    assert main(["push", url, "--auth", scheme, "--no-inferred"]) == 0
    out = capsys.readouterr()
    assert "HTTP 201" in out.err
    assert PASSWORD not in out.out + out.err
    assert handler.received and handler.received[0][0] == "application/n-triples"
    # digest: the body is sent once, after a small request fetched the challenge
    assert handler.challenged == (1 if scheme == "digest" else 0)
    monkeypatch.setenv("TPBC_KG_PUSH_PASSWORD", "wrong-" + PASSWORD)
    assert main(["push", url, "--auth", scheme, "--no-inferred"]) == 2
    err = capsys.readouterr().err
    assert "HTTP 401" in err and "check --user/--password" in err
    assert PASSWORD not in err


def test_push_refuses_credentials_in_the_url(capsys):
    assert main(["push", f"http://{USER}:{PASSWORD}@127.0.0.1:9/store"]) == 2
    err = capsys.readouterr().err
    assert "not in the URL" in err and PASSWORD not in err
