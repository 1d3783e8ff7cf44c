"""Loading: the umbrella ontology, its imports through the catalog, and readable parse errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import OWL, SKOS

from tpbc_kg.load import KG_ONTOLOGY, InputError, catalog, curated_files, load_schema, parse_into
from tpbc_kg.namespace import TPBC

ONTOLOGY = URIRef("https://w3id.org/tpbc-kg/ontology")


def test_every_catalog_file_exists_and_is_loaded(graph):
    for iri, path in catalog().items():
        assert path.is_file(), f"{iri} maps to missing {path}"
        assert (iri, RDF.type, OWL.Ontology) in graph, f"{path.name} declares no owl:Ontology {iri}"


def test_curated_modules_are_imported_by_the_umbrella_ontology(graph):
    imported = set(graph.objects(KG_ONTOLOGY, OWL.imports))
    modules = {p: iri for iri, p in catalog().items()}
    for path in curated_files():
        assert modules[path] in imported


def test_schema_has_stable_iri_and_version(schema):
    assert (ONTOLOGY, OWL.versionIRI, URIRef("https://w3id.org/tpbc-kg/ontology/0.1.0")) in schema
    assert schema.value(ONTOLOGY, OWL.versionInfo) == Literal("0.1.0")


def _tbox_terms():
    schema = load_schema()
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return sorted({t for k in kinds for t in schema.subjects(RDF.type, k) if t in TPBC}, key=str)


@pytest.mark.parametrize("term", _tbox_terms(), ids=lambda t: str(t).rsplit("#", 1)[-1])
def test_every_class_and_property_has_label_and_definition(schema, term):
    assert schema.value(term, RDFS.label), f"{term} has no rdfs:label"
    assert schema.value(term, SKOS.definition), f"{term} has no skos:definition"


def test_object_and_datatype_properties_have_domain_and_range(schema):
    missing = []
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in schema.subjects(RDF.type, kind):
            lineage = set(schema.transitive_objects(prop, RDFS.subPropertyOf))  # sub-properties inherit
            for axis in (RDFS.domain, RDFS.range):
                if not any(schema.value(p, axis) for p in lineage):
                    missing.append(f"{prop} has no {axis}")
    assert not missing


@pytest.mark.parametrize(
    "first, second",
    [
        (TPBC.Gene, TPBC.Drug),
        (TPBC.Study, TPBC.Pathway),
        (TPBC.Drug, TPBC.Regimen),
        (TPBC.Claim, TPBC.Reference),
    ],
)
def test_top_level_classes_are_disjoint(schema, first, second):
    groups = [
        list(schema.items(schema.value(node, OWL.members)))
        for node in schema.subjects(RDF.type, OWL.AllDisjointClasses)
    ]
    assert any(first in members and second in members for members in groups)


def test_syntax_error_reports_file_line_and_column(schema, tmp_path: Path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e "unterminated .\n')
    with pytest.raises(InputError) as caught:
        parse_into(Graph(), bad)
    assert caught.value.line == 3
    assert str(bad) in str(caught.value)


def test_unknown_extension_is_a_clear_error(tmp_path: Path):
    odd = tmp_path / "entry.txt"
    odd.write_text("hello")
    with pytest.raises(InputError, match="unknown RDF format"):
        parse_into(Graph(), odd)


def test_missing_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(InputError, match="file not found"):
        parse_into(Graph(), tmp_path / "nope.ttl")
