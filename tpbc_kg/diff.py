"""Claim-level differences between two versions of the graph, in words a curator reads.

Where a triple diff says `kg:outcome-CLEOPATRA-PTD-mPFS-t1 tpbc:value 18.7` went and `18.5` came, this
says "CLEOPATRA median PFS, arm PTD: 18.7 → 18.5 months (ref 66)". Each curated entity (a kg: IRI) is
compared by its properties; entities and claims added, removed and changed are grouped by kind
(outcomes, targets, resistance, trials, references, other claims, entities, ontology terms) and
rendered as text, a markdown table (like OncoKB's release notes) or JSON.

A side is a release folder (its tpbc-kg.ttl), an RDF file (.ttl, .nt, .nq: the asserted named graph,
.jsonld) or the word `working` for the graph of the current sources.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import cast

from rdflib import RDF, RDFS, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, SKOS
from rdflib.term import BNode, Identifier, Node

from tpbc_kg.errors import UserError
from tpbc_kg.named_graphs import ASSERTED_GRAPH
from tpbc_kg.namespace import KG, TPBC

WORKING = "working"
KINDS = ("outcomes", "targets", "resistance", "trials", "references", "claims", "entities", "ontology")
KIND_TITLES = {
    "outcomes": "Outcomes",
    "targets": "Drug targets",
    "resistance": "Resistance",
    "trials": "Trials and studies",
    "references": "References",
    "claims": "Other claims",
    "entities": "Entities",
    "ontology": "Ontology terms",
}
_LONG_TEXT = 80
_TARGET_PREDICATES = {TPBC.targets, TPBC.bindsTo}
_RESISTANCE_CLASSES = (TPBC.ResistanceMechanism,)
_TRIAL_CLASSES = (TPBC.Study, TPBC.ClinicalTrial, TPBC.TrialArm)
_REFERENCE_CLASSES = (TPBC.Reference,)
_SCHEMA_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


class DiffInputError(UserError):
    """A side of the diff that cannot be read; the message says which and what to do."""


@dataclass
class Change:
    kind: str
    change: str  # added | removed | changed
    id: str
    label: str
    property: str = ""
    old: str = ""
    new: str = ""
    reference: str = ""
    text: str = ""


@dataclass
class Diff:
    old_version: str
    new_version: str
    changes: list[Change] = field(default_factory=list)

    def by_kind(self) -> dict[str, list[Change]]:
        groups: dict[str, list[Change]] = defaultdict(list)
        for change in self.changes:
            groups[change.kind].append(change)
        return {kind: groups[kind] for kind in KINDS if groups.get(kind)}

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            kind: {
                what: sum(1 for c in items if c.change == what) for what in ("added", "removed", "changed")
            }
            for kind, items in self.by_kind().items()
        }


# ------------------------------------------------------------------------------------------------------
# Reading the two sides
# ------------------------------------------------------------------------------------------------------


def load_side(source: str | Path) -> Graph:
    """The asserted graph of a release folder, an RDF file, or the working sources ('working')."""
    from tpbc_kg.load import InputError, guess_format

    if str(source) == WORKING:
        from tpbc_kg import api

        return api.bundled_graph()
    path = Path(source)
    if path.is_dir():
        if not (path / "tpbc-kg.ttl").is_file():
            raise DiffInputError(
                f"{path}: not a release folder (no tpbc-kg.ttl); give a folder written by `tpbc-kg release`, "
                f"an RDF file, or '{WORKING}'"
            )
        path = path / "tpbc-kg.ttl"
    if not path.is_file():
        raise DiffInputError(
            f"{path}: no such file or folder; give a release folder, an RDF file or '{WORKING}'"
        )
    if path.suffix == ".nq":
        dataset = Dataset()
        try:
            dataset.parse(path, format="nquads")
        except Exception as error:
            raise InputError(path, f"N-Quads syntax error: {error}; fix the file and retry") from None
        graph = Graph()
        if ASSERTED_GRAPH in {g.identifier for g in dataset.graphs()}:
            triples = dataset.graph(ASSERTED_GRAPH).triples((None, None, None))
        else:
            triples = ((s, p, o) for s, p, o, _ in dataset.quads())
        for triple in triples:
            graph.add(triple)
        return graph
    fmt = "json-ld" if path.suffix == ".jsonld" else guess_format(path)
    graph = Graph()
    try:
        graph.parse(path, format=fmt)
    except Exception as error:
        raise InputError(
            path,
            f"cannot read as {fmt}: {str(error).splitlines()[0] if str(error) else error}; "
            "fix the file and retry",
        ) from None
    return graph


def version_of(graph: Graph) -> str:
    from tpbc_kg.load import KG_ONTOLOGY

    value = graph.value(KG_ONTOLOGY, OWL.versionInfo)
    return str(value) if value is not None else "unversioned"


# ------------------------------------------------------------------------------------------------------
# Words
# ------------------------------------------------------------------------------------------------------


def _label(graph: Graph, node: Node) -> str:
    if isinstance(node, Literal):
        return str(node)
    labels = sorted(
        graph.objects(node, RDFS.label),
        key=lambda lit: (getattr(lit, "language", None) not in ("en", None), str(lit)),
    )
    if labels:
        return str(labels[0])
    return graph.namespace_manager.normalizeUri(node) if isinstance(node, URIRef) else str(node)


def _short(graph: Graph, node: Node) -> str:
    """The shortest English name (altLabel "median PFS" rather than the full label)."""
    names = [str(v) for p in (RDFS.label, SKOS.altLabel) for v in graph.objects(node, p)]
    return min(names, key=lambda n: (len(n), n)) if names else _label(graph, node)


def _reference(graph: Graph, node: Node) -> str:
    refs = []
    for ref in sorted(cast("Iterator[Identifier]", graph.objects(node, TPBC.supportedBy))):
        number = graph.value(ref, TPBC.referenceNumber)
        refs.append(f"ref {number}" if number is not None else _label(graph, ref))
    return ", ".join(refs)


def _values(graph: Graph, values: set[Node], exact: bool = False) -> str:
    """The values as a reader sees them; exact=True writes literals with their datatype or language tag
    (for a change that only touched those)."""
    if not values:
        return "(none)"
    if exact:
        return ", ".join(
            sorted(
                v.n3(graph.namespace_manager) if isinstance(v, Literal) else _label(graph, v) for v in values
            )
        )
    return ", ".join(sorted(_label(graph, v) for v in values))


def _value_texts(old: Graph, new: Graph, before: set[Node], after: set[Node]) -> tuple[str, str]:
    old_text, new_text = _values(old, before), _values(new, after)
    if old_text == new_text:
        return _values(old, before, exact=True), _values(new, after, exact=True)
    return old_text, new_text


def _outcome_name(graph: Graph, outcome: Node) -> str:
    trial = graph.value(outcome, TPBC.outcomeOf)
    endpoint = graph.value(outcome, TPBC.measuresEndpoint)
    arm = graph.value(outcome, TPBC.forArm)
    name = " ".join(x for x in (trial and _short(graph, trial), endpoint and _short(graph, endpoint)) if x)
    if arm is not None:
        arm_label = graph.value(arm, TPBC.armLabel)
        name += f", arm {arm_label if arm_label is not None else _label(graph, arm)}"
    when = graph.value(outcome, TPBC.timepointYears)
    if when is not None:
        name += f" at {when} years"
    return name or _label(graph, outcome)


def _unit(graph: Graph, outcome: Node) -> str:
    unit = graph.value(outcome, TPBC.hasUnit)
    if unit is None:
        return ""
    text = _label(graph, unit)
    return "%" if unit == TPBC.Percent else f" {text}"


# ------------------------------------------------------------------------------------------------------
# Comparing
# ------------------------------------------------------------------------------------------------------


def _is_a(graph: Graph, node: Node, classes: tuple[URIRef, ...]) -> bool:
    for cls in graph.objects(node, RDF.type):
        if any(target in graph.transitive_objects(cls, RDFS.subClassOf) for target in classes):
            return True
    return False


def _kind(graph: Graph, node: Node, predicate: Node | None = None) -> str:
    if (node, RDF.type, TPBC.Outcome) in graph:
        return "outcomes"
    if (node, RDF.type, TPBC.Statement) in graph:
        claim_predicate = graph.value(node, TPBC.claimPredicate)
        subject = graph.value(node, TPBC.claimSubject)
        if claim_predicate in _TARGET_PREDICATES:
            return "targets"
        if (
            "esistance" in str(claim_predicate)
            or "overcome" in str(claim_predicate)
            or (subject is not None and _is_a(graph, subject, _RESISTANCE_CLASSES))
        ):
            return "resistance"
        if subject is not None and _is_a(graph, subject, _TRIAL_CLASSES):
            return "trials"
        return "claims"
    if predicate in _TARGET_PREDICATES:
        return "targets"
    if _is_a(graph, node, _RESISTANCE_CLASSES):
        return "resistance"
    if _is_a(graph, node, _TRIAL_CLASSES):
        return "trials"
    if _is_a(graph, node, _REFERENCE_CLASSES):
        return "references"
    return "entities"


def _curated(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(str(KG))}


def _schema_terms(graph: Graph) -> set[URIRef]:
    return {
        s
        for t in _SCHEMA_TYPES
        for s in graph.subjects(RDF.type, t)
        if isinstance(s, URIRef) and str(s).startswith(str(TPBC._NS))
    }


def _properties(graph: Graph, node: Node) -> dict[Node, set[Node]]:
    props: dict[Node, set[Node]] = defaultdict(set)
    for p, o in graph.predicate_objects(node):
        if not isinstance(o, BNode):
            props[p].add(o)
    return props


def _entity_text(graph: Graph, node: Node) -> str:
    if (node, RDF.type, TPBC.Outcome) in graph:
        value = graph.value(node, TPBC.value)
        ref = _reference(graph, node)
        shown = f": {value}{_unit(graph, node)}" if value is not None else ""
        return f"{_outcome_name(graph, node)}{shown}" + (f" ({ref})" if ref else "")
    types = sorted(_label(graph, t) for t in graph.objects(node, RDF.type) if isinstance(t, URIRef))
    ref = _reference(graph, node)
    return f"{_label(graph, node)} ({', '.join(types)})" + (f" ({ref})" if ref else "")


def _changed_text(
    old_graph: Graph, graph: Graph, node: Node, prop: Node, before: set[Node], after: set[Node]
) -> str:
    """One line for a changed property: old → new for single values, the items gone and come for sets
    (a trial's outcomes), 'reworded' for long text."""
    ref = _reference(graph, node)
    suffix = f" ({ref})" if ref else ""
    old, new = _value_texts(old_graph, graph, before, after)
    name = _outcome_name(graph, node) if (node, RDF.type, TPBC.Outcome) in graph else _label(graph, node)
    if prop == TPBC.value and (node, RDF.type, TPBC.Outcome) in graph:
        return f"{name}: {old} → {new}{_unit(graph, node)}{suffix}"
    if len(before) > 1 or len(after) > 1:
        gone, came = before - after, after - before
        parts = ([f"+ {_values(graph, came)}"] if came else []) + (
            [f"− {_values(old_graph, gone)}"] if gone else []
        )
        return f"{name}: {_label(graph, prop)} {'; '.join(parts)}{suffix}"
    if len(old) > _LONG_TEXT or len(new) > _LONG_TEXT:
        return f"{name}: {_label(graph, prop)} reworded{suffix}"
    return f"{name}: {_label(graph, prop)} {old} → {new}{suffix}"


def diff_graphs(old: Graph, new: Graph) -> Diff:
    """Every curated entity and claim added, removed or changed between old and new, and the ontology
    terms added or removed."""
    result = Diff(version_of(old), version_of(new))
    old_nodes, new_nodes = _curated(old), _curated(new)
    for node in sorted(new_nodes - old_nodes):
        result.changes.append(
            Change(
                _kind(new, node),
                "added",
                str(node),
                _label(new, node),
                reference=_reference(new, node),
                text=_entity_text(new, node),
            )
        )
    for node in sorted(old_nodes - new_nodes):
        result.changes.append(
            Change(
                _kind(old, node),
                "removed",
                str(node),
                _label(old, node),
                reference=_reference(old, node),
                text=_entity_text(old, node),
            )
        )
    for node in sorted(old_nodes & new_nodes):
        before, after = _properties(old, node), _properties(new, node)
        for prop in sorted(cast("set[Identifier]", set(before) | set(after))):
            if before.get(prop, set()) == after.get(prop, set()):
                continue
            old_text, new_text = _value_texts(old, new, before.get(prop, set()), after.get(prop, set()))
            result.changes.append(
                Change(
                    _kind(new, node, prop),
                    "changed",
                    str(node),
                    _label(new, node),
                    property=_label(new, prop),
                    old=old_text,
                    new=new_text,
                    reference=_reference(new, node),
                    text=_changed_text(old, new, node, prop, before.get(prop, set()), after.get(prop, set())),
                )
            )
    old_terms, new_terms = _schema_terms(old), _schema_terms(new)
    for term in sorted(new_terms - old_terms):
        result.changes.append(
            Change("ontology", "added", str(term), _label(new, term), text=_label(new, term))
        )
    for term in sorted(old_terms - new_terms):
        result.changes.append(
            Change("ontology", "removed", str(term), _label(old, term), text=_label(old, term))
        )
    order = {kind: i for i, kind in enumerate(KINDS)}
    changes = {"added": 0, "removed": 1, "changed": 2}
    result.changes.sort(key=lambda c: (order[c.kind], changes[c.change], c.text.casefold(), c.id, c.property))
    return result


# ------------------------------------------------------------------------------------------------------
# Rendering
# ------------------------------------------------------------------------------------------------------


def _count(n: int) -> str:
    return f"{n} change" if n == 1 else f"{n} changes"


def render_text(diff: Diff) -> str:
    if not diff.changes:
        return f"{diff.old_version} → {diff.new_version}: no changes\n"
    lines = [f"{diff.old_version} → {diff.new_version}: {_count(len(diff.changes))}"]
    for kind, items in diff.by_kind().items():
        counts = diff.summary()[kind]
        lines += ["", f"{KIND_TITLES[kind]} ({', '.join(f'{n} {w}' for w, n in counts.items() if n)})"]
        lines += [f"  {c.change:<8} {c.text}" for c in items]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(diff: Diff, heading_level: int = 2) -> str:
    hashes = "#" * heading_level
    if not diff.changes:
        return f"No changes between {diff.old_version} and {diff.new_version}.\n"
    lines = [f"{_count(len(diff.changes))} from {diff.old_version} to {diff.new_version}.", ""]
    lines += ["| kind | added | removed | changed |", "|---|---:|---:|---:|"]
    for kind, counts in diff.summary().items():
        lines.append(
            f"| {KIND_TITLES[kind]} | {counts['added']} | {counts['removed']} | {counts['changed']} |"
        )
    for kind, items in diff.by_kind().items():
        lines += [
            "",
            f"{hashes} {KIND_TITLES[kind]}",
            "",
            "| change | claim | before | after | reference |",
            "|---|---|---|---|---|",
        ]
        for c in items:
            subject = c.text if c.change != "changed" else c.label
            if c.change == "changed" and c.property:
                subject = f"{subject} — {c.property}"
            before = c.old if c.change == "changed" else ("" if c.change == "added" else "present")
            after = c.new if c.change == "changed" else ("" if c.change == "removed" else "new")
            lines.append(
                f"| {c.change} | {_cell(subject)} | {_cell(before)} | {_cell(after)} | {_cell(c.reference)} |"
            )
    return "\n".join(lines) + "\n"


def render_json(diff: Diff) -> str:
    document = {
        "old_version": diff.old_version,
        "new_version": diff.new_version,
        "summary": diff.summary(),
        "changes": [asdict(c) for c in diff.changes],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}


def diff_text(old: str | Path, new: str | Path, fmt: str = "text") -> str:
    return RENDERERS[fmt](diff_graphs(load_side(old), load_side(new)))


__all__ = ["KINDS", "WORKING", "Change", "Diff", "DiffInputError", "diff_graphs", "diff_text", "load_side"]
