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

    from tpbc_kg import atomic

    real_fdopen = atomic.os.fdopen

    class Handle:  # io objects refuse new attributes: wrap instead
        def __init__(self, fd, *args, **kwargs):
            self.inner = real_fdopen(fd, *args, **kwargs)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.inner.close()

        def fileno(self):
            return self.inner.fileno()

        def write(self, data):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fdopen", Handle)
    with pytest.raises(atomic.WriteError, match="cannot write the file: no space left on the device"):
        export.write_atomic(target, "new content")
    assert target.read_text() == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"]


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown export format"):
        export.exporter("csv")


def _export_in_a_new_process(fmt: str, path: Path, seed: str) -> bytes:
    """A fresh process parses the modules anew (new blank-node labels) with another hash seed (another
    set order): what two runs of `tpbc-kg export` on two days see."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONHASHSEED": seed, "TPBC_KG_QUIET": "1"}
    command = [sys.executable, "-m", "tpbc_kg.cli", "export", "-f", fmt, "-o", str(path)]
    subprocess.run(command, env=env, check=True, capture_output=True)
    return path.read_bytes()


@pytest.mark.parametrize("fmt", ["nt", "json-ld"])
def test_exports_are_byte_identical_across_runs(fmt, tmp_path, graph):
    first = _export_in_a_new_process(fmt, tmp_path / "first", "1")
    second = _export_in_a_new_process(fmt, tmp_path / "second", "2")
    assert first == second
    assert isomorphic(Graph().parse(data=first, format=fmt), graph)


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_a_new_export_follows_the_umask_and_a_replaced_one_keeps_its_mode(small, tmp_path, umask):
    import os
    import stat

    new, kept = tmp_path / "new.ttl", tmp_path / "kept.ttl"
    kept.write_text("old")
    kept.chmod(0o640)
    old = os.umask(umask)
    try:
        export.export(small, "turtle", new)
        export.export(small, "turtle", kept)
    finally:
        os.umask(old)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640


def test_stable_blank_nodes_keep_identical_restrictions_apart():
    """Two classes with the same restriction keep two restrictions (labels come from where they hang)."""
    text = """@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix : <http://example.org/> .
    :A owl:equivalentClass [ a owl:Restriction ; owl:onProperty :p ; owl:someValuesFrom :C ] .
    :B owl:equivalentClass [ a owl:Restriction ; owl:onProperty :p ; owl:someValuesFrom :C ] ."""
    graph = Graph().parse(data=text, format="turtle")
    stable = export.stable_blank_nodes(graph)
    assert len(stable) == len(graph) == 8 and isomorphic(stable, graph)
