"""Names users type resolve to one entity, case-insensitively; unknown and ambiguous names are explained."""

from __future__ import annotations

import pytest
from rdflib import RDF, RDFS, Graph, Literal

from tpbc_kg.namespace import KG, TPBC
from tpbc_kg.resolve import AmbiguousEntity, UnknownEntity, resolve


@pytest.mark.parametrize(
    "name, expected",
    [
        ("trastuzumab", KG["drug-trastuzumab"]),
        ("TRASTUZUMAB", KG["drug-trastuzumab"]),
        ("HER2", KG["gene-ERBB2"]),
        ("her2", KG["gene-ERBB2"]),
        ("HGNC:3430", KG["gene-ERBB2"]),
        ("T-DM1", KG["drug-trastuzumab-emtansine"]),
        ("T-DXd", KG["drug-trastuzumab-deruxtecan"]),
        ("NCT00567190", KG["trial-CLEOPATRA"]),
        ("kg:drug-everolimus", KG["drug-everolimus"]),
        ("https://w3id.org/tpbc-kg/id/gene-PTEN", KG["gene-PTEN"]),
        ("IL-8", KG["gene-CXCL8"]),
        ("MDR1", KG["gene-ABCB1"]),
        ("drug-lapatinib", KG["drug-lapatinib"]),
    ],
)
def test_names_resolve(graph, name, expected):
    assert resolve(graph, name) == expected


def test_unknown_name_suggests_close_matches(graph):
    with pytest.raises(UnknownEntity) as caught:
        resolve(graph, "trastuzumb")
    assert "trastuzumab" in caught.value.suggestions


def test_shared_label_is_ambiguous_and_lists_candidates():
    g = Graph()
    g.bind("kg", KG)
    for local in ("drug-a", "drug-b"):
        g.add((KG[local], RDF.type, TPBC.Drug))
        g.add((KG[local], RDFS.label, Literal("same name", lang="en")))
    with pytest.raises(AmbiguousEntity) as caught:
        resolve(g, "Same Name")
    assert [c for c, _ in caught.value.candidates] == ["kg:drug-a", "kg:drug-b"]


def test_label_beats_synonym():
    g = Graph()
    g.add((KG["gene-A"], RDF.type, TPBC.Gene))
    g.add((KG["gene-A"], RDFS.label, Literal("ABC")))
    g.add((KG["gene-B"], RDF.type, TPBC.Gene))
    g.add((KG["gene-B"], RDFS.label, Literal("XYZ")))
    g.add((KG["gene-B"], TPBC.hgncSymbol, Literal("XYZ")))
    from rdflib.namespace import SKOS

    g.add((KG["gene-B"], SKOS.altLabel, Literal("ABC")))
    assert resolve(g, "abc") == KG["gene-A"]
