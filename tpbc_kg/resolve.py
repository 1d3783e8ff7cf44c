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


class ResolutionError(LookupError):
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
    """Lower-cased names -> nodes, one dict per tier, built once per graph."""

    graph: Graph
    tiers: list[dict[str, set[URIRef]]]
    display: dict[str, str]

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
        for node in set(graph.subjects(RDF.type, None)):
            if isinstance(node, URIRef) and str(node).startswith(str(KG)):
                local[_norm(str(node)[len(str(KG)) :])].add(node)
        return cls(graph, tiers, display)

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
            named = [n for n in nodes if not self._is_structural(n)]
            if len(named) == 1:
                return named[0]
            raise AmbiguousEntity(name, sorted((self._curie(n), self._label(n)) for n in nodes))
        raise UnknownEntity(name, self.suggest(key))

    def suggest(self, key: str, limit: int = 5) -> list[str]:
        names = list(self.display)
        close = difflib.get_close_matches(key, names, n=limit, cutoff=0.6)
        if len(close) < limit:
            close += [n for n in names if key and key in n and n not in close][: limit - len(close)]
        return [self.display[c] for c in close]

    def _as_iri(self, text: str) -> URIRef | None:
        if ":" not in text or any(ch.isspace() for ch in text):
            return None
        candidates = [URIRef(text)]
        if not text.startswith("http"):
            prefix, _, local = text.partition(":")
            for bound_prefix, namespace in self.graph.namespace_manager.namespaces():
                if bound_prefix.casefold() == prefix.casefold():
                    candidates.append(URIRef(str(namespace) + local))
        for iri in candidates:
            if (iri, None, None) in self.graph:
                return iri
        return None

    def _is_structural(self, node: URIRef) -> bool:
        for rdf_type in self.graph.objects(node, RDF.type):
            ancestors = set(self.graph.transitive_objects(rdf_type, RDFS.subClassOf))
            if ancestors.intersection(_STRUCTURAL):
                return True
        return False

    def _curie(self, node: URIRef) -> str:
        return self.graph.namespace_manager.normalizeUri(node)

    def _label(self, node: URIRef) -> str:
        return str(self.graph.value(node, RDFS.label) or self._curie(node))


def resolve(graph: Graph, name: str, types: Iterable[URIRef] | None = None) -> URIRef:
    """The node a user means by name; raises UnknownEntity or AmbiguousEntity."""
    return NameIndex.build(graph, types).resolve(name)
