"""The names of the graph: what a user may type for an entity, what a table prints for it, and which
entities a parameter of a given type may name.

A NameTable is built from a store's small names graph (labels, synonyms, identifiers, types, subclass
links: store.NAMING_QUERY) and is plain data, so a build keeps it pickled beside the store
(tpbc_kg.build) and opening a large graph never rebuilds it.

>>> from tpbc_kg.api import knowledge_base
>>> table = knowledge_base().names()
>>> str(table.resolve("Herceptin", "Drug")).rsplit("/", 1)[-1]
'drug-trastuzumab'
>>> table.type_label("ResistanceMechanism")
'resistance mechanism'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import OWL, SKOS
from rdflib.term import BNode, Node

from tpbc_kg.namespace import TPBC
from tpbc_kg.resolve import NameIndex

ANY_ENTITY_TYPES = ("Entity", "IRI")
DRUG_CLASS_TYPE = "DrugClass"
_SUFFIX_WORDS = ("resistance", "setting", "evidence", "route", "role")
_VOCABULARY = str(TPBC._NS)


class UnknownType(LookupError):
    """A parameter type that is not a class of the ontology (a broken query header)."""


@dataclass
class NameTable:
    """The name index (with the vocabulary tier), every node's classes and the class hierarchy."""

    index: NameIndex
    types: dict[URIRef, frozenset[URIRef]]
    subclasses: dict[URIRef, frozenset[URIRef]]
    classes: frozenset[URIRef]
    _typed: dict[str, tuple[set[URIRef] | None, NameIndex]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_graph(cls, graph: Graph) -> NameTable:
        types: dict[URIRef, set[URIRef]] = {}
        for node, kind in graph.subject_objects(RDF.type):
            if isinstance(node, URIRef) and isinstance(kind, URIRef):
                types.setdefault(node, set()).add(kind)
        parents: dict[URIRef, set[URIRef]] = {}
        for sub, sup in graph.subject_objects(RDFS.subClassOf):
            if isinstance(sub, URIRef) and isinstance(sup, URIRef):
                parents.setdefault(sub, set()).add(sup)
        subclasses = _descendants(parents)
        closed = {node: frozenset(_ancestors(kinds, parents)) for node, kinds in types.items()}
        classes = frozenset(n for n, kinds in types.items() if OWL.Class in kinds)
        return cls(_with_vocabulary_tier(graph, NameIndex.build(graph)), closed, subclasses, classes)

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["_typed"] = {}
        return state

    # -- what parameters may name ---------------------------------------------------------------

    def instances(self, type_name: str) -> set[URIRef] | None:
        """The nodes a parameter of this type may name (None: any node)."""
        if type_name in ANY_ENTITY_TYPES:
            return None
        if type_name == DRUG_CLASS_TYPE:
            return set(self.subclasses.get(TPBC.Drug, frozenset({TPBC.Drug})))
        cls = URIRef(_VOCABULARY + type_name)
        if cls not in self.classes:
            raise UnknownType(f"parameter type {type_name!r} is not a class of the ontology")
        wanted = self.subclasses.get(cls, frozenset({cls}))
        return {node for node, kinds in self.types.items() if kinds & wanted}

    def type_label(self, type_name: str) -> str:
        """How messages name a parameter type ("resistance mechanism", "drug class")."""
        if type_name in ANY_ENTITY_TYPES:
            return "entity"
        if type_name == DRUG_CLASS_TYPE:
            return "drug class"
        return self.index.labels.get(URIRef(_VOCABULARY + type_name), type_name)

    def typed_index(self, type_name: str) -> tuple[set[URIRef] | None, NameIndex]:
        """(the nodes a parameter of this type may name, the names of just those nodes), once per type."""
        if type_name not in self._typed:
            allowed = self.instances(type_name)
            index = self.index if allowed is None else self.index.restricted(allowed)
            self._typed[type_name] = (allowed, index)
        return self._typed[type_name]

    def resolve(self, name: str, type_name: str = "Entity") -> URIRef:
        """The node of this type a user means by name (UnknownEntity / AmbiguousEntity otherwise)."""
        return self.typed_index(type_name)[1].resolve(name)

    # -- what tables print ------------------------------------------------------------------------

    def label(self, node: Node) -> str:
        """What a person reads for a node: its rdfs:label (English first), else its CURIE."""
        if isinstance(node, URIRef):
            if node in self.index.labels:
                return self.index.labels[node]
            curie = self.index.curie(node)
            return curie if not curie.startswith("<") else str(node)
        if isinstance(node, BNode):
            return f"_:{node}"
        return str(node)


def _ancestors(kinds: set[URIRef], parents: dict[URIRef, set[URIRef]]) -> set[URIRef]:
    seen = set(kinds)
    pending = list(kinds)
    while pending:
        for sup in parents.get(pending.pop(), ()):
            if sup not in seen:
                seen.add(sup)
                pending.append(sup)
    return seen


def _descendants(parents: dict[URIRef, set[URIRef]]) -> dict[URIRef, frozenset[URIRef]]:
    children: dict[URIRef, set[URIRef]] = {}
    for sub, sups in parents.items():
        for sup in sups:
            children.setdefault(sup, set()).add(sub)
    return {cls: frozenset(_ancestors({cls}, children)) for cls in children}


def _camel_words(local: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", local)


def _vocabulary_names(graph: Graph, node: URIRef) -> set[str]:
    """Extra names for a TBox term, so users can type "PFS", "MedianPFS" or "EMT" for the vocabulary
    individuals the TBox labels "median progression-free survival" (altLabel "median PFS") or
    "epithelial-mesenchymal transition" (local name EMTResistance)."""
    local = str(node)[len(_VOCABULARY) :]
    names = {local, _camel_words(local)}
    words = _camel_words(local).split()
    if len(words) > 1 and words[-1].casefold() in _SUFFIX_WORDS:
        names.add(" ".join(words[:-1]))
    for prop in (RDFS.label, SKOS.altLabel):
        for label in graph.objects(node, prop):
            text = str(label)
            if text.casefold().startswith("median "):
                names.add(text[len("median ") :])
    return names


def _with_vocabulary_tier(graph: Graph, index: NameIndex) -> NameIndex:
    tier: dict[str, set[URIRef]] = {}
    for node in set(graph.subjects(RDF.type, None)):
        if isinstance(node, URIRef) and str(node).startswith(_VOCABULARY):
            for name in _vocabulary_names(graph, node):
                key = " ".join(name.split()).casefold()
                tier.setdefault(key, set()).add(node)
                index.display.setdefault(key, name)
    index.tiers.append(tier)
    return index


def python_value(names: NameTable, node: Node | None, is_list: bool = False, separator: str = "; ") -> object:
    """A cell as Python: a list for list columns, the value of a literal, the label of an entity."""
    if is_list:
        return [] if node is None else [item for item in str(node).split(separator) if item]
    if node is None:
        return None
    if isinstance(node, Literal):
        return node.toPython()
    return names.label(node)
