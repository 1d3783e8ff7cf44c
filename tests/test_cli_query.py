"""The `queries`, `query` and `sparql` commands: output a user sees, and the exit codes tpbc_kg.cli.main
gives their failures (2 for anything the user can fix)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from tpbc_kg import cli as cli_module
from tpbc_kg.cli_query import QUERIES_COMMAND, QUERY_COMMAND, SPARQL_COMMAND, parse_params
from tpbc_kg.errors import EXIT_BAD_INPUT, EXIT_OK
from tpbc_kg.query import canned_queries

PTEN = ["drugs-bypassing-resistance", "--param", "mechanism=PTEN loss"]


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def main():
    """tpbc_kg.cli.main with the three commands attached, as the lead attaches them (and no more)."""
    added = []
    for command in (QUERIES_COMMAND, QUERY_COMMAND, SPARQL_COMMAND):
        if command.name not in cli_module.cli.commands:
            cli_module.cli.add_command(command)
            added.append(command.name)
    yield cli_module.main
    for name in added:
        cli_module.cli.commands.pop(name, None)


def test_commands_are_standalone_click_commands():
    assert [c.name for c in (QUERIES_COMMAND, QUERY_COMMAND, SPARQL_COMMAND)] == [
        "queries",
        "query",
        "sparql",
    ]


def test_queries_lists_every_query_with_question_and_parameters(runner):
    result = runner.invoke(QUERIES_COMMAND, ["--width", "100"])
    assert result.exit_code == EXIT_OK, result.output
    for query in canned_queries():
        assert f"\n{query.name}\n" in f"\n{result.output}"
    assert "mechanism (ResistanceMechanism, required)" in result.output
    assert "parameters: none" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 100


def test_query_table_shows_labels_and_fits_the_width(runner):
    result = runner.invoke(QUERY_COMMAND, [*PTEN, "--width", "90"])
    assert result.exit_code == EXIT_OK, result.output
    assert "everolimus" in result.output and "https://" not in result.output
    assert "trastuzumab  " not in result.output.split("\n")[2]
    assert max(len(line) for line in result.output.splitlines()) <= 90
    assert result.output.rstrip().endswith("(4 rows)")


def test_query_json_is_w3c_results(runner):
    result = runner.invoke(QUERY_COMMAND, [*PTEN, "--format", "json"])
    document = json.loads(result.output)
    assert document["head"]["vars"][:3] == ["mechanism", "drug", "status"]
    drugs = {b["drug"]["value"] for b in document["results"]["bindings"]}
    assert drugs == {"https://w3id.org/tpbc-kg/id/drug-everolimus"}


def test_query_csv_and_tsv(runner):
    csv_out = runner.invoke(QUERY_COMMAND, [*PTEN, "-f", "csv"]).stdout_bytes.decode()
    rows = list(csv.DictReader(io.StringIO(csv_out, newline="")))
    assert {r["status"] for r in rows} == {"stated", "inferred"}
    assert csv_out.count("\r\n") == 5, "W3C CSV lines end with CRLF"
    tsv_out = runner.invoke(QUERY_COMMAND, [*PTEN, "-f", "tsv"]).output
    assert tsv_out.startswith("?mechanism\t?drug\t?status")
    assert "<https://w3id.org/tpbc-kg/id/drug-everolimus>" in tsv_out


def test_query_markdown(runner):
    result = runner.invoke(QUERY_COMMAND, ["triple-therapy-trials", "-f", "markdown"])
    assert result.output.startswith("| trial | arm | regimen |")
    assert "| monarcHER |" in result.output


def test_query_with_two_params(runner):
    result = runner.invoke(
        QUERY_COMMAND,
        ["trial-outcomes", "-p", "trial=cleopatra", "-p", "endpoint=PFS", "-f", "csv"],
    )
    values = sorted(row["value"] for row in csv.DictReader(io.StringIO(result.output)))
    assert values == ["12.4", "12.4", "18.5", "18.7"]


def test_sparql_text_and_file(runner, tmp_path):
    text = "SELECT ?trial WHERE { ?trial a tpbc:ClinicalTrial ; tpbc:acronym 'PERTAIN' }"
    result = runner.invoke(SPARQL_COMMAND, [text, "-f", "csv"])
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout_bytes == b"trial\r\nhttps://w3id.org/tpbc-kg/id/trial-PERTAIN\r\n"
    path = tmp_path / "q.rq"
    path.write_text(text)
    assert runner.invoke(SPARQL_COMMAND, [str(path)]).output == "trial\n-------\nPERTAIN\n(1 row)\n"
    assert runner.invoke(SPARQL_COMMAND, ["-"], input=text).output.startswith("trial")


def test_sparql_ask_and_construct(runner):
    ask = runner.invoke(
        SPARQL_COMMAND, ["ASK { kg:drug-everolimus tpbc:targets kg:gene-MTOR }", "-f", "json"]
    )
    assert json.loads(ask.output)["boolean"] is True
    construct = runner.invoke(
        SPARQL_COMMAND, ["CONSTRUCT { ?d tpbc:targets kg:gene-MTOR } WHERE { ?d tpbc:targets kg:gene-MTOR }"]
    )
    assert "drug-everolimus" in construct.output


def test_parse_params():
    assert parse_params(("mechanism=PTEN loss", "x=a=b", "empty=")) == {
        "mechanism": "PTEN loss",
        "x": "a=b",
        "empty": "",
    }


@pytest.mark.parametrize(
    "argv,message",
    [
        (["query", "drugs-bypassing-resistanse"], "did you mean: drugs-bypassing-resistance"),
        (["query", "drugs-bypassing-resistance"], "needs --param mechanism"),
        (["query", "drugs-bypassing-resistance", "--param", "mechanism"], "is not KEY=VALUE"),
        (["query", "drugs-bypassing-resistance", "--param", "mech=PTEN loss"], "has no parameter 'mech'"),
        (["query", "drugs-bypassing-resistance", "-p", "mechanism=PTEN los"], "did you mean: PTEN loss"),
        (["query", "evidence-for", "-p", "entity=PTEN loss"], "kg:mech-pten-loss"),
        (
            ["query", "drugs-bypassing-resistance", "-p", "mechanism=x'\"} ; DROP ALL"],
            "no resistance mechanism",
        ),
        (["query", "triple-therapy-trials", "--format", "xml"], "xml"),
        (["sparql", "SELECT ?s WHERE { ?s ?p }"], "<query>:1:"),
        (["sparql", "SELECT ?s\nWHERE {\n  ?s ?p ?o .\n  FILTER(\n}"], "<query>:4:3:"),
        (["sparql", "SELECT ?s WHERE { ?s nope:p ?o }"], "SPARQL syntax error"),
        (["sparql", "no/such/file.rq"], "query file not found"),
        (["sparql", "DROP ALL"], "`sparql` is read-only"),
        (["sparql", "INSERT DATA { kg:a kg:b kg:c }"], "`sparql` is read-only"),
        (["sparql", "  # nothing\n"], "empty query"),
        (["sparql", "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"], "SERVICE"),
    ],
)
def test_failures_exit_2_with_a_message(main, capsys, argv, message):
    assert main(argv) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err


def test_malformed_file_names_the_file_line_and_column(main, capsys, tmp_path):
    path = tmp_path / "broken.rq"
    path.write_text(
        "PREFIX tpbc: <https://w3id.org/tpbc-kg/ontology#>\nSELECT ?s WHERE {\n  ?s tpbc:targets\n}\n"
    )
    assert main(["sparql", str(path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"{path}:3:3:" in err and "tpbc:targets" in err, err


def test_success_through_main(main, capsys):
    assert main(["query", *PTEN, "--format", "json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["results"]["bindings"]
