"""What the web pages show, built from the store and the graph: plain data for the templates.

The server holds one read-only Oxigraph store (the query graph: asserted plus inferred triples) for the
canned questions, names and RDF descriptions, and the asserted rdflib graph for `show`'s report (claims
with references), so a class the reasoner added can be marked as inferred.
"""

from __future__ import annotations

import itertools
import shlex
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import cast

import pyoxigraph as ox
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS
from rdflib.term import BNode, Node

from tpbc_kg import show
from tpbc_kg.kb import KnowledgeBase
from tpbc_kg.names import NameTable
from tpbc_kg.namespace import TPBC
from tpbc_kg.query import (
    QueryFile,
    QueryResult,
    canned_queries,
    canned_query,
    execute,
    label_of,
    normalise_rows,
)
from tpbc_kg.resolve import AmbiguousEntity, NameIndex, UnknownEntity

ID_SPACE = "https://w3id.org/tpbc-kg/id/"
ONTOLOGY_SPACE = "https://w3id.org/tpbc-kg/ontology#"

REGISTRIES: dict[URIRef, str] = {
    TPBC.hgncId: "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/{}",
    TPBC.hgncSymbol: "https://www.genenames.org/tools/search/#!/?query={}",
    TPBC.entrezId: "https://www.ncbi.nlm.nih.gov/gene/{}",
    TPBC.uniprotId: "https://www.uniprot.org/uniprotkb/{}",
    TPBC.ensemblId: "https://www.ensembl.org/id/{}",
    TPBC.drugbankId: "https://go.drugbank.com/drugs/{}",
    TPBC.uniiId: "https://precision.fda.gov/uniisearch/srs/unii/{}",
    TPBC.casNumber: "https://commonchemistry.cas.org/detail?cas_rn={}",
    TPBC.reactomeId: "https://reactome.org/content/detail/{}",
    TPBC.nctId: "https://clinicaltrials.gov/study/{}",
    TPBC.doi: "https://doi.org/{}",
    TPBC.pmid: "https://pubmed.ncbi.nlm.nih.gov/{}/",
}
"""Where each identifier scheme's record lives (the value is inserted URL-quoted)."""


def local_path(iri: str) -> str | None:
    """The server path an IRI of the graph dereferences to, None for IRIs of elsewhere."""
    if iri.startswith(ID_SPACE):
        return "/id/" + iri[len(ID_SPACE) :]
    if iri.startswith(ONTOLOGY_SPACE):
        return "/ontology/" + iri[len(ONTOLOGY_SPACE) :]
    return None


def iri_for_path(kind: str, name: str) -> str:
    return (ID_SPACE if kind == "id" else ONTOLOGY_SPACE) + name


@dataclass(frozen=True)
class Cell:
    """One value as a page shows it: text, and a link when the value is a node."""

    text: str
    href: str | None = None
    title: str | None = None


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Cell]]
    caption: str = ""


@dataclass
class Section:
    title: str
    table: Table
    plot: str | None = None  # a URL of an SVG picture of the same data
    question: str | None = None  # the question page that gives this table


@dataclass
class EntityPage:
    iri: str
    curie: str
    label: str
    description: str | None
    synonyms: list[str]
    classes: list[tuple[Cell, bool]]  # (class, inferred)
    identifiers: list[tuple[str, str, str | None]]  # (scheme, value, registry URL)
    relations: list[tuple[str, list[Cell]]]
    incoming: list[tuple[str, list[Cell]]]
    claims: list[show.ClaimView]
    sections: list[Section] = field(default_factory=list)


class Site:
    """The data behind the pages, over one read-only store and the asserted graph."""

    def __init__(self, store: KnowledgeBase, graph: Graph, location: Path | None = None) -> None:
        self.store = store
        self.graph = graph
        self.location = location
        self.rdflib_lock = threading.Lock()
        self._choices: dict[str, list[str]] = {}
        self._bypass: QueryResult | None = None
        self._bypass_lock = threading.Lock()
        self._answers: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], QueryResult] = OrderedDict()
        self._answers_lock = threading.Lock()

    @cached_property
    def names(self) -> NameTable:
        return self.store.names()

    @cached_property
    def index(self) -> NameIndex:
        return self.names.index

    @cached_property
    def questions(self) -> list[QueryFile]:
        return canned_queries()

    def label(self, node: Node) -> str:
        return label_of(self.names, node)

    def cell(self, node: Node | None) -> Cell:
        if node is None:
            return Cell("")
        if isinstance(node, URIRef):
            return Cell(self.label(node), local_path(str(node)) or _external(str(node)), str(node))
        if isinstance(node, BNode):
            return Cell(f"_:{node}")
        return Cell(show.label(self.graph, node))

    # --- names ------------------------------------------------------------------------------------

    def resolve(self, text: str) -> URIRef:
        return self.index.resolve(text)

    def suggest(self, text: str, limit: int = 10) -> list[dict[str, str]]:
        """Names that start with (then contain) text, each with the page it leads to."""
        key = " ".join(text.split()).casefold()
        if not key:
            return []
        found: list[tuple[int, int, str, str]] = []
        for name_key, display in self.index.display.items():
            position = name_key.find(key)
            if position < 0:
                continue
            for node in self._nodes_named(name_key):
                href = local_path(str(node))
                if href:
                    label = self.label(node)
                    own = label.casefold().startswith(key)
                    found.append((0 if own else 1 if position == 0 else 2, len(label), display, href))
        found.sort(key=lambda item: (item[0], item[1], item[2].casefold()))
        seen: set[str] = set()
        out = []
        for _, _, display, href in found:
            if href not in seen:
                seen.add(href)
                out.append({"name": display, "label": self.label(URIRef(_iri_of(href))), "href": href})
            if len(out) == limit:
                break
        return out

    def named(self, names: list[str]) -> list[dict[str, str]]:
        """The pages of the entities these exact names resolve to (close names a resolver suggested)."""
        out = []
        for name in names:
            key = " ".join(name.split()).casefold()
            tier = next((t for t in self.index.tiers if key in t), {})
            for node in sorted(tier.get(key, set()), key=str):
                href = local_path(str(node))
                if href:
                    out.append({"name": name, "label": self.label(node), "href": href})
        return out

    def _nodes_named(self, key: str) -> set[Node]:
        nodes: set[Node] = set()
        for tier in self.index.tiers:
            nodes |= tier.get(key, set())
        return nodes

    def exists(self, iri: str) -> bool:
        return bool(self.store.query("ASK WHERE { { ?s ?p ?o } UNION { ?o ?p ?s } }", {"s": URIRef(iri)}))

    # --- questions ---------------------------------------------------------------------------------

    def answer(self, query: QueryFile, values: dict[str, str]) -> QueryResult:
        """The canned query's answer, remembered (the store is read-only while the site lives; a few
        questions, such as the pathway reasoning of drugs-bypassing-resistance, take seconds)."""
        key = (query.name, tuple(sorted(values.items())))
        with self._answers_lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        result = execute(self.store, query, values)
        with self._answers_lock:
            self._answers[key] = result
            while len(self._answers) > 4096:
                self._answers.popitem(last=False)
        return result

    def table(self, result: QueryResult) -> Table:
        rows = []
        for row in result.rows:
            cells = []
            for name, value in zip(result.vars, row, strict=True):
                if name in result.list_columns:
                    cells.append(Cell("" if value is None else str(value)))
                else:
                    cells.append(self.cell(value))
            rows.append(cells)
        return Table(list(result.vars), rows)

    def choices(self, type_name: str, limit: int = 500) -> list[str]:
        """Names a parameter of this type accepts, for the form's suggestions."""
        from tpbc_kg.query import LITERAL_TYPES

        if type_name in LITERAL_TYPES or type_name == "Entity" or type_name == "IRI":
            return []
        if type_name not in self._choices:
            allowed, _ = self.names.typed_index(type_name)
            nodes = allowed if allowed is not None else set()
            labels = {self.label(n) for n in nodes if isinstance(n, URIRef)}
            self._choices[type_name] = sorted(labels, key=str.casefold)[:limit]
        return self._choices[type_name]

    # --- entity pages ------------------------------------------------------------------------------

    def types(self, iri: URIRef) -> set[Node]:
        """Every class of iri in the store: asserted and inferred."""
        _, rows = self.store.select("SELECT DISTINCT ?t WHERE { ?x a ?t }", {"x": iri})
        return {row[0] for row in rows if row[0] is not None}

    def entity(self, iri: URIRef) -> EntityPage:
        report = self._report(iri)
        asserted = set(self.graph.objects(iri, RDF.type))
        classes = sorted(
            ((self.cell(t), t not in asserted) for t in self.types(iri) | asserted if isinstance(t, URIRef)),
            key=lambda item: (item[1], item[0].text.casefold()),
        )
        page = EntityPage(
            iri=str(iri),
            curie=report.curie,
            label=report.label,
            description=report.description,
            synonyms=report.synonyms,
            classes=classes,
            identifiers=self._identifiers(iri),
            relations=self._links(iri, outgoing=True),
            incoming=self._links(iri, outgoing=False),
            claims=report.claims,
        )
        page.sections = self._sections(iri, classes)
        return page

    def _report(self, iri: URIRef) -> show.EntityReport:
        """What `show` reports, with the claims found on the store (Oxigraph answers claims-about in
        milliseconds where rdflib takes most of a second for a gene with many claims)."""
        graph = self.graph
        variables, rows = self.store.select(show.claims_query().text, {"entity": iri})
        claims = show.claim_views(graph, (_Row(variables, row) for row in rows))
        return show.EntityReport(
            iri=iri,
            curie=graph.namespace_manager.normalizeUri(iri),
            label=self.label(iri),
            types=[],
            description=str(graph.value(iri, DCTERMS.description) or graph.value(iri, SKOS.definition) or "")
            or None,
            synonyms=sorted({str(s) for s in graph.objects(iri, SKOS.altLabel)}, key=str.casefold),
            identifiers=[],
            relations=[],
            incoming=[],
            claims=claims,
        )

    def _identifiers(self, iri: URIRef) -> list[tuple[str, str, str | None]]:
        from urllib.parse import quote

        out = []
        for prop, template in REGISTRIES.items():
            for value in self.graph.objects(iri, prop):
                text = str(value)
                local = text if prop in (TPBC.hgncId, TPBC.nctId, TPBC.doi) else text.split(":", 1)[-1]
                out.append((self.label(prop), text, template.format(quote(local, safe=":/"))))
        return sorted(out)

    def _links(self, iri: URIRef, outgoing: bool) -> list[tuple[str, list[Cell]]]:
        hidden = show._HIDDEN | set(REGISTRIES)
        grouped: dict[str, list[Cell]] = defaultdict(list)
        pairs = (
            self.graph.predicate_objects(iri)
            if outgoing
            else ((p, s) for s, p in self.graph.subject_predicates(iri))
        )
        for prop, other in pairs:
            if prop in hidden or (not outgoing and prop in show._CLAIM_LINKS):
                continue
            name = self.label(prop) + ("" if outgoing else " (from)")
            grouped[name].append(
                self.cell(other) if not isinstance(other, Literal) else Cell(show.label(self.graph, other))
            )
        return sorted(
            (name, sorted(set(cells), key=lambda c: c.text.casefold())) for name, cells in grouped.items()
        )

    def _sections(self, iri: URIRef, classes: list[tuple[Cell, bool]]) -> list[Section]:
        """Tables of the canned questions about this kind of entity, with their pictures."""
        kinds = {str(k) for k in self.names.types.get(iri, frozenset())}
        path = local_path(str(iri)) or ""
        sections = []

        def add(title: str, query: str, param: str, plot: str | None = None) -> None:
            result = self.answer(canned_query(query), {param: str(iri)})
            if result.rows:
                link = f"/questions/{query}?{param}={_quote(str(iri))}"
                sections.append(Section(title, self.table(result), plot, link))

        if str(TPBC.Drug) in kinds:
            add("Targets", "drug-targets", "drug")
            add("Trials", "trials-for-drug", "drug")
            sections.append(self.resistance_section(iri))
            add("Adverse effects", "drug-toxicities", "drug")
        if str(TPBC.Study) in kinds:
            add("Outcomes per arm", "trial-outcomes", "trial", f"/plot/trial.svg?trial={_quote(path)}")
        if str(TPBC.ResistanceMechanism) in kinds:
            result = self.bypassing_one(iri)
            if result.rows:
                link = f"/questions/drugs-bypassing-resistance?mechanism={_quote(str(iri))}"
                sections.append(Section("What overcomes it", self.table(result), None, link))
        if str(TPBC.Pathway) in kinds:
            add(
                "Members in signal order",
                "pathway-members",
                "pathway",
                f"/plot/pathway.svg?pathway={_quote(path)}",
            )
        if str(TPBC.Endpoint) in kinds:
            add(
                "Arms ranked",
                "best-arms-by-endpoint",
                "endpoint",
                f"/plot/endpoint.svg?endpoint={_quote(path)}",
            )
        return [s for s in sections if s.table.rows]

    def resistance_section(self, drug: URIRef) -> Section:
        """Each mechanism that resists the drug, with the drugs a source or the pathways say overcome it."""
        table = resistance_table(self, drug)
        return Section(
            "Resistance and what overcomes it",
            table,
            f"/plot/resistance.svg?drug={_quote(local_path(str(drug)) or '')}",
            f"/questions/resistance-mechanisms-for-drug?drug={_quote(str(drug))}",
        )

    def bypassing(self) -> QueryResult:
        """drugs-bypassing-resistance for every mechanism at once, answered once: the engine takes about
        as long for one mechanism as for all of them (its pathway reasoning dominates)."""
        with self._bypass_lock:
            if self._bypass is None:
                query = canned_query("drugs-bypassing-resistance")
                variables, rows = self.store.select(query.text)  # its parameter left free: every mechanism
                self._bypass = QueryResult(
                    variables, normalise_rows(variables, rows, query.list_columns), query.list_columns
                )
            return self._bypass

    def bypassing_one(self, mechanism: URIRef) -> QueryResult:
        everything = self.bypassing()
        column = everything.vars.index("mechanism")
        rows = [row for row in everything.rows if row[column] == mechanism]
        return QueryResult(everything.vars, rows, everything.list_columns)

    def overcome_by(self, mechanism: URIRef) -> list[tuple[str, str]]:
        """(drug label, stated|inferred) for the drugs that overcome mechanism."""
        bypass = self.bypassing_one(mechanism)
        pairs = zip(bypass.column("drug"), bypass.column("status"), strict=True)
        found = {(self.label(d), str(s)) for d, s in pairs if d is not None}
        return sorted(found, key=lambda item: item[0].casefold())

    def warm(self) -> None:
        """Answer the slow parts of the pages once, in the background, before users ask."""
        self.bypassing()

    def describe_rdf(self, iri: str, fmt: ox.RdfFormat) -> bytes:
        """The entity's own triples (and those pointing at it) in an RDF format."""
        triples = list(
            self.store.query(
                "CONSTRUCT { ?x ?p ?o . ?s ?q ?x } WHERE { { ?x ?p ?o } UNION { ?s ?q ?x } }",
                {"x": URIRef(iri)},
            )
        )
        from tpbc_kg.load import prefix_map

        prefixes = None if fmt == ox.RdfFormat.N_TRIPLES else prefix_map()
        return cast(bytes, ox.serialize(triples, format=fmt, prefixes=prefixes))


class _Row:
    """A store row read like an rdflib result row: row["name"] and row.name."""

    def __init__(self, variables: list[str], values: tuple[Node | None, ...]) -> None:
        self._values = dict(zip(variables, values, strict=True))

    def __getitem__(self, name: str) -> Node | None:
        return self._values.get(name)

    def __getattr__(self, name: str) -> Node | None:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._values.get(name)


def resistance_table(site: Site, drug: URIRef) -> Table:
    mechanisms = site.answer(canned_query("resistance-mechanisms-for-drug"), {"drug": str(drug)})
    rows = []
    for mechanism, via, references in zip(
        mechanisms.column("mechanism"), mechanisms.column("via"), mechanisms.column("references"), strict=True
    ):
        assert isinstance(mechanism, URIRef)
        drugs = site.overcome_by(mechanism)
        overcome = "; ".join(f"{name} ({status})" for name, status in drugs) or "nothing in the graph"
        rows.append([site.cell(mechanism), site.cell(via), Cell(overcome), Cell(str(references or ""))])
    return Table(["mechanism", "resists", "overcome by (stated / inferred)", "references"], rows)


def example_values(query: QueryFile) -> dict[str, str]:
    """The parameter values of the query's example command line."""
    try:
        words = shlex.split(query.example)
    except ValueError:
        return {}
    values = {}
    for flag, value in itertools.pairwise(words):
        if flag in ("--param", "-p") and "=" in value:
            key, _, text = value.partition("=")
            values[key] = text
    return values


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _external(iri: str) -> str | None:
    return iri if iri.startswith(("http://", "https://")) else None


def _iri_of(href: str) -> str:
    if href.startswith("/id/"):
        return ID_SPACE + href[4:]
    return ONTOLOGY_SPACE + href[len("/ontology/") :]


__all__ = ["AmbiguousEntity", "Cell", "EntityPage", "Site", "Table", "UnknownEntity"]
