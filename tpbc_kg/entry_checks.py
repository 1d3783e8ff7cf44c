"""Checks on a curator's entry that SHACL shapes cannot express, run by `validate` and `add` alike.

The shapes check what an entry says about the ontology's classes; these checks catch what the shapes
never see: terms the ontology does not define (a misspelt class leaves a node no shape targets), nodes
without a type, blank nodes (they cannot be merged into a module and found again), unedited templates,
literals that are not of their datatype or are absurdly long, and identifiers that do not exist in the
reference data (../shared/reference/) or belong to another entity. Each problem is a ValidationResult
with the file and line where it is written, so it reads like every other result of the report.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SKOS
from rdflib.term import Node

from tpbc_kg import identifiers
from tpbc_kg.namespace import TPBC

MAX_LITERAL_CHARS = 2000
"""The longest literal an entry may carry. The longest in the curated graph is under 500 characters (a
curator's note); a description is one or two sentences in the curator's own words, never a pasted text."""

TEMPLATE_MARKER = re.compile(r"\bTEMPLATE\b")
CHECK_PREFIX = "tpbc-kg:"
_COMPONENT = "entry check"
_BUILT_IN_PROPERTIES = {RDF.type, RDFS.label, RDFS.comment, RDFS.seeAlso, OWL.sameAs}
_BUILT_IN_CLASSES = {OWL.NamedIndividual, OWL.Thing}
_DECLARED_PROPERTY_TYPES = (
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    RDF.Property,
    OWL.FunctionalProperty,
    OWL.TransitiveProperty,
    OWL.SymmetricProperty,
)


@dataclass(frozen=True)
class Problem:
    """One finding, before it is turned into a ValidationResult (validate.py renders those)."""

    check: str  # e.g. UnknownClass; the rule column shows tpbc-kg:UnknownClass
    focus: Node
    message: str
    severity: str = "Violation"
    path: Node | None = None
    value: Node | None = None
    term: Node | None = None  # what to look for when placing the problem on a line


# --- the checks -------------------------------------------------------------------------------------------


def _declared_properties(schema: Graph) -> set[Node]:
    found: set[Node] = set(_BUILT_IN_PROPERTIES)
    for kind in _DECLARED_PROPERTY_TYPES:
        found |= set(schema.subjects(RDF.type, kind))
    return found


def _declared_classes(schema: Graph) -> set[Node]:
    return (
        set(schema.subjects(RDF.type, OWL.Class))
        | set(schema.subjects(RDF.type, RDFS.Class))
        | _BUILT_IN_CLASSES
    )


def _curie(graph: Graph, node: Node) -> str:
    """A CURIE for an IRI (tpbc:Drug), the text of anything else."""
    return graph.namespace_manager.normalizeUri(node) if isinstance(node, URIRef) else str(node)


def _suggest(term: Node, known: Iterable[Node], graph: Graph) -> str:
    names = {graph.namespace_manager.normalizeUri(k): k for k in known if isinstance(k, URIRef)}
    wanted = graph.namespace_manager.normalizeUri(term) if isinstance(term, URIRef) else str(term)
    close = difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""


def vocabulary_problems(entry: Graph, context: Graph) -> list[Problem]:
    """Classes and properties the ontology does not define, and nodes that have no type at all."""
    properties = _declared_properties(context)
    classes = _declared_classes(context)
    problems = []
    for predicate in sorted({p for p in entry.predicates() if p not in properties}, key=str):
        subject = next(entry.subjects(predicate, None))
        problems.append(
            Problem(
                "UnknownProperty",
                subject,
                f"{_curie(context, predicate)} is not a property of the ontology"
                f"{_suggest(predicate, properties, context)} Use a property defined in ontology/tpbc.ttl.",
                path=predicate,
                term=predicate,
            )
        )
    for subject, cls in sorted(entry.subject_objects(RDF.type), key=str):
        if cls not in classes:
            problems.append(
                Problem(
                    "UnknownClass",
                    subject,
                    f"{_curie(context, cls)} is not a class of the ontology"
                    f"{_suggest(cls, classes, context)} No shape checks a node of an unknown class: "
                    "use a class defined in ontology/tpbc.ttl.",
                    path=RDF.type,
                    value=cls,
                    term=cls,
                )
            )
    for subject in sorted({s for s in entry.subjects() if isinstance(s, URIRef)}, key=str):
        if (subject, RDF.type, None) not in context and (subject, RDF.type, None) not in entry:
            problems.append(
                Problem(
                    "UntypedNode",
                    subject,
                    "this node has no rdf:type, so no shape checks it and `add` cannot tell which module "
                    "it belongs to: give it a class of the ontology (tpbc:Drug, tpbc:Statement ...).",
                )
            )
    return problems


def blank_node_problems(entry: Graph) -> list[Problem]:
    """Blank nodes cannot be merged into a module and found again: every node needs an IRI."""
    problems = []
    seen: set[Node] = set()
    for subject, predicate, obj in sorted(entry, key=str):
        blank = subject if isinstance(subject, BNode) else obj if isinstance(obj, BNode) else None
        if blank is None or blank in seen:
            continue
        seen.add(blank)
        anchor = (
            subject
            if isinstance(subject, URIRef)
            else next((s for s in entry.subjects(None, blank) if isinstance(s, URIRef)), blank)
        )
        problems.append(
            Problem(
                "BlankNode",
                anchor,
                "the entry contains a blank node ([ ... ] or _:name), which cannot be merged into the "
                "curated modules: give the node an IRI under https://w3id.org/tpbc-kg/id/ (kg:) and a type.",
                path=predicate,
                term=BNode(),
            )
        )
    return problems


def literal_problems(entry: Graph) -> list[Problem]:
    """Template markers, literals that are not of their datatype, and oversized literals."""
    problems = []
    for subject, predicate, obj in sorted(entry, key=str):
        if not isinstance(obj, Literal):
            continue
        text = str(obj)
        if TEMPLATE_MARKER.search(text):
            problems.append(
                Problem(
                    "TemplateMarker",
                    subject,
                    "this value still carries the TEMPLATE marker of the example it was copied from: "
                    "replace it with what the source says, or delete the line.",
                    path=predicate,
                    value=Literal(text[:80]),
                    term=obj,
                )
            )
        if obj.ill_typed:
            datatype = entry.namespace_manager.normalizeUri(obj.datatype) if obj.datatype else "?"
            problems.append(
                Problem(
                    "IllTypedLiteral",
                    subject,
                    f"{text[:60]!r} is not a valid {datatype}: write a value of that datatype "
                    "(integers without quotes or decimals, booleans true/false, dates YYYY-MM-DD).",
                    path=predicate,
                    value=Literal(text[:80]),
                    term=obj,
                )
            )
        if len(text) > MAX_LITERAL_CHARS:
            problems.append(
                Problem(
                    "OversizedLiteral",
                    subject,
                    f"this value is {len(text):,} characters long; the limit is {MAX_LITERAL_CHARS:,}. "
                    "Summarise the source in one or two sentences of your own words.",
                    path=predicate,
                    value=Literal(text[:80] + "..."),
                    term=obj,
                )
            )
    return problems


# --- identifiers -----------------------------------------------------------------------------------------


def _names_of(graph: Graph, node: Node) -> set[str]:
    found: set[str] = set()
    for predicate in (RDFS.label, SKOS.altLabel, TPBC.hgncSymbol, TPBC.acronym):
        found |= {str(value) for value in graph.objects(node, predicate)}
    return found


_SCHEMES: dict[URIRef, tuple[str, str, str]] = {
    # property -> (Reference attribute, reference file, what a record is)
    TPBC.hgncId: ("hgnc", identifiers.HGNC_FILE, "an HGNC protein-coding gene"),
    TPBC.drugbankId: ("drugbank", identifiers.DRUGBANK_FILE, "a DrugBank drug"),
    TPBC.uniiId: ("unii", identifiers.DRUGBANK_FILE, "the UNII of a DrugBank drug"),
    TPBC.casNumber: ("cas", identifiers.DRUGBANK_FILE, "the CAS number of a DrugBank drug"),
    TPBC.reactomeId: ("reactome", identifiers.REACTOME_FILE, "a human Reactome pathway"),
    TPBC.nctId: ("nct", identifiers.NCT_FILE, "a verified trial registration"),
}
_NAME_CHECKED = {TPBC.hgncId: "gene", TPBC.drugbankId: "drug", TPBC.nctId: "trial"}


def _identifier_problem(
    subject: Node, predicate: URIRef, value: Literal, graph: Graph, ref: identifiers.Reference
) -> Problem | None:
    text = str(value)
    curie = graph.namespace_manager.normalizeUri(predicate)
    attribute, filename, what = _SCHEMES[predicate]
    if identifiers.is_placeholder(text):
        return Problem(
            "PlaceholderIdentifier",
            subject,
            f"{text} is the placeholder of a template, not an identifier: take the real one from "
            f"../shared/reference/{filename}, or delete the line if the entity is not there.",
            path=predicate,
            value=value,
            term=value,
        )
    record = getattr(ref, attribute).get(text)
    if record is None and predicate == TPBC.nctId:
        return Problem(
            "UnverifiedNct",
            subject,
            f"{text} could not be verified offline: it is not in ../shared/reference/{filename}. Check it on "
            "ClinicalTrials.gov and add a row to that file (how it was verified), or leave the number out.",
            severity="Warning",
            path=predicate,
            value=value,
            term=value,
        )
    if record is None:
        return Problem(
            "UnknownIdentifier",
            subject,
            f"{text} is not {what} in ../shared/reference/{filename}: look the entity up there and copy "
            f"its identifier; never invent one (leave {curie} out if the entity is not listed).",
            path=predicate,
            value=value,
            term=value,
        )
    names = _names_of(graph, subject)
    if predicate in _NAME_CHECKED and names and not record.answers_to(names):
        return Problem(
            "IdentifierNameMismatch",
            subject,
            f"{text} is {record.name} in ../shared/reference/{filename}, but this entity is called "
            f"{', '.join(sorted(names))}: check that the identifier belongs to this "
            f"{_NAME_CHECKED[predicate]}.",
            severity="Warning",
            path=predicate,
            value=value,
            term=value,
        )
    return None


def identifier_problems(
    nodes: Iterable[Node], graph: Graph, others: Callable[[URIRef, Literal], list[Node]] | None = None
) -> list[Problem]:
    """HGNC, DrugBank, UNII, CAS and Reactome identifiers must exist in the reference files (a symbol or
    drug name that disagrees with the record is a warning); an NCT number outside the verified list is a
    warning; an identifier another entity already carries is a warning (a duplicate, or a formulation)."""
    ref = identifiers.reference()
    problems = []
    for subject in nodes:
        for predicate in _SCHEMES:
            for value in sorted(graph.objects(subject, predicate), key=str):
                if not isinstance(value, Literal):
                    continue
                found = _identifier_problem(subject, predicate, value, graph, ref)
                if found is not None:
                    problems.append(found)
                    continue
                holders = [n for n in (others(predicate, value) if others else []) if n != subject]
                if holders:
                    problems.append(
                        Problem(
                            "IdentifierTaken",
                            subject,
                            f"{value} already identifies {_curie(graph, holders[0])}: "
                            "if this is the same entity, describe that one (use its IRI) instead of creating "
                            "a second; keep both only for a distinct form of it (a formulation).",
                            severity="Warning",
                            path=predicate,
                            value=value,
                            term=value,
                        )
                    )
    return problems


# --- placing a problem on a line --------------------------------------------------------------------------

_PREFIX_LINE = re.compile(r"(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*|)\s*:\s*<([^>]*)>", re.IGNORECASE)


def _spellings(term: Node, text: str) -> list[str]:
    """The ways a term can be written in a file of this text (full IRI, prefixed names, JSON-LD key)."""
    if isinstance(term, BNode):
        return ["_:", "["]
    if isinstance(term, Literal):
        lexical = str(term).split("\n", 1)[0]
        return [lexical[:60]] if lexical else []
    iri = str(term)
    found = [f"<{iri}>", f'"{iri}"']
    for prefix, namespace in _PREFIX_LINE.findall(text):
        if iri.startswith(namespace):
            found.append(f"{prefix}:{iri[len(namespace) :]}")
    local = re.split(r"[#/]", iri)[-1]
    found += [f'"{local}"', f":{local}"]
    return found


def find_line(path: Path, term: Node | None, after: int = 1) -> int | None:
    """The first line at or after `after` where term is written (None if it cannot be found)."""
    if term is None or not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    spellings = _spellings(term, text)
    lines = text.splitlines()
    for start in (after, 1):
        for number in range(start, len(lines) + 1):
            line = lines[number - 1]
            if line.lstrip().startswith("#") and not isinstance(term, Literal):
                continue
            if any(s and s in line for s in spellings):
                return number
    return None


def run_all(entry: Graph, context: Graph, identifier_holders: Callable | None = None) -> list[Problem]:
    """Every entry check, in a fixed order (the report sorts them by file and line anyway)."""
    nodes = sorted({s for s in entry.subjects() if isinstance(s, URIRef)}, key=str)
    return [
        *blank_node_problems(entry),
        *vocabulary_problems(entry, context),
        *literal_problems(entry),
        *identifier_problems(nodes, context, identifier_holders),
    ]
