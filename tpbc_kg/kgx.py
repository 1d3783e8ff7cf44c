"""The graph as Biolink KGX TSV (nodes.tsv, edges.tsv), the exchange format of Monarch, Translator and
the KG-Hub releases.

Categories and predicates come from the ontology's own mappings (ontology/tpbc-mappings.ttl):

- a node's category is the Biolink class its class maps to (exactMatch, closeMatch or broadMatch), found by
  walking up rdfs:subClassOf to the nearest mapped class; `biolink:NamedThing` where none is mapped;
- an edge's predicate is the Biolink slot its property maps to, when that slot is a Biolink *predicate*
  (a descendant of `related_to`); otherwise the nearest mapped super-property's, otherwise
  `biolink:related_to`. Mapped slots that are not predicates (`has_drug` is a node property,
  `publications` an association slot) and narrowMatch targets (Biolink's term is narrower) fall back to
  the parents listed in FALLBACK_PARENTS; every such fallback is reported in `KgxResult.notes`.

Every edge carries `primary_knowledge_source` (infores:tpbc-kg: curated here from the literature),
`publications` (the references of the Statements that back it, else of its subject or object, else the
source review), `knowledge_level` knowledge_assertion and `agent_type` manual_agent. Reified Statements
are edges, not nodes. Outcomes are nodes (biolink:StudyResult) that keep their value, unit, arm and
endpoint as columns, linked to their trial and arm by edges. Rows are sorted: the files are
deterministic. The tests check every category and predicate against the Biolink model YAML shipped in
the `biolink-model` package, offline.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS
from rdflib.term import Node

from tpbc_kg.namespace import KG, TPBC

BIOLINK = Namespace("https://w3id.org/biolink/vocab/")
OBO = "http://purl.obolibrary.org/obo/"
INFORES = "infores:tpbc-kg"
KG_PREFIX = "TPBCKG"
TPBC_PREFIX = "TPBC"
SOURCE_REVIEW = KG["source-review"]

NODE_COLUMNS = [
    "id",
    "category",
    "name",
    "description",
    "synonym",
    "xref",
    "provided_by",
    "endpoint",
    "arm",
    "has_numeric_value",
    "has_unit",
    "printed_value",
    "timepoint_years",
    "p_value",
]
EDGE_COLUMNS = [
    "id",
    "subject",
    "predicate",
    "object",
    "original_predicate",
    "category",
    "knowledge_level",
    "agent_type",
    "primary_knowledge_source",
    "publications",
    "has_evidence",
    "source_location",
]
REQUIRED_NODE_COLUMNS = ("id", "category")
REQUIRED_EDGE_COLUMNS = (
    "id",
    "subject",
    "predicate",
    "object",
    "knowledge_level",
    "agent_type",
    "primary_knowledge_source",
)

# Mapped Biolink slots that are not predicates, or narrowMatch targets, and the Biolink predicate to use
# instead (the slot's nearest predicate ancestor in biolink_model.yaml 4.4.6; checked by the tests).
FALLBACK_PARENTS = {
    "has_drug": "related_to",  # a node property (is_a: node property), not a predicate
    "is_sequence_variant_of": "related_to_at_instance_level",  # mapped as narrowMatch: use its parent
}
# Slots used as edge properties or columns, never as predicates.
PROPERTY_SLOTS = frozenset(
    {
        "publications",
        "has_evidence",
        "p_value",
        "has_unit",
        "has_numeric_value",
        "has_count",
        "has_total",
        "authors",
        "pages",
        "volume",
        "xref",
    }
)
# Properties that say something about a claim (its reference, evidence, bookkeeping), not a relation.
NOT_EDGES = frozenset(
    {
        TPBC.supportedBy,
        TPBC.hasEvidenceType,
        TPBC.reportedIn,
        TPBC.claimSubject,
        TPBC.claimObject,
        TPBC.hasUnit,
        TPBC.measuresEndpoint,
        TPBC.conflictingClaim,
        RDF.type,
    }
)
_MATCH_ORDER = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch)


@dataclass
class KgxResult:
    nodes: list[dict[str, str]]
    edges: list[dict[str, str]]
    notes: list[str] = field(default_factory=list)


def curie(node: Node) -> str:
    text = str(node)
    for namespace, prefix in ((str(KG), KG_PREFIX), (str(TPBC._NS), TPBC_PREFIX), (str(BIOLINK), "biolink")):
        if text.startswith(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    if text.startswith(OBO):
        local = text[len(OBO) :]
        prefix, _, rest = local.partition("_")
        return f"{prefix}:{rest}" if rest else text
    return text


def _clean(text: str) -> str:
    return " ".join(text.replace("|", "/").split())


def _join(values: Iterable[str]) -> str:
    return "|".join(sorted({_clean(v) for v in values if v}))


def _biolink_local(node: Node) -> str | None:
    text = str(node)
    return text[len(str(BIOLINK)) :] if text.startswith(str(BIOLINK)) else None


class Mapper:
    """Biolink category of a class and predicate of a property, from the ontology's skos mappings."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.notes: set[str] = set()

    def _mapped(self, term: URIRef) -> str | None:
        for match in _MATCH_ORDER:
            locals_ = sorted(filter(None, (_biolink_local(o) for o in self.graph.objects(term, match))))
            if locals_:
                return locals_[0]
        return None

    def category(self, cls: URIRef) -> str:
        queue, seen = [cls], set()
        while queue:
            current = queue.pop(0)
            if current in seen:
                continue
            seen.add(current)
            local = self._mapped(current)
            if local is not None and local[:1].isupper():
                if current != cls:
                    self.notes.add(
                        f"class {curie(cls)} has no Biolink mapping; "
                        f"category from {curie(current)}: biolink:{local}"
                    )
                return f"biolink:{local}"
            queue += sorted(o for o in self.graph.objects(current, RDFS.subClassOf) if isinstance(o, URIRef))
        self.notes.add(
            f"class {curie(cls)} maps to no Biolink class up its hierarchy; category biolink:NamedThing"
        )
        return "biolink:NamedThing"

    def predicate(self, prop: URIRef) -> str:
        queue, seen = [prop], set()
        while queue:
            current = queue.pop(0)
            if current in seen:
                continue
            seen.add(current)
            local = self._mapped(current)
            narrow = sorted(
                filter(None, (_biolink_local(o) for o in self.graph.objects(current, SKOS.narrowMatch)))
            )
            if local is None and narrow:
                local = narrow[0]
            if local is not None and local not in PROPERTY_SLOTS:
                if local in FALLBACK_PARENTS:
                    parent = FALLBACK_PARENTS[local]
                    self.notes.add(
                        f"property {curie(current)} maps to biolink:{local}, not usable as a predicate here; "
                        f"using its parent biolink:{parent}"
                    )
                    return f"biolink:{parent}"
                return f"biolink:{local}"
            queue += sorted(
                o for o in self.graph.objects(current, RDFS.subPropertyOf) if isinstance(o, URIRef)
            )
        self.notes.add(f"property {curie(prop)} maps to no Biolink predicate; using biolink:related_to")
        return "biolink:related_to"


def _individuals(graph: Graph) -> dict[URIRef, list[URIRef]]:
    """Named individuals (curated kg: nodes and tpbc: vocabulary individuals) and their asserted classes,
    Statements left out (they become edges)."""
    classes = set(graph.subjects(RDF.type, OWL.Class))
    found: dict[URIRef, list[URIRef]] = defaultdict(list)
    for subject, cls in graph.subject_objects(RDF.type):
        if isinstance(subject, URIRef) and cls in classes and subject not in classes:
            found[subject].append(cast(URIRef, cls))
    statements = set(graph.subjects(RDF.type, TPBC.Statement))
    return {s: sorted(c) for s, c in found.items() if s not in statements}


def _text(graph: Graph, node: Node, prop: URIRef) -> str:
    values = sorted(str(v) for v in graph.objects(node, prop))
    return values[0] if values else ""


def _publication_ids(graph: Graph, references: Iterable[Node]) -> list[str]:
    out = []
    for ref in references:
        pmid = graph.value(ref, TPBC.pmid)
        doi = graph.value(ref, TPBC.doi)
        if pmid is not None:
            out.append(str(pmid) if str(pmid).upper().startswith("PMID:") else f"PMID:{pmid}")
        elif doi is not None:
            out.append(f"doi:{doi}")
        else:
            out.append(curie(ref))
    return out


def _node_rows(graph: Graph, individuals: dict[URIRef, list[URIRef]], mapper: Mapper) -> list[dict[str, str]]:
    rows = []
    for node, classes in individuals.items():
        row = dict.fromkeys(NODE_COLUMNS, "")
        row["id"] = curie(node)
        row["category"] = _join(mapper.category(c) for c in classes)
        row["name"] = _clean(_text(graph, node, RDFS.label))
        row["description"] = _clean(
            _text(graph, node, DCTERMS.description) or _text(graph, node, SKOS.definition)
        )
        row["synonym"] = _join(str(v) for v in graph.objects(node, SKOS.altLabel))
        xrefs = [curie(o) for m in _MATCH_ORDER for o in graph.objects(node, m)]
        xrefs += [
            str(v)
            for p in (
                TPBC.hgncId,
                TPBC.nctId,
                TPBC.drugbankId,
                TPBC.uniprotId,
                TPBC.ensemblId,
                TPBC.reactomeId,
                TPBC.pmid,
            )
            for v in graph.objects(node, p)
        ]
        xrefs += [f"doi:{v}" for v in graph.objects(node, TPBC.doi)]
        row["xref"] = _join(xrefs)
        row["provided_by"] = INFORES
        if TPBC.Outcome in classes:
            _outcome_columns(graph, node, row)
        rows.append(row)
    return sorted(rows, key=lambda r: r["id"])


def _outcome_columns(graph: Graph, node: URIRef, row: dict[str, str]) -> None:
    """Per-arm outcomes keep their endpoint, arm, value and unit (UO where mapped)."""
    endpoint = graph.value(node, TPBC.measuresEndpoint)
    row["endpoint"] = curie(endpoint) if endpoint is not None else ""
    arm = graph.value(node, TPBC.forArm)
    row["arm"] = curie(arm) if arm is not None else ""
    value = graph.value(node, TPBC.value)
    row["has_numeric_value"] = str(value) if isinstance(value, Literal) else ""
    unit = graph.value(node, TPBC.hasUnit)
    if unit is not None:
        uo = sorted(curie(o) for o in graph.objects(unit, SKOS.exactMatch) if str(o).startswith(OBO))
        uo += sorted(curie(o) for o in graph.objects(unit, SKOS.closeMatch) if str(o).startswith(OBO))
        row["has_unit"] = uo[0] if uo else curie(unit)
    row["printed_value"] = _clean(_text(graph, node, TPBC.printedValue))
    row["timepoint_years"] = _text(graph, node, TPBC.timepointYears)
    row["p_value"] = _clean(_text(graph, node, TPBC.pValue))


def _statement_index(graph: Graph) -> dict[tuple[Node | None, Node | None, Node], list[URIRef]]:
    index: dict[tuple[Node | None, Node | None, Node], list[URIRef]] = defaultdict(list)
    for statement in graph.subjects(RDF.type, TPBC.Statement):
        subject = graph.value(statement, TPBC.claimSubject)
        predicate = graph.value(statement, TPBC.claimPredicate)
        objects = [
            *graph.objects(statement, TPBC.claimObject),
            *graph.objects(statement, TPBC.claimObjectClass),
        ]
        for obj in objects:
            index[(subject, predicate, obj)].append(statement)  # type: ignore[arg-type]
    return index


def _edge(
    graph: Graph, mapper: Mapper, s: Node, p: URIRef, o: Node, statements: list[URIRef]
) -> dict[str, str]:
    references = [r for st in statements for r in graph.objects(st, TPBC.supportedBy)]
    evidence = [e for st in statements for e in graph.objects(st, TPBC.hasEvidenceType)]
    locations = [str(v) for st in statements for v in graph.objects(st, TPBC.sourceLocation)]
    if not references:
        references = [*graph.objects(s, TPBC.supportedBy)] or [*graph.objects(o, TPBC.supportedBy)]
        evidence = evidence or [
            *graph.objects(s, TPBC.hasEvidenceType),
            *graph.objects(o, TPBC.hasEvidenceType),
        ]
    if not references:
        references = [SOURCE_REVIEW]
    key = f"{s}\0{p}\0{o}".encode()
    return {
        "id": f"{KG_PREFIX}:edge-{hashlib.sha256(key).hexdigest()[:16]}",
        "subject": curie(s),
        "predicate": mapper.predicate(p),
        "object": curie(o),
        "original_predicate": curie(p),
        "category": "biolink:Association",
        "knowledge_level": "knowledge_assertion",
        "agent_type": "manual_agent",
        "primary_knowledge_source": INFORES,
        "publications": _join(_publication_ids(graph, references)),
        "has_evidence": _join(curie(e) for e in evidence),
        "source_location": _join(locations),
    }


def kgx_result(graph: Graph) -> KgxResult:
    mapper = Mapper(graph)
    individuals = _individuals(graph)
    statements = _statement_index(graph)
    object_properties = set(graph.subjects(RDF.type, OWL.ObjectProperty))
    classes = set(graph.subjects(RDF.type, OWL.Class))
    edges: dict[str, dict[str, str]] = {}
    for s, p, o in graph:
        if s in individuals and o in individuals and p in object_properties and p not in NOT_EDGES:
            row = _edge(graph, mapper, s, p, o, statements.get((s, p, o), []))  # type: ignore[arg-type]
            edges[row["id"]] = row
    # Claims whose object is a drug class (annotation properties, no direct triple): an edge to the class.
    class_nodes: set[URIRef] = set()
    for (claim_s, claim_p, claim_o), backing in statements.items():
        if (
            claim_o in classes
            and claim_s is not None
            and claim_s in individuals
            and isinstance(claim_p, URIRef)
        ):
            row = _edge(graph, mapper, claim_s, claim_p, claim_o, backing)
            edges[row["id"]] = row
            class_nodes.add(claim_o)  # type: ignore[arg-type]
    nodes = _node_rows(graph, individuals, mapper)
    for cls in sorted(class_nodes):
        nodes.append(
            {
                **dict.fromkeys(NODE_COLUMNS, ""),
                "id": curie(cls),
                "category": mapper.category(cls),
                "name": _clean(_text(graph, cls, RDFS.label)),
                "description": _clean(_text(graph, cls, SKOS.definition)),
                "provided_by": INFORES,
            }
        )
    nodes.sort(key=lambda r: r["id"])
    return KgxResult(nodes, sorted(edges.values(), key=lambda r: r["id"]), sorted(mapper.notes))


def _tsv(columns: list[str], rows: list[dict[str, str]]) -> str:
    lines = ["\t".join(columns)]
    lines += ["\t".join(row.get(c, "") for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


def nodes_tsv(nodes: list[dict[str, str]]) -> str:
    return _tsv(NODE_COLUMNS, nodes)


def edges_tsv(edges: list[dict[str, str]]) -> str:
    return _tsv(EDGE_COLUMNS, edges)


def read_tsv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """Columns and rows of a KGX TSV file (for checks and tests)."""
    lines = text.rstrip("\n").split("\n")
    columns = lines[0].split("\t")
    return columns, [dict(zip(columns, line.split("\t"), strict=True)) for line in lines[1:]]
