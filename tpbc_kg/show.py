"""What the graph says about one entity: description, relations, claims with references, and for drugs
the trials and resistance mechanisms that concern them.

`describe` builds a plain data structure (usable from a notebook); `render_text` lays it out for a
terminal.
"""

from __future__ import annotations

import shutil
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS
from rdflib.term import Node

from tpbc_kg.labels import curie, preferred_label
from tpbc_kg.namespace import TPBC
from tpbc_kg.paths import queries_dir
from tpbc_kg.query import read_query_file, select_rows

_HIDDEN = {
    RDF.type,
    RDFS.label,
    SKOS.altLabel,
    SKOS.prefLabel,
    DCTERMS.description,
    SKOS.definition,
    TPBC.curatorNote,
    OWL.imports,
}
_IDENTIFIERS = {
    TPBC.hgncId,
    TPBC.hgncSymbol,
    TPBC.entrezId,
    TPBC.uniprotId,
    TPBC.ensemblId,
    TPBC.drugbankId,
    TPBC.uniiId,
    TPBC.casNumber,
    TPBC.reactomeId,
    TPBC.nctId,
    TPBC.doi,
    TPBC.pmid,
}
_CLAIM_LINKS = {TPBC.claimSubject, TPBC.claimObject, TPBC.aboutEntity, TPBC.stepEntity, TPBC.conflictingClaim}
_MAX_ITEMS = 15


@dataclass
class ClaimView:
    text: str
    citations: list[str]
    evidence: str
    location: str | None = None
    note: str | None = None


@dataclass
class StudyView:
    label: str
    arms: list[str]
    sample_sizes: list[int]


@dataclass
class MechanismView:
    label: str
    via: str
    citations: list[str]
    scope: str = "drug"  # "drug": names this drug; "class": a class it belongs to; "any": no drug named

    @property
    def against(self) -> str:
        if self.scope == "drug":
            return f"against {self.via}"
        if self.scope == "class":
            return f"against the class {self.via}"
        return "drug resistance in general; the source names no drug"


@dataclass
class OutcomeView:
    arm: str
    endpoint: str
    value: str
    citations: list[str]


@dataclass
class EntityReport:
    iri: URIRef
    curie: str
    label: str
    types: list[str]
    description: str | None
    synonyms: list[str]
    identifiers: list[tuple[str, str]]
    relations: list[tuple[str, list[str]]]
    incoming: list[tuple[str, list[str]]]
    claims: list[ClaimView] = field(default_factory=list)
    studies: list[StudyView] = field(default_factory=list)
    resistance: list[MechanismView] = field(default_factory=list)
    outcomes: list[OutcomeView] = field(default_factory=list)


def label(graph: Graph, node: Node | None) -> str:
    """A readable name for any node or literal ("" for none)."""
    if node is None:
        return ""
    if isinstance(node, Literal):
        value = node.toPython()
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)
    text = preferred_label(graph.objects(node, RDFS.label))
    if text is not None:
        return text
    return curie(node) if isinstance(node, URIRef) else str(node)


def citation(graph: Graph, reference: Node) -> str:
    """'[23] Baselga J 2010, Ann Oncol' for a numbered reference, the label for a source document."""
    number = graph.value(reference, TPBC.referenceNumber)
    if number is None:
        return label(graph, reference)
    author = graph.value(reference, TPBC.firstAuthor) or ""
    year = graph.value(reference, TPBC.year) or ""
    journal = graph.value(reference, TPBC.journal)
    text = f"[{number}] {author} {year}".strip()
    return f"{text}, {journal}" if journal else text


def _values(graph: Graph, nodes: list[Node]) -> list[str]:
    return sorted({label(graph, n) for n in nodes}, key=str.casefold)


def _relations(graph: Graph, iri: URIRef) -> list[tuple[str, list[str]]]:
    grouped: dict[str, list[Node]] = defaultdict(list)
    for prop, obj in graph.predicate_objects(iri):
        if prop in _HIDDEN or prop in _IDENTIFIERS:
            continue
        grouped[label(graph, prop)].append(obj)
    return sorted((name, _values(graph, objs)) for name, objs in grouped.items())


def _incoming(graph: Graph, iri: URIRef) -> list[tuple[str, list[str]]]:
    grouped: dict[str, list[Node]] = defaultdict(list)
    for subj, prop in graph.subject_predicates(iri):
        if prop in _CLAIM_LINKS or prop == RDF.type:
            continue
        grouped[label(graph, prop)].append(subj)
    return sorted((f"{name} (from)", _values(graph, subs)) for name, subs in grouped.items())


def _claims(graph: Graph, iri: URIRef) -> list[ClaimView]:
    query = read_query_file(queries_dir() / "show" / "claims-about.rq")
    rows: dict[Node, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for row in select_rows(graph, query, {"entity": iri}):
        for key in (
            "subject",
            "predicate",
            "object",
            "value",
            "objectClass",
            "reference",
            "evidence",
            "location",
            "note",
        ):
            if row[key] is not None:
                rows[row.claim][key].add(row[key])
    views = []
    for claim, fields in rows.items():
        if TPBC.Finding in set(graph.objects(claim, RDF.type)):
            text = str(graph.value(claim, DCTERMS.description) or label(graph, claim))
            if fields["value"]:
                unit = graph.value(claim, TPBC.hasUnit)
                text += f" ({', '.join(label(graph, v) for v in fields['value'])}"
                text += f" {label(graph, unit)})" if unit else ")"
        else:
            subject = ", ".join(_values(graph, list(fields["subject"])))
            predicate = ", ".join(_values(graph, list(fields["predicate"])))
            objects = _values(graph, list(fields["object"] | fields["value"] | fields["objectClass"]))
            text = f"{subject} {predicate} {', '.join(objects)}"
        views.append(
            ClaimView(
                text=text,
                citations=sorted((citation(graph, r) for r in fields["reference"]), key=_citation_order),
                evidence=", ".join(_values(graph, list(fields["evidence"]))),
                location="; ".join(sorted(str(x) for x in fields["location"])) or None,
                note="; ".join(sorted(str(x) for x in fields["note"])) or None,
            )
        )
    return sorted(views, key=lambda v: v.text.casefold())


def _citation_order(text: str) -> tuple[int, str]:
    if text.startswith("[") and "]" in text:
        number = text[1 : text.index("]")]
        if number.isdigit():
            return int(number), text
    return 10_000, text


def _studies(graph: Graph, drug: URIRef) -> list[StudyView]:
    query = read_query_file(queries_dir() / "show" / "drug-trials.rq")
    arms: dict[Node, list[str]] = defaultdict(list)
    for row in select_rows(graph, query, {"drug": drug}):
        arm_name = graph.value(row.arm, TPBC.armLabel)
        regimen = label(graph, row.regimen)
        arms[row.study].append(f"{arm_name}: {regimen}" if arm_name else regimen)
    return sorted(
        (
            StudyView(
                label=label(graph, study),
                arms=sorted(set(names)),
                sample_sizes=sorted(int(str(n)) for n in graph.objects(study, TPBC.sampleSize)),
            )
            for study, names in arms.items()
        ),
        key=lambda s: s.label.casefold(),
    )


def _statement_citations(graph: Graph, subject: Node, predicate: URIRef, obj: Node) -> list[str]:
    refs = set()
    for statement in graph.subjects(TPBC.claimSubject, subject):
        if graph.value(statement, TPBC.claimPredicate) != predicate:
            continue
        objects = set(graph.objects(statement, TPBC.claimObject)) | set(
            graph.objects(statement, TPBC.claimObjectClass)
        )
        if obj in objects:
            refs |= {citation(graph, r) for r in graph.objects(statement, TPBC.supportedBy)}
    return sorted(refs, key=_citation_order)


def _resistance(graph: Graph, drug: URIRef) -> list[MechanismView]:
    query = read_query_file(queries_dir() / "show" / "drug-resistance.rq")
    views = []
    for row in select_rows(graph, query, {"drug": drug}):
        predicate = TPBC.confersResistanceTo if row.via == drug else TPBC.confersResistanceToClass
        scope = "drug" if row.via == drug else ("any" if row.via == TPBC.Drug else "class")
        views.append(
            MechanismView(
                label=label(graph, row.mechanism),
                via=label(graph, row.via),
                citations=_statement_citations(graph, row.mechanism, predicate, row.via),
                scope=scope,
            )
        )
    order = {"drug": 0, "class": 1, "any": 2}
    return sorted(views, key=lambda v: (order[v.scope], v.label.casefold(), v.via))


def _outcomes(graph: Graph, study: URIRef) -> list[OutcomeView]:
    views = []
    for outcome in graph.objects(study, TPBC.hasOutcome):
        value = graph.value(outcome, TPBC.value)
        unit = graph.value(outcome, TPBC.hasUnit)
        timepoint = graph.value(outcome, TPBC.timepointYears)
        endpoint = label(graph, graph.value(outcome, TPBC.measuresEndpoint))
        if timepoint is not None:
            endpoint += f" at {label(graph, timepoint)} y"
        subgroup = graph.value(outcome, TPBC.subgroup)
        if subgroup:
            endpoint += f" ({subgroup})"
        arm = graph.value(outcome, TPBC.forArm)
        comparator = graph.value(outcome, TPBC.comparedWith)
        arm_text = str(graph.value(arm, TPBC.armLabel) or label(graph, arm)) if arm else "-"
        if comparator is not None and graph.value(outcome, TPBC.measuresEndpoint) in _RELATIVE:
            arm_text += f" vs {graph.value(comparator, TPBC.armLabel) or label(graph, comparator)}"
        views.append(
            OutcomeView(
                arm=arm_text,
                endpoint=endpoint,
                value=f"{label(graph, value)} {label(graph, unit)}".strip() if value is not None else "-",
                citations=sorted(
                    (citation(graph, r) for r in graph.objects(outcome, TPBC.supportedBy)),
                    key=_citation_order,
                ),
            )
        )
    return sorted(views, key=lambda v: (v.endpoint.casefold(), v.arm))


_RELATIVE = {
    TPBC.RiskReductionDeath,
    TPBC.RiskReductionProgressionOrDeath,
    TPBC.RiskReductionIntracranialProgressionOrDeath,
    TPBC.RelativeImprovementOS,
    TPBC.MedianPFSGain,
}


def _is_a(graph: Graph, iri: URIRef, cls: URIRef) -> bool:
    return any(cls in set(graph.transitive_objects(t, RDFS.subClassOf)) for t in graph.objects(iri, RDF.type))


def describe(graph: Graph, iri: URIRef) -> EntityReport:
    """Everything the graph says about iri, grouped for reading."""
    report = EntityReport(
        iri=iri,
        curie=curie(iri),
        label=label(graph, iri),
        types=_values(graph, list(graph.objects(iri, RDF.type))),
        description=str(graph.value(iri, DCTERMS.description) or graph.value(iri, SKOS.definition) or "")
        or None,
        synonyms=sorted({str(s) for s in graph.objects(iri, SKOS.altLabel)}, key=str.casefold),
        identifiers=sorted((label(graph, p), str(v)) for p in _IDENTIFIERS for v in graph.objects(iri, p)),
        relations=_relations(graph, iri),
        incoming=_incoming(graph, iri),
        claims=_claims(graph, iri),
    )
    if _is_a(graph, iri, TPBC.Drug):
        report.studies = _studies(graph, iri)
        report.resistance = _resistance(graph, iri)
    if _is_a(graph, iri, TPBC.Study):
        report.outcomes = _outcomes(graph, iri)
    return report


def _wrap(text: str, width: int, indent: str = "  ", hanging: str = "    ") -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=hanging) or [indent]


def _items(values: list[str]) -> str:
    shown = values[:_MAX_ITEMS]
    more = len(values) - len(shown)
    return "; ".join(shown) + (f"; ... and {more} more" if more > 0 else "")


def render_text(report: EntityReport, width: int | None = None) -> str:
    """The report as terminal text, wrapped to width (the terminal's, at most 110 columns)."""
    width = width or min(shutil.get_terminal_size((100, 24)).columns, 110)
    out = [f"{report.label}  ({report.curie})", "=" * min(width, len(report.label) + len(report.curie) + 4)]
    out += _wrap("type: " + ", ".join(report.types), width, "", "  ")
    if report.synonyms:
        out += _wrap("also called: " + ", ".join(report.synonyms), width, "", "  ")
    for name, value in report.identifiers:
        out.append(f"{name}: {value}")
    if report.description:
        out += ["", *textwrap.wrap(report.description, width=width)]

    def section(title: str, lines: list[str]) -> None:
        if lines:
            out.extend(["", title, "-" * len(title), *lines])

    section(
        "Relations",
        [line for name, values in report.relations for line in _wrap(f"{name}: {_items(values)}", width)],
    )
    section(
        "Linked from",
        [line for name, values in report.incoming for line in _wrap(f"{name}: {_items(values)}", width)],
    )
    section(
        "Trials",
        [
            line
            for s in report.studies
            for line in _wrap(
                f"{s.label}"
                + (f" (n = {' / '.join(map(str, s.sample_sizes))})" if s.sample_sizes else "")
                + ": "
                + "; ".join(s.arms),
                width,
            )
        ],
    )
    section(
        "Resistance mechanisms",
        [
            line
            for m in report.resistance
            for line in _wrap(
                f"{m.label} (against {m.via})" + (f" - {'; '.join(m.citations)}" if m.citations else ""),
                width,
            )
        ],
    )
    section(
        "Outcomes",
        [
            line
            for o in report.outcomes
            for line in _wrap(f"{o.endpoint}, {o.arm}: {o.value} - {'; '.join(o.citations)}", width)
        ],
    )
    claim_lines = []
    for claim in report.claims:
        claim_lines += _wrap(f"* {claim.text}", width, "  ", "    ")
        says_who = "; ".join(claim.citations) or "no reference"
        claim_lines += _wrap(f"says: {says_who} ({claim.evidence})", width, "    ", "      ")
        if claim.location:
            claim_lines += _wrap(f"where: {claim.location}", width, "    ", "      ")
        if claim.note:
            claim_lines += _wrap(f"note: {claim.note}", width, "    ", "      ")
    section("Claims and who says so", claim_lines)
    return "\n".join(out) + "\n"
