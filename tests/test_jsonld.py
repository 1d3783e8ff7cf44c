"""The fast JSON-LD writer (tpbc_kg.jsonld): the same graph as rdflib's compaction with the shipped
context, keys that read as words, and values whose datatype does not fit a term kept exact."""

from __future__ import annotations

import json
import sys

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from tpbc_kg import export, jsonld
from tpbc_kg.load import prefix_map
from tpbc_kg.namespace import KG, TPBC
from tpbc_kg.paths import project_root
from tpbc_kg.store import OxigraphStore, to_store

sys.path.insert(0, str(project_root() / "benchmarks"))
import generate


def _parsed(text: str) -> Graph:
    return Graph().parse(data=text, format="json-ld")


def test_bundled_graph_is_the_graph_rdflib_writes(graph):
    fast = _parsed(export.serialize(graph, "json-ld"))
    assert isomorphic(fast, _parsed(export.rdflib_json_ld(graph)))
    assert isomorphic(fast, graph)


def test_from_the_store_is_the_stores_graph(graph):
    """Written from Oxigraph's triples (no rdflib terms): the graph the store holds, as rdflib writes it."""
    store = OxigraphStore(to_store(graph), prefix_map())
    held = Graph().parse(data=store.serialize("nt"), format="nt")
    assert isomorphic(_parsed(store.serialize("json-ld").decode()), _parsed(export.rdflib_json_ld(held)))


def test_generated_graph_round_trips():
    triples = generate.generate(1, seed=2)
    graph = Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    assert isomorphic(_parsed(jsonld.graph_to_jsonld(graph)), graph)


def test_keys_and_values_read_as_words(graph):
    document = json.loads(export.serialize(graph, "json-ld"))
    nodes = {node["@id"]: node for node in document["@graph"]}
    trial = nodes["kg:trial-CLEOPATRA"]
    assert trial["@type"] == "ClinicalTrial"
    assert trial["sampleSize"] == "808"  # coerced by the context to xsd:integer
    assert sorted(trial["hasArm"]) == ["kg:arm-CLEOPATRA-PTD", "kg:arm-CLEOPATRA-placebo-TD"]
    assert str(TPBC.sampleSize) not in json.dumps(document)


def test_a_value_that_does_not_fit_the_terms_coercion_keeps_its_datatype():
    """sampleSize is coerced to xsd:integer; a decimal there is written under the CURIE, exactly."""
    graph = Graph()
    graph.add(
        (
            KG["trial-x"],
            TPBC.sampleSize,
            Literal("80.5", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")),
        )
    )
    graph.add((KG["trial-x"], TPBC.hasArm, Literal("not an IRI")))
    document = json.loads(jsonld.graph_to_jsonld(graph))
    node = document["@graph"][0]
    assert node["tpbc:sampleSize"] == {"@type": "xsd:decimal", "@value": "80.5"}
    assert node["tpbc:hasArm"] == "not an IRI"
    assert isomorphic(_parsed(jsonld.graph_to_jsonld(graph)), graph)


def test_a_context_the_compactor_does_not_handle_is_refused():
    with pytest.raises(ValueError, match="@vocab"):
        jsonld.Context.of({"@vocab": "https://example.org/", "a": "https://example.org/a"})


def test_iris_outside_every_namespace_stay_whole():
    graph = Graph()
    graph.add((URIRef("https://example.org/x"), TPBC.targets, URIRef("https://example.org/y")))
    node = json.loads(jsonld.graph_to_jsonld(graph))["@graph"][0]
    assert node["@id"] == "https://example.org/x"
    assert isomorphic(_parsed(jsonld.graph_to_jsonld(graph)), graph)
