"""Export: every format parses back to the same graph, JSON-LD reads as words, writes are atomic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from tpbc_kg import export
from tpbc_kg.namespace import KG, TPBC


@pytest.fixture(scope="module")
def small(graph) -> Graph:
    """A slice of the graph with every kind of literal (decimals, integers, booleans, language tags)."""
    part = Graph()
    for triple in graph.triples((None, None, None)):
        if str(triple[0]).startswith(str(KG) + "trial-CLEOPATRA") or str(triple[0]).startswith(
            str(KG) + "outcome-CLEOPATRA"
        ):
            part.add(triple)
    assert len(part) > 20
    return part


@pytest.mark.parametrize("fmt", sorted(export.EXPORTERS))
def test_every_format_round_trips(small, fmt):
    text = export.serialize(small, fmt)
    back = Graph().parse(
        data=text,
        format="json-ld"
        if fmt == "json-ld"
        else export.EXPORTERS[fmt].rdflib_format.replace("pretty-xml", "xml"),
    )
    assert isomorphic(small, back)


def test_turtle_json_ld_turtle_round_trip_of_whole_graph(graph):
    via_jsonld = Graph().parse(data=export.serialize(graph, "json-ld"), format="json-ld")
    again = Graph().parse(data=via_jsonld.serialize(format="turtle"), format="turtle")
    assert isomorphic(graph, again)


def test_json_ld_keys_are_words(small):
    document = json.loads(export.serialize(small, "json-ld"))
    text = json.dumps(document)
    assert '"sampleSize"' in text and '"hasArm"' in text
    assert str(TPBC.sampleSize) not in text


def test_write_is_atomic_when_serialisation_fails(tmp_path: Path, monkeypatch):
    target = tmp_path / "out.ttl"
    target.write_text("old content")

    import io

    class FailingWriter(io.StringIO):
        def write(self, s):
            raise OSError("disk full")

    monkeypatch.setattr(export.os, "fdopen", lambda fd, *a, **k: (export.os.close(fd), FailingWriter())[1])
    with pytest.raises(OSError, match="disk full"):
        export.write_atomic(target, "new content")
    assert target.read_text() == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"]


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown export format"):
        export.exporter("csv")
