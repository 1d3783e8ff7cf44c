"""Generate a synthetic graph shaped like the curated one, for benchmarks at 100k and 1M triples.

The curated graph (schema + modules) is copied as a whole, again and again: in copy k every curated
individual kg:X becomes kg:X-sk, links between individuals stay inside the copy, labels get a " [sk]"
suffix so that no two entities of a class share a label, and numeric outcome and finding values are
perturbed by a few percent. Each copy therefore has exactly the curated graph's classes, properties and
degree distributions. The schema and the references (with their unique numbers) appear once and every
copy cites them. Whole copies are added until at least the requested number of triples is reached, so
the output conforms to shapes/ and is deterministic for a given --triples and --seed.

usage: python benchmarks/generate.py --triples 100000 --seed 1 -o /tmp/kg-100k.nt
       (.nt or .ttl; Turtle is written by Oxigraph)
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path

import pyoxigraph as ox

KG = "https://w3id.org/tpbc-kg/id/"
TPBC = "https://w3id.org/tpbc-kg/ontology#"
XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PERTURBED = {TPBC + "value", TPBC + "valueLow", TPBC + "valueHigh"}


@cache
def _curated_triples() -> tuple[list[ox.Triple], list[ox.Triple]]:
    """(schema triples, curated triples grouped by subject) of the bundled graph."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from rdflib.compare import to_canonical_graph

    from tpbc_kg.load import load

    graph = to_canonical_graph(load())  # deterministic blank-node labels (the schema's OWL lists)
    data = graph.serialize(format="nt", encoding="utf-8")
    schema, curated = [], []
    for triple in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):  # keeps the canonical blank-node labels
        subject = triple.subject
        if isinstance(subject, ox.NamedNode) and subject.value.startswith(KG):
            curated.append(triple)
        else:
            schema.append(triple)
    key = lambda t: (str(t.subject), str(t.predicate), str(t.object))  # noqa: E731
    return sorted(schema, key=key), sorted(curated, key=key)


SHARED_CLASSES = {TPBC + "Reference", TPBC + "SourceDocument"}
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def shared_subjects(curated: list[ox.Triple]) -> set[str]:
    """The references and source documents: every copy cites the same ones (a reference number is unique,
    as the shapes require), so they are written once and never cloned."""
    return {
        t.subject.value
        for t in curated
        if t.predicate.value == RDF_TYPE
        and isinstance(t.object, ox.NamedNode)
        and t.object.value in SHARED_CLASSES
    }


def _clone_term(
    term: ox.NamedNode | ox.BlankNode | ox.Literal, suffix: str, shared: set[str] = frozenset()
) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, ox.NamedNode) and term.value.startswith(KG) and term.value not in shared:
        return ox.NamedNode(term.value + suffix)
    return term


def _perturb(literal: ox.Literal, rng: random.Random) -> ox.Literal:
    value = Decimal(literal.value)
    factor = Decimal(str(round(rng.uniform(0.95, 1.05), 3)))
    new = (value * factor).quantize(Decimal("0.1"))
    if value >= 0 > new:
        new = Decimal("0.0")
    return ox.Literal(str(new), datatype=ox.NamedNode(XSD_DECIMAL))


def _copy(curated: list[ox.Triple], k: int, rng: random.Random, shared: set[str]) -> list[ox.Triple]:
    suffix = f"-s{k}"
    out = []
    for triple in curated:
        if triple.subject.value in shared:
            continue
        obj = triple.object
        if isinstance(obj, ox.Literal):
            if triple.predicate.value == RDFS_LABEL:
                obj = (
                    ox.Literal(f"{obj.value} [s{k}]", language=obj.language)
                    if obj.language
                    else ox.Literal(f"{obj.value} [s{k}]")
                )
            elif triple.predicate.value in PERTURBED and obj.datatype.value == XSD_DECIMAL:
                capped = obj
                obj = _perturb(obj, rng)
                if Decimal(capped.value) <= 100 < Decimal(obj.value):
                    obj = capped  # keep percentages within 0-100
        else:
            obj = _clone_term(obj, suffix, shared)
        out.append(ox.Triple(_clone_term(triple.subject, suffix, shared), triple.predicate, obj))
    return out


def iter_triples(triples: int, seed: int) -> Iterator[ox.Triple]:
    """The synthetic graph, triple by triple (deterministic for triples and seed): the schema and the
    references once, then whole copies of the curated graph until there are at least `triples` triples.
    Whole copies, not a cut one, so that no claim or outcome points at a node left out and the graph
    conforms to shapes/ (a test of the suite checks a small one). Streamed, so that a 10M-triple graph is
    written without holding it in memory."""
    rng = random.Random(seed)
    schema, curated = _curated_triples()
    shared = shared_subjects(curated)
    head = list(schema) + [  # the references, their links to studies pointing into copy 0
        ox.Triple(t.subject, t.predicate, _clone_term(t.object, "-s0", shared))
        for t in curated
        if t.subject.value in shared
    ]
    yield from head
    count, k = len(head), 0
    while k == 0 or count < triples:  # at least one copy
        copy = _copy(curated, k, rng, shared)
        yield from copy
        count += len(copy)
        k += 1


def generate(triples: int, seed: int) -> list[ox.Triple]:
    """The synthetic graph as an ordered list of triples (see iter_triples)."""
    return list(iter_triples(triples, seed))


def write(triples: Iterable[ox.Triple], path: Path) -> None:
    """Write the triples (a list or a stream) to path, Turtle or N-Triples by its extension; atomically,
    so that an interrupted run never leaves a cut file that a later benchmark would take for whole."""
    fmt = ox.RdfFormat.TURTLE if path.suffix == ".ttl" else ox.RdfFormat.N_TRIPLES
    prefixes = {"kg": KG, "tpbc": TPBC} if fmt == ox.RdfFormat.TURTLE else None
    partial = path.with_name(path.name + ".part")
    with open(partial, "wb") as handle:
        if prefixes:
            ox.serialize(triples, handle, format=fmt, prefixes=prefixes)
        else:
            ox.serialize(triples, handle, format=fmt)
    os.replace(partial, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, required=True, help="approximate size of the output graph")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, required=True, help="output file (.nt or .ttl)")
    args = parser.parse_args(argv)
    write(iter_triples(args.triples, args.seed), args.output)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
