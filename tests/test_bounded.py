"""Bounded queries from the terminal: `sparql --timeout/--limit`, streamed output, and `plot`."""

from __future__ import annotations

import csv
import io
import time

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef

from tpbc_kg import cli as cli_module
from tpbc_kg.cli_query import SPARQL_COMMAND
from tpbc_kg.cli_serve import PLOT_COMMAND
from tpbc_kg.errors import EXIT_BAD_INPUT, EXIT_OK
from tpbc_kg.namespace import TPBC

KG = "https://w3id.org/tpbc-kg/id/"
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def main():
    for command in (SPARQL_COMMAND, PLOT_COMMAND):
        if command.name not in cli_module.cli.commands:
            cli_module.cli.add_command(command)
    return cli_module.main


def test_runaway_query_stops_at_the_time_limit_with_a_message(main, capsys):
    start = time.monotonic()
    assert main(["sparql", CROSS_PRODUCT, "--timeout", "1"]) == EXIT_BAD_INPUT
    assert time.monotonic() - start < 15
    err = capsys.readouterr().err
    assert "query stopped after 1 s (the time limit)" in err and "--timeout" in err
    assert "Traceback" not in err


def test_rows_stream_before_the_query_ends(runner):
    """A cross product without a cap is cut by the clock, but the rows it found before were written."""
    result = runner.invoke(
        SPARQL_COMMAND,
        ["SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f }", "-f", "tsv", "--limit", "0", "--timeout", "1"],
    )
    assert result.exit_code != EXIT_OK
    assert "time limit" in str(result.exception)
    assert result.stdout.startswith("?a\t?d\n")
    assert result.stdout.count("\n") > 1000


def test_row_cap_writes_that_many_rows_and_says_more_exist(runner):
    result = runner.invoke(
        SPARQL_COMMAND, ["SELECT ?s WHERE { ?s a owl:Class }", "-f", "csv", "--limit", "3"]
    )
    assert result.exit_code == EXIT_OK
    assert len(list(csv.DictReader(io.StringIO(result.stdout)))) == 3
    assert "stopped after 3 rows (the row cap)" in result.stderr and "--limit" in result.stderr


def test_no_note_when_the_answer_fits(runner):
    query = "SELECT ?size WHERE { kg:trial-CLEOPATRA tpbc:sampleSize ?size }"
    result = runner.invoke(SPARQL_COMMAND, [query, "-f", "csv", "--limit", "1"])
    assert result.stdout_bytes == b"size\r\n808\r\n" and result.stderr == ""


def test_construct_as_n_triples_and_json_ld(runner):
    query = "CONSTRUCT { ?d tpbc:targets kg:gene-MTOR } WHERE { ?d tpbc:targets kg:gene-MTOR }"
    expected = (URIRef(KG + "drug-everolimus"), TPBC.targets, URIRef(KG + "gene-MTOR"))
    for fmt, parser in (("nt", "nt"), ("jsonld", "json-ld"), ("turtle", "turtle")):
        result = runner.invoke(SPARQL_COMMAND, [query, "-f", fmt])
        assert result.exit_code == EXIT_OK, result.output
        assert expected in Graph().parse(data=result.stdout, format=parser), fmt


def test_select_as_sparql_xml(runner):
    query = "SELECT ?size WHERE { kg:trial-CLEOPATRA tpbc:sampleSize ?size }"
    result = runner.invoke(SPARQL_COMMAND, [query, "-f", "xml"])
    assert (
        '<binding name="size"><literal datatype="http://www.w3.org/2001/XMLSchema#integer">808</literal>'
        in (result.stdout)
    )


@pytest.mark.parametrize(
    "argv,message",
    [
        (["sparql", "SELECT ?s WHERE { ?s ?p ?o }", "-f", "nt"], "is an RDF format"),
        (["sparql", "CONSTRUCT WHERE { ?s ?p ?o }", "-f", "csv"], "is a results format"),
        (["sparql", "SELECT ?s WHERE { ?s ?p ?o }", "--timeout", "-1"], "--timeout"),
        (["sparql", "LOAD <http://example.org/x.ttl>"], "`sparql` is read-only"),
        (["plot", "trial", "CLEOPATRA", "-o", "out.png"], "SVG"),
        (["plot", "trial", "CLEOPATRX", "-o", "out.svg"], "did you mean: CLEOPATRA"),
    ],
)
def test_bad_input_exits_2_with_a_message(main, capsys, argv, message):
    assert main(argv) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert message in err, err


def test_plot_writes_the_svg_and_prints_its_table(runner, tmp_path):
    target = tmp_path / "cleopatra.svg"
    result = runner.invoke(PLOT_COMMAND, ["trial", "CLEOPATRA", "-o", str(target)])
    assert result.exit_code == EXIT_OK, result.output
    svg = target.read_text()
    assert "<svg" in svg and "18.5 months" in svg and "12.4 months" in svg
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    pfs = sorted(r["value"] for r in rows if r["endpoint"] == "median progression-free survival")
    assert pfs == ["12.4", "12.4", "18.5", "18.7"]
    assert {r["unit"] for r in rows if r["endpoint"] == "median progression-free survival"} == {"months"}


def test_plot_resistance_shows_what_overcomes_each_mechanism(runner, tmp_path):
    target = tmp_path / "resistance.svg"
    result = runner.invoke(PLOT_COMMAND, ["resistance", "trastuzumab", "-o", str(target)])
    assert result.exit_code == EXIT_OK, result.output
    rows = {r["mechanism"]: r["overcome by"] for r in csv.DictReader(io.StringIO(result.stdout))}
    assert "everolimus (stated)" in rows["PTEN loss"]
    assert "PTEN loss" in target.read_text()


def test_serve_refuses_a_port_in_use(main, capsys):
    import socket

    from tpbc_kg.cli_serve import SERVE_COMMAND

    if SERVE_COMMAND.name not in cli_module.cli.commands:
        cli_module.cli.add_command(SERVE_COMMAND)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == EXIT_BAD_INPUT
    assert "choose another with --port" in capsys.readouterr().err
