"""Counts per class and the share of claims that carry a reference and an evidence type."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import OWL

from tpbc_kg.namespace import TPBC


@dataclass(frozen=True)
class ClassCount:
    cls: URIRef
    label: str
    direct: int
    total: int  # including members of subclasses


@dataclass(frozen=True)
class GraphStats:
    triples: int
    classes: list[ClassCount]
    claims: int
    claims_with_reference: int
    claims_with_numbered_reference: int
    claims_with_evidence_type: int

    @property
    def reference_share(self) -> float:
        return self.claims_with_reference / self.claims if self.claims else 1.0


def _members(graph: Graph, cls: URIRef) -> set:
    return {s for s in graph.subjects(RDF.type, cls) if isinstance(s, URIRef)}


def compute(graph: Graph) -> GraphStats:
    classes = [c for c in graph.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef) and c in TPBC]
    counts = []
    for cls in classes:
        subclasses = {c for c in graph.transitive_subjects(RDFS.subClassOf, cls) if isinstance(c, URIRef)}
        total = set().union(*(_members(graph, c) for c in subclasses))
        counts.append(
            ClassCount(cls, str(graph.value(cls, RDFS.label) or cls), len(_members(graph, cls)), len(total))
        )
    claim_classes = {
        c for c in graph.transitive_subjects(RDFS.subClassOf, TPBC.Claim) if isinstance(c, URIRef)
    }
    claims = set().union(*(_members(graph, c) for c in claim_classes))
    with_ref = {c for c in claims if graph.value(c, TPBC.supportedBy) is not None}
    numbered = {
        c
        for c in claims
        if any(graph.value(r, TPBC.referenceNumber) is not None for r in graph.objects(c, TPBC.supportedBy))
    }
    with_evidence = {c for c in claims if graph.value(c, TPBC.hasEvidenceType) is not None}
    return GraphStats(
        triples=len(graph),
        classes=sorted(counts, key=lambda c: (-c.total, c.label)),
        claims=len(claims),
        claims_with_reference=len(with_ref),
        claims_with_numbered_reference=len(numbered),
        claims_with_evidence_type=len(with_evidence),
    )


def render_text(stats: GraphStats) -> str:
    lines = [f"{'class':<48} {'direct':>7} {'with subclasses':>16}", "-" * 73]
    for count in stats.classes:
        if count.total:
            lines.append(f"{count.label:<48} {count.direct:>7} {count.total:>16}")
    share = 100 * stats.reference_share
    lines += [
        "",
        f"triples: {stats.triples}",
        f"claims: {stats.claims}",
        f"claims with a reference: {stats.claims_with_reference} ({share:.1f}%)",
        f"claims citing a numbered reference of the review: {stats.claims_with_numbered_reference}",
        f"claims with an evidence type: {stats.claims_with_evidence_type}",
    ]
    return "\n".join(lines) + "\n"
