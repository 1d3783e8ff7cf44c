"""Property-based tests (hypothesis) for what users type and write: parameter values, names, entry files.

The atheris harnesses in fuzz/ search the same code much longer; these run in every suite, a few
hundred generated cases each, with the bundled graph as the world.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from tpbc_kg import api, entry_checks
from tpbc_kg.load import InputError, bind_prefixes
from tpbc_kg.namespace import KG, TPBC
from tpbc_kg.query import ParameterError, bind_parameters, canned_query
from tpbc_kg.resolve import AmbiguousEntity, ResolutionError
from tpbc_kg.validate import read_entries

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Any text a user can type on a command line: no NUL, no lone surrogates.
TYPED = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60)
HOSTILE = st.sampled_from(['"', "'", "}", "{", ";", "DROP ALL", "<", ">", "\\", "#", "?s", "\n", " UNION "])


@pytest.fixture(scope="module")
def drugs(graph) -> dict[str, URIRef]:
    """label -> drug, for the drugs whose label names no other entity."""
    by_label: dict[str, set] = {}
    for node, label in graph.subject_objects(RDFS.label):
        by_label.setdefault(str(label).casefold(), set()).add(node)
    found = {}
    for node in graph.transitive_subjects(RDFS.subClassOf, TPBC.Drug):
        for drug in graph.subjects(RDF.type, node):
            label = graph.value(drug, RDFS.label)
            if label is not None and len(by_label[str(label).casefold()]) == 1:
                found[str(label)] = drug
    assert len(found) > 20
    return found


@SETTINGS
@given(value=st.one_of(TYPED, st.lists(st.one_of(TYPED, HOSTILE), max_size=6).map("".join)))
def test_any_parameter_value_is_bound_as_data_or_refused(graph, value):
    """Whatever is typed as --param drug=VALUE: the query text stays as written, and the value either
    names a drug of the graph or is refused with a message naming the parameter."""
    query = canned_query("trials-for-drug")
    text = query.text
    try:
        bindings = bind_parameters(graph, query, {"drug": value})
    except (ParameterError, ResolutionError) as error:
        assert "drug" in str(error)
        return
    finally:
        assert query.text == text
    drug = bindings["drug"]
    assert isinstance(drug, URIRef) and (drug, RDF.type, None) in graph
    assert any(
        (drug, RDF.type, cls) in graph for cls in graph.transitive_subjects(RDFS.subClassOf, TPBC.Drug)
    )


@SETTINGS
@given(data=st.data())
def test_a_drug_label_resolves_whatever_its_case_and_spacing(graph, drugs, data):
    label = data.draw(st.sampled_from(sorted(drugs)))
    flips = data.draw(st.lists(st.booleans(), min_size=len(label), max_size=len(label)))
    typed = "".join(c.upper() if flip else c.lower() for c, flip in zip(label, flips, strict=True))
    typed = data.draw(st.sampled_from(["", " ", "  "])) + typed + data.draw(st.sampled_from(["", " ", "\t"]))
    bindings = bind_parameters(graph, canned_query("trials-for-drug"), {"drug": typed})
    assert bindings["drug"] == drugs[label]


@SETTINGS
@given(name=st.one_of(TYPED, st.lists(HOSTILE, min_size=1, max_size=5).map("".join)))
def test_name_resolution_answers_a_node_or_a_helpful_error(graph, name):
    try:
        node = api.find(name, graph)
    except AmbiguousEntity as error:
        assert error.candidates and len(error.candidates) >= 2
        return
    except ResolutionError as error:
        assert repr(name.strip()) in str(error) or repr(name) in str(error) or name.strip() == ""
        return
    assert (node, None, None) in graph or (None, None, node) in graph


@SETTINGS
@given(data=st.data())
def test_the_iri_and_curie_of_any_labelled_node_resolve_to_it(graph, data):
    nodes = sorted(
        {s for s in graph.subjects(RDFS.label) if isinstance(s, URIRef) and str(s).startswith(str(KG))}
    )
    node = data.draw(st.sampled_from(nodes))
    assert api.find(str(node), graph) == node
    assert api.find("kg:" + str(node)[len(str(KG)) :], graph) == node


# --- entry files ----------------------------------------------------------------------------------------

LABELS = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(str.strip)
LOCAL = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,15}", fullmatch=True)


def _written(graph: Graph, fmt: str, suffix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="entry-"))
    path = folder / f"entry{suffix}"
    graph.serialize(path, format=fmt)
    return path


@SETTINGS
@given(
    genes=st.lists(st.tuples(LOCAL, LABELS, LABELS), min_size=1, max_size=4, unique_by=lambda g: g[0]),
    form=st.sampled_from([("turtle", ".ttl"), ("nt", ".nt"), ("json-ld", ".jsonld"), ("xml", ".rdf")]),
)
def test_an_entry_reads_back_as_written_in_every_format(schema, genes, form):
    """Any genes with any labels and descriptions (quotes, backslashes, emoji, right-to-left text), written
    by rdflib in any of the four formats, read back to the same triples; the entry checks find nothing
    wrong with the vocabulary (only the ontology's terms are used)."""
    entry = bind_prefixes(Graph())
    for local, label, description in genes:
        node = KG[f"gene-{local}"]
        entry.add((node, RDF.type, TPBC.Gene))
        entry.add((node, RDFS.label, Literal(label, lang="en")))
        entry.add((node, TPBC.curatorNote, Literal(description)))
    read = read_entries([_written(entry, *form)])
    assert isomorphic(read, entry)
    checks = {p.check for p in entry_checks.run_all(read, schema + read)}
    assert not checks & {"UnknownClass", "UnknownProperty", "UntypedNode", "BlankNode"}


@SETTINGS
@given(lexical=TYPED)
def test_an_integer_that_is_not_one_is_reported_as_written(schema, lexical):
    """A sample size of any text: well-typed integers pass the literal checks; anything else is an
    IllTypedLiteral violation quoting the text as the curator wrote it."""
    path = Path(tempfile.mkdtemp(prefix="entry-")) / "trial.ttl"
    escaped = lexical.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    path.write_text(
        "@prefix kg: <https://w3id.org/tpbc-kg/id/> .\n@prefix tpbc: <https://w3id.org/tpbc-kg/ontology#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        f'kg:trial-X a tpbc:ClinicalTrial ; tpbc:sampleSize "{escaped}"^^xsd:integer .\n',
        encoding="utf-8",
    )
    try:
        entry = read_entries([path])
    except InputError:
        assume(False)  # a few control characters are not valid in Turtle strings at all
        return
    problems = [p for p in entry_checks.literal_problems(entry) if p.check == "IllTypedLiteral"]
    well_typed = Literal(lexical, datatype=XSD.integer).ill_typed is False
    assert bool(problems) != well_typed
    if problems:
        assert repr(lexical[:60]) in problems[0].message


@SETTINGS
@given(text=st.one_of(TYPED, st.binary(max_size=200).map(lambda b: b.decode("latin-1"))))
def test_any_file_is_read_or_refused_with_its_name(text):
    for suffix in (".ttl", ".jsonld", ".nt"):
        path = Path(tempfile.mkdtemp(prefix="entry-")) / f"entry{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            read_entries([path])
        except InputError as error:
            assert str(error).startswith(str(path))
