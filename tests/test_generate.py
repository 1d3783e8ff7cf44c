"""The benchmark's synthetic graph (benchmarks/generate.py): shaped like the curated graph, conforming to the
shapes, and the same bytes for the same seed."""

from __future__ import annotations

import sys

import pyoxigraph as ox
from rdflib import Graph

from tpbc_kg import validate
from tpbc_kg.paths import project_root

sys.path.insert(0, str(project_root() / "benchmarks"))
import generate


def _one_copy(seed: int) -> list[ox.Triple]:
    return generate.generate(1, seed)  # the schema, the references and one whole copy


def test_a_copy_conforms_to_the_shapes():
    triples = _one_copy(seed=1)
    graph = Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    report = validate.validate_graph(graph, [])
    assert not report.violations, validate.render_text(report)[:3000]


def test_copies_cite_the_shared_references_and_rename_everything_else():
    triples = _one_copy(seed=1)
    subjects = {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
    assert generate.KG + "ref-030" in subjects  # references are written once, under their own IRIs
    assert generate.KG + "trial-CLEOPATRA-s0" in subjects
    assert generate.KG + "trial-CLEOPATRA" not in subjects


def test_same_seed_same_graph_other_seed_other_values():
    assert _one_copy(seed=7) == _one_copy(seed=7)
    assert _one_copy(seed=7) != _one_copy(seed=8)
