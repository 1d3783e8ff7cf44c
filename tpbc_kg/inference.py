"""The triples the graph entails but nobody asserted: OWL 2 RL by `reasonable`, plus a few SPARQL rules.

`reasonable` (Rust, PyPI) computes the OWL 2 RL closure - the class hierarchy applied to every
individual, sub-properties, inverses, symmetric and transitive properties, domains, ranges, hasValue
and someValuesFrom definitions - in well under a second on the bundled graph (owlrl takes 26-63 s).
It does not apply property chains, and OWL (open-world) cannot derive the two closed-world classes,
so three CONSTRUCT rules kept as .rq files in queries/rules/ run on its closure on Oxigraph; what they
derive is fed back to `reasonable` until nothing new follows (two rounds on the bundled graph).

What is kept (`select_inferred`) is what a query over "asserted plus inferred" needs and nothing that
would mislead: rdf:type to named classes of the ontology, and object-property assertions between named
individuals with a property of the ontology - minus what is asserted, minus OWL's vocabulary
(owl:Thing, owl:sameAs x x, class and property axioms), and minus the claim-bearing properties: each of
their triples must be backed by a tpbc:Statement with a reference, and an inference has none.

>>> from rdflib import Graph
>>> from tpbc_kg.namespace import KG, TPBC
>>> from rdflib import RDF
>>> from tpbc_kg.load import load
>>> inferred = infer(load())
>>> (KG["drug-tucatinib"], RDF.type, TPBC.HER2TargetedDrug) in inferred
True
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import reasonable
from rdflib import RDF, Graph, URIRef
from rdflib.term import Node

from tpbc_kg.namespace import TPBC
from tpbc_kg.paths import queries_dir
from tpbc_kg.terms import Triple, to_rdflib_triple
from tpbc_kg.terms import triples as as_triples

MAX_ROUNDS = 10  # the rules reach their fixpoint in two rounds on the bundled graph
_VOCABULARY = str(TPBC._NS)


def rule_files() -> list[Path]:
    """The CONSTRUCT rules run beside the OWL RL reasoner (queries/rules/*.rq), in name order."""
    return sorted((queries_dir() / "rules").glob("*.rq"))


@cache
def _rule_texts() -> tuple[str, ...]:
    return tuple(path.read_text(encoding="utf-8") for path in rule_files())


def owl_rl_closure(graph: Graph) -> set[Triple]:
    """Everything `reasonable` entails from graph (asserted triples included)."""
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(graph)
    return set(reasoner.reason())


def apply_rules(triples: Iterable[Triple]) -> set[Triple]:
    """What the rules of queries/rules/ derive from triples (some may already be among them)."""
    store = ox.Store()
    text = "".join(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in triples)
    store.bulk_load(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    derived: set[Triple] = set()
    for text in _rule_texts():
        derived.update(to_rdflib_triple(t) for t in as_triples(store.query(text)))
    return derived


def closure(asserted: Graph) -> set[Triple]:
    """The OWL RL closure of asserted together with the rules' conclusions, to their joint fixpoint."""
    working = Graph()
    working += asserted
    for _ in range(MAX_ROUNDS):
        entailed = owl_rl_closure(working)
        new = apply_rules(entailed) - entailed
        if not new:
            return entailed
        for triple in new:
            working.add(triple)
    raise RuntimeError(f"the inference rules did not reach a fixpoint in {MAX_ROUNDS} rounds")


def _claim_bearing(graph: Iterable[Triple]) -> set[Node]:
    return {s for s, p, _ in graph if p == TPBC.claimBearing}


def _object_properties(triples: Iterable[Triple]) -> set[Node]:
    from rdflib.namespace import OWL

    kinds = {OWL.ObjectProperty, OWL.TransitiveProperty, OWL.SymmetricProperty}
    return {s for s, p, o in triples if p == RDF.type and o in kinds}


def _classes(triples: Iterable[Triple]) -> set[Node]:
    from rdflib.namespace import OWL

    return {s for s, p, o in triples if p == RDF.type and o == OWL.Class and isinstance(s, URIRef)}


def select_inferred(asserted: Graph, entailed: set[Triple]) -> Graph:
    """The entailed triples worth keeping beside the asserted ones (see the module docstring)."""
    classes = {c for c in _classes(asserted) if str(c).startswith(_VOCABULARY)}
    ours = {p for p in _object_properties(asserted) if str(p).startswith(_VOCABULARY)}
    properties = ours - _claim_bearing(asserted)
    told = set(asserted)
    inferred = Graph()
    for s, p, o in entailed:
        if not isinstance(s, URIRef) or not isinstance(o, URIRef) or (s, p, o) in told:
            continue
        if (p == RDF.type and o in classes and s not in classes) or p in properties:
            inferred.add((s, p, o))
    return inferred


def infer(asserted: Graph) -> Graph:
    """The new triples the asserted graph (TBox included) entails, for queries to use beside it."""
    return select_inferred(asserted, closure(asserted))
