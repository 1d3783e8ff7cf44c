"""`tpbc-kg push` into Virtuoso (Debian's virtuoso-opensource, installed and found by .ci/run) with
digest authentication, and `--endpoint` queries on it.

Virtuoso is started here on free loopback ports with a database in a temporary folder; the test skips
with the reason when the package is missing or the server does not start. Virtuoso's default graph holds
its own system graphs too, so the endpoint URL names the pushed graphs with default-graph-uri.
Virtuoso 7.2.5 answers some canned questions differently from Oxigraph and rdflib (which agree); those are
marked as strict expected failures with the reason, so a Virtuoso that gets them right turns the mark
into a failure to remove.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import answering, free_port
from tpbc_kg import api
from tpbc_kg.cli import main
from tpbc_kg.query import canned_queries, execute
from tpbc_kg.release import ASSERTED_GRAPH, INFERRED_GRAPH, current_version, with_version
from tpbc_kg.remote import RemoteStore

from .test_remote import example_params, rows

pytestmark = pytest.mark.xdist_group("virtuoso")

SYSTEM_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
# Canned questions Virtuoso 7.2.5 answers wrongly (checked against Oxigraph and rdflib, which agree):
VIRTUOSO_DIFFERS = {
    "alterations-hr-vs-her2": "gives 13 rows with the alteration type unbound, Oxigraph 10 typed rows",
    "best-arms-by-endpoint": "ranks the arms differently (rank column)",
    "chemotherapy-free-regimens": "returns no rows",
    "drug-targets": "lists the drug's superclasses too where the query keeps the most specific classes",
    "drug-toxicities": "drops one of the 4 rows (neratinib, diarrhoea, ref 43)",
    "drugs-by-class": "fails with HTTP 500: SQ156 internal optimized compiler error",
    "drugs-bypassing-resistance": "fails with HTTP 500: SQ142 (expected and generated column counts differ)",
    "maintenance-strategies": "returns no rows",
    "microenvironment-resistance": "leaves the evidence and reference columns empty",
    "resistance-mechanisms-for-drug": "gives other rows than Oxigraph for the scope rewrite of issue 12 (its"
    " per-row scope and what-overcomes columns); before that rewrite the two agreed",
    "trial-outcomes": "orders or fills the subgroup columns of the population rewrite of issue 12 differently"
    " (the DESTINY-Breast04 HR-positive cohort row); before that rewrite the two agreed",
    "trials-for-drug": "writes 'at  years ()' where CONCAT with an unbound value must stay unbound",
    "triple-therapy-trials": "returns no rows",
}


def write_ini(folder: Path, sql_port: int, http_port: int) -> Path:
    """The system virtuoso.ini with the database in folder and both ports on loopback."""
    text = SYSTEM_INI.read_text(encoding="utf-8").replace("/var/lib/virtuoso-opensource-7/db", str(folder))
    text = re.sub(r"(?m)^ServerPort(\s*)=\s*1111\s*$", rf"ServerPort\g<1>= 127.0.0.1:{sql_port}", text)
    text = re.sub(r"(?m)^ServerPort(\s*)=\s*8890\s*$", rf"ServerPort\g<1>= 127.0.0.1:{http_port}", text)
    text = re.sub(r"(?m)^DirsAllowed(\s*)=.*$", rf"DirsAllowed\g<1>= ., {folder}", text)
    path = folder / "virtuoso.ini"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory) -> Iterator[str]:
    binary = shutil.which("virtuoso-t")
    if binary is None or not SYSTEM_INI.is_file():
        pytest.skip("Virtuoso is not installed (Debian package virtuoso-opensource; .ci/run installs it)")
    folder = tmp_path_factory.mktemp("virtuoso")
    http_port = free_port()
    ini = write_ini(folder, free_port(), http_port)
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [binary, "+foreground", "+configfile", str(ini)], cwd=folder, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{http_port}"
    # up to 60 s: a new database takes a few seconds to create
    with answering(process, f"{base}/sparql?query=ASK%7B%7D", log, "virtuoso-t", seconds=60):
        yield base


@pytest.fixture(scope="module")
def endpoint(virtuoso) -> str:
    """The query endpoint, limited to the pushed graphs, after a push with digest authentication."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TPBC_KG_PUSH_USER", "dba")
        patch.setenv("TPBC_KG_PUSH_PASSWORD", "dba")
        assert main(["push", f"{virtuoso}/sparql-graph-crud-auth", "--auth", "digest"]) == 0
    return f"{virtuoso}/sparql?default-graph-uri={ASSERTED_GRAPH}&default-graph-uri={INFERRED_GRAPH}"


def test_push_without_credentials_is_refused_clearly(virtuoso, capsys, monkeypatch):
    monkeypatch.delenv("TPBC_KG_PUSH_USER", raising=False)
    monkeypatch.delenv("TPBC_KG_PUSH_PASSWORD", raising=False)
    assert main(["push", f"{virtuoso}/sparql-graph-crud-auth", "--no-inferred"]) == 2
    assert "HTTP 401" in capsys.readouterr().err


@pytest.fixture(scope="module")
def store(endpoint) -> RemoteStore:
    """One remote store for the module: its names graph is fetched once."""
    return RemoteStore(endpoint)


def test_the_pushed_graphs_hold_every_triple(store):
    asserted = api.bundled_graph()
    versioned = with_version(asserted, current_version(asserted))
    assert len(store) == len(versioned) + len(api.inferred_triples())


def test_query_and_sparql_with_endpoint(endpoint, capsys):
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
    assert main([*args, "--endpoint", endpoint]) == 0
    assert capsys.readouterr().out == local
    assert (
        main(["sparql", "ASK { kg:drug-trastuzumab tpbc:targets kg:gene-ERBB2 }", "--endpoint", endpoint])
        == 0
    )
    assert capsys.readouterr().out.strip() == "true"


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(
            q, marks=pytest.mark.xfail(strict=True, reason=f"Virtuoso 7.2.5 {VIRTUOSO_DIFFERS[q.name]}")
        )
        if q.name in VIRTUOSO_DIFFERS
        else q
        for q in canned_queries()
    ],
    ids=lambda q: q.name,
)
def test_canned_questions_on_virtuoso(store, query):
    params = example_params(query.example)
    local = execute(api.query_store(), query, params)
    remote = execute(store, query, params)
    assert rows(remote) == rows(local)
