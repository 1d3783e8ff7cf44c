"""Turning what a user types (a label, synonym, symbol, CURIE, identifier or IRI) into one graph node.

Matching is case-insensitive and tiered: an exact IRI or CURIE beats a preferred label, which beats an
identifier or acronym, which beats a synonym, which beats an arm's abbreviation, which beats an IRI's
local name. Inside the best tier a named entity beats structural nodes (regimens, arms, claims); only a
remaining tie is ambiguous; an unknown name comes back with the closest names the graph knows.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from tpbc_kg.errors import UserError
from tpbc_kg.labels import curie, preferred_label
from tpbc_kg.namespace import KG, TPBC

_TIERS: tuple[tuple[URIRef, ...], ...] = (
    (RDFS.label,),
    (
        TPBC.acronym,
        TPBC.hgncSymbol,
        TPBC.identifier,
        TPBC.hgncId,
        TPBC.drugbankId,
        TPBC.nctId,
        TPBC.uniiId,
        TPBC.reactomeId,
        TPBC.entrezId,
        TPBC.uniprotId,
        TPBC.ensemblId,
        TPBC.doi,
        TPBC.pmid,
        TPBC.casNumber,
    ),
    (SKOS.altLabel, SKOS.prefLabel),
    (TPBC.armLabel,),
)
# Regimens, arms, claims and steps are structure: a drug named "trastuzumab" wins over the one-drug
# regimen that shares its label.
_STRUCTURAL = (TPBC.Regimen, TPBC.TrialArm, TPBC.Claim, TPBC.PathwayStep, TPBC.Discrepancy)


class ResolutionError(UserError, LookupError):
    """Base of the errors a user can fix by typing another name."""


@dataclass
class UnknownEntity(ResolutionError):
    name: str
    suggestions: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        hint = f"; did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        return f"no entity is called {self.name!r}{hint}"


@dataclass
class AmbiguousEntity(ResolutionError):
    name: str
    candidates: list[tuple[str, str]] = field(default_factory=list)  # (CURIE, label)

    def __str__(self) -> str:
        options = "; ".join(f"{curie} ({label})" for curie, label in self.candidates)
        return f"{self.name!r} names several entities: {options}. Use one of these CURIEs."


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


@dataclass
class NameIndex:
    """Lower-cased names -> nodes, one dict per tier, with what resolution and messages need to know
    about the nodes (labels, which ones are structural, the prefixes for CURIEs). Plain data: it is built
    once per store and kept beside it (pickled), so opening a large graph does not rebuild it."""

    tiers: list[dict[str, set[URIRef]]]
    display: dict[str, str]
    known: set[URIRef] = field(default_factory=set)
    structural: set[URIRef] = field(default_factory=set)
    labels: dict[URIRef, str] = field(default_factory=dict)
    namespaces: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, graph: Graph, types: Iterable[URIRef] | None = None) -> NameIndex:
        allowed = None
        if types is not None:
            allowed = set()
            for cls_ in types:
                allowed |= set(graph.transitive_subjects(RDFS.subClassOf, cls_))
        tiers: list[dict[str, set[URIRef]]] = [defaultdict(set) for _ in range(len(_TIERS) + 1)]
        display: dict[str, str] = {}
        for tier, properties in enumerate(_TIERS):
            for prop in properties:
                for node, value in graph.subject_objects(prop):
                    if not isinstance(node, URIRef) or not isinstance(value, Literal):
                        continue
                    if allowed is not None and not (set(graph.objects(node, RDF.type)) & allowed):
                        continue
                    key = _norm(value)
                    tiers[tier][key].add(node)
                    display.setdefault(key, str(value))
        local = tiers[len(_TIERS)]
        typed = {n for n in graph.subjects(RDF.type, None) if isinstance(n, URIRef)}
        for node in typed:
            if str(node).startswith(str(KG)):
                local[_norm(str(node)[len(str(KG)) :])].add(node)
        return cls(
            [dict(tier) for tier in tiers],
            display,
            known={n for n in graph.subjects() if isinstance(n, URIRef)},
            structural=_structural_nodes(graph, typed),
            labels=_labels(graph),
            namespaces={prefix: str(ns) for prefix, ns in graph.namespace_manager.namespaces() if prefix},
        )

    def resolve(self, name: str) -> URIRef:
        text = name.strip()
        exact = self._as_iri(text)
        if exact is not None:
            return exact
        key = _norm(text)
        for tier in self.tiers:
            nodes = tier.get(key)
            if not nodes:
                continue
            if len(nodes) == 1:
                return next(iter(nodes))
            named = [n for n in nodes if n not in self.structural]
            if len(named) == 1:
                return named[0]
            raise AmbiguousEntity(name, sorted((self.curie(n), self.label(n)) for n in nodes))
        raise UnknownEntity(name, self.suggest(key))

    def suggest(self, key: str, limit: int = 5) -> list[str]:
        names = list(self.display)
        close = difflib.get_close_matches(key, names, n=limit, cutoff=0.6)
        if len(close) < limit:
            close += [n for n in names if key and key in n and n not in close][: limit - len(close)]
        return [self.display[c] for c in close]

    def restricted(self, allowed: set[URIRef]) -> NameIndex:
        """The same index with only the names of the allowed nodes."""
        tiers = [{k: v & allowed for k, v in tier.items() if v & allowed} for tier in self.tiers]
        keys = {key for tier in tiers for key in tier}
        display = {k: d for k, d in self.display.items() if k in keys}
        return NameIndex(tiers, display, self.known, self.structural, self.labels, self.namespaces)

    def _as_iri(self, text: str) -> URIRef | None:
        if ":" not in text or any(ch.isspace() for ch in text):
            return None
        candidates = [URIRef(text)]
        if not text.startswith("http"):
            prefix, _, local = text.partition(":")
            for bound_prefix, namespace in self.namespaces.items():
                if bound_prefix.casefold() == prefix.casefold():
                    candidates.append(URIRef(namespace + local))
        for iri in candidates:
            if iri in self.known:
                return iri
        return None

    def curie(self, node: URIRef) -> str:
        return curie(node)

    def label(self, node: URIRef) -> str:
        return self.labels.get(node) or self.curie(node)


def _labels(graph: Graph) -> dict[URIRef, str]:
    """Each node's rdfs:label, English (or untagged) first."""
    found: dict[URIRef, list[Literal]] = defaultdict(list)
    for node, value in graph.subject_objects(RDFS.label):
        if isinstance(node, URIRef) and isinstance(value, Literal):
            found[node].append(value)
    return {node: label for node, values in found.items() if (label := preferred_label(values)) is not None}


def _structural_nodes(graph: Graph, nodes: set[URIRef]) -> set[URIRef]:
    """The nodes typed (directly or through a superclass) as one of the structural classes."""
    structural_classes: set[URIRef] = set()
    for cls in _STRUCTURAL:
        subclasses = graph.transitive_subjects(RDFS.subClassOf, cls)
        structural_classes |= {c for c in subclasses if isinstance(c, URIRef)}
        structural_classes.add(cls)
    return {n for n in nodes if set(graph.objects(n, RDF.type)) & structural_classes}


def resolve(graph: Graph, name: str, types: Iterable[URIRef] | None = None) -> URIRef:
    """The node a user means by name; raises UnknownEntity or AmbiguousEntity."""
    return NameIndex.build(graph, types).resolve(name)
