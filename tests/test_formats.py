"""Result formats: the W3C SPARQL 1.1 JSON, CSV and TSV documents (read back with rdflib's own parsers for
those formats), and the table and Markdown people read."""

from __future__ import annotations

import io
import json

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.query import Result

from tpbc_kg.formats import (
    FORMATS,
    column_widths,
    render,
    render_boolean,
    sparql_json,
    to_csv,
    to_markdown,
    to_table,
    to_tsv,
    tsv_term,
)

XSD_NS = "http://www.w3.org/2001/XMLSchema#"
DOUBLE = URIRef(XSD_NS + "double")
DRUG = URIRef("https://w3id.org/tpbc-kg/id/drug-trastuzumab")
VARS = ["drug", "label", "value", "count", "flag", "note", "blank"]
ROWS = [
    (
        DRUG,
        Literal("trastuzumab", lang="en"),
        Literal("18.70", datatype=URIRef(XSD_NS + "decimal")),
        Literal(808),
        Literal(True),
        Literal('said "no",\ttab\nnewline; and | pipe'),
        BNode("b1"),
    ),
    (URIRef("https://w3id.org/tpbc-kg/ontology#Drug"), None, None, None, None, Literal(""), None),
]
LABELS = {DRUG: "trastuzumab", URIRef("https://w3id.org/tpbc-kg/ontology#Drug"): "drug"}


def label(node) -> str:
    return LABELS.get(node, str(node))


def _read_back(text: str, fmt: str) -> list[tuple]:
    result = Result.parse(io.StringIO(text), format=fmt)
    return [tuple(row[v] if v in row.labels else None for v in VARS) for row in result]  # type: ignore[union-attr]


def test_json_follows_the_w3c_results_format():
    document = sparql_json(VARS, ROWS)
    assert document["head"] == {"vars": VARS}
    first, second = document["results"]["bindings"]
    assert first["drug"] == {"type": "uri", "value": str(DRUG)}
    assert first["label"] == {"type": "literal", "value": "trastuzumab", "xml:lang": "en"}
    assert first["value"] == {"type": "literal", "value": "18.70", "datatype": XSD_NS + "decimal"}
    assert first["count"]["datatype"] == XSD_NS + "integer"
    assert first["blank"] == {"type": "bnode", "value": "b1"}
    assert set(second) == {"drug", "note"}, "unbound variables are left out of a binding"
    assert second["note"] == {"type": "literal", "value": ""}


def test_json_reads_back_with_rdflib():
    text = render("json", VARS, ROWS, label)
    assert json.loads(text)["head"]["vars"] == VARS
    back = _read_back(text, "json")
    assert back[0][:6] == ROWS[0][:6]
    assert back[1][0] == ROWS[1][0] and back[1][1] is None


def test_csv_follows_the_w3c_results_format():
    text = to_csv(VARS, ROWS)
    lines = text.split("\r\n")
    assert lines[0] == ",".join(VARS), "header: variable names without '?'"
    assert lines[1].startswith(f"{DRUG},trastuzumab,18.70,808,true,"), "IRIs bare, literals without tags"
    assert '"said ""no"",\ttab\nnewline; and | pipe"' in text, "quoted fields"
    assert text.endswith("\r\n")
    assert lines[-2].endswith(",,,,,,"), "unbound values are empty fields"


def test_csv_reads_back_with_rdflib():
    back = _read_back(to_csv(VARS, ROWS), "csv")
    assert str(back[0][0]) == str(DRUG) and str(back[0][5]) == str(ROWS[0][5])


def test_tsv_follows_the_w3c_results_format():
    text = to_tsv(VARS, ROWS)
    header, first, second, end = text.split("\n")
    assert header == "\t".join(f"?{v}" for v in VARS)
    cells = first.split("\t")
    assert cells[:5] == [f"<{DRUG}>", '"trastuzumab"@en', "18.70", "808", "true"]
    assert cells[5] == '"said \\"no\\",\\ttab\\nnewline; and | pipe"'
    assert cells[6] == "_:b1"
    assert second.split("\t")[1:5] == ["", "", "", ""]
    assert end == ""


def test_tsv_reads_back_with_rdflib():
    back = _read_back(to_tsv(VARS, ROWS), "tsv")
    assert back[0][:6] == ROWS[0][:6]


@pytest.mark.parametrize(
    "term,text",
    [
        (Literal("x", datatype=URIRef(XSD_NS + "date")), f'"x"^^<{XSD_NS}date>'),
        (Literal("1e3", datatype=DOUBLE, normalize=False), "1e3"),
        (Literal("1000.0", datatype=DOUBLE, normalize=False), f'"1000.0"^^<{XSD_NS}double>'),
        (Literal(".5", datatype=URIRef(XSD_NS + "decimal"), normalize=False), ".5"),
        (Literal("abc", datatype=URIRef(XSD_NS + "integer")), f'"abc"^^<{XSD_NS}integer>'),
        (Literal("plain"), '"plain"'),
    ],
)
def test_tsv_terms(term, text):
    assert tsv_term(term) == text


@pytest.mark.parametrize("width", [60, 80, 100, 140])
def test_table_fits_the_width_and_shows_labels(width):
    rows = [(DRUG, Literal("a long explanation " * 12), Literal(5))] * 3
    text = to_table(["drug", "explanation", "n"], rows, label, width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "trastuzumab" in text and str(DRUG) not in text
    assert lines[-1] == "(3 rows)"


def test_table_without_rows():
    assert to_table(["a"], [], label, 80) == "(no rows)\n"


def test_column_widths_keep_narrow_columns_whole():
    widths = column_widths([5, 200, 8], [5, 16, 8], 80)
    assert widths[0] == 5 and widths[2] == 8
    assert sum(widths) + 4 == 80


def test_markdown_escapes_pipes_and_uses_labels():
    text = to_markdown(VARS, ROWS, label)
    lines = text.splitlines()
    assert lines[0] == "| " + " | ".join(VARS) + " |"
    assert lines[1] == "|" + "|".join("---" for _ in VARS) + "|"
    assert "and \\| pipe" in lines[2] and "| trastuzumab |" in lines[2]
    assert lines[3].startswith("| drug |")


def test_every_format_renders_and_unknown_ones_fail():
    for fmt in FORMATS:
        assert render(fmt, VARS, ROWS, label, 100)
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render("xml", VARS, ROWS, label)


def test_ask_answers():
    assert json.loads(render_boolean("json", True)) == {"head": {}, "boolean": True}
    assert render_boolean("table", False) == "false\n"
    assert Result.parse(io.StringIO(render_boolean("json", True)), format="json").askAnswer is True
