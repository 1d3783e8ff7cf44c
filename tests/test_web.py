"""The website and SPARQL endpoint in-process (Starlette's TestClient): the protocol, the pages, the
pictures and the safety rules a user relies on."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from rdflib import RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from tpbc_kg import api
from tpbc_kg.kb import in_memory
from tpbc_kg.namespace import TPBC
from tpbc_kg.query import canned_queries

pytest.importorskip("starlette")
from starlette.testclient import TestClient

from tpbc_kg.web.app import Settings, accepted, create_app
from tpbc_kg.web.site import Site

KG = "https://w3id.org/tpbc-kg/id/"
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
PERTAIN = "SELECT ?trial WHERE { ?trial a tpbc:ClinicalTrial ; tpbc:acronym 'PERTAIN' }"


@pytest.fixture(scope="module")
def site() -> Site:
    return Site(api.query_store(), api.bundled_graph())


@pytest.fixture(scope="module")
def client(site):
    with TestClient(create_app(site, Settings(timeout=2, max_rows=5))) as test_client:
        yield test_client


# --- SPARQL 1.1 Protocol -------------------------------------------------------------------------------


def test_select_by_get_default_json(client):
    response = client.get("/sparql", params={"query": PERTAIN})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    bindings = response.json()["results"]["bindings"]
    assert bindings == [{"trial": {"type": "uri", "value": KG + "trial-PERTAIN"}}]


@pytest.mark.parametrize("how", ["form", "direct"])
def test_select_by_post(client, how):
    if how == "form":
        response = client.post("/sparql", data={"query": PERTAIN})
    else:
        response = client.post(
            "/sparql", content=PERTAIN.encode(), headers={"Content-Type": "application/sparql-query"}
        )
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"][0]["trial"]["value"] == KG + "trial-PERTAIN"


def test_results_formats_by_accept(client):
    query = "SELECT ?size WHERE { kg:trial-CLEOPATRA tpbc:sampleSize ?size }"
    as_csv = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert [row["size"] for row in csv.DictReader(io.StringIO(as_csv.text))] == ["808"]
    as_tsv = client.get("/sparql", params={"query": query}, headers={"Accept": "text/tab-separated-values"})
    assert as_tsv.text.splitlines() == ["?size", "808"]
    as_xml = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+xml"}
    )
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    literal = ET.fromstring(as_xml.content).find(".//r:binding[@name='size']/r:literal", ns)
    assert literal is not None and literal.text == "808"
    assert literal.get("datatype") == "http://www.w3.org/2001/XMLSchema#integer"
    assert client.get("/sparql", params={"query": query}, headers={"Accept": "image/png"}).status_code == 406


def test_accept_header_q_values_decide():
    assert accepted("text/csv;q=0.5, application/sparql-results+json") == [
        "application/sparql-results+json",
        "text/csv",
    ]


def test_ask(client):
    response = client.get("/sparql", params={"query": "ASK { kg:drug-everolimus tpbc:targets kg:gene-MTOR }"})
    assert response.json()["boolean"] is True


@pytest.mark.parametrize(
    "accept,parse_as",
    [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld")],
)
def test_construct_in_rdf_formats(client, accept, parse_as):
    query = "CONSTRUCT { ?d tpbc:targets kg:gene-MTOR } WHERE { ?d tpbc:targets kg:gene-MTOR }"
    response = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    graph = Graph().parse(data=response.text, format=parse_as)
    assert (URIRef(KG + "drug-everolimus"), TPBC.targets, URIRef(KG + "gene-MTOR")) in graph


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"data": {"update": "DROP ALL"}},
        {"data": {"query": "INSERT DATA { kg:a kg:b kg:c }"}},
        {"data": {"query": "LOAD <http://example.org/data.ttl>"}},
        {"content": b"CLEAR DEFAULT", "headers": {"Content-Type": "application/sparql-update"}},
    ],
)
def test_updates_and_load_are_refused_as_read_only(client, site, request_kwargs):
    before = len(site.store)
    response = client.post("/sparql", **request_kwargs)
    assert response.status_code == 403
    assert "read-only" in response.text
    assert len(site.store) == before


def test_service_is_refused(client):
    query = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400 and "read-only" in response.text


def test_syntax_error_is_400_with_the_engines_message(client):
    response = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert response.status_code == 400 and "syntax" in response.text.lower()


def test_runaway_query_is_stopped_and_reported(client):
    response = client.get("/sparql", params={"query": CROSS_PRODUCT})
    assert response.status_code == 503
    assert "time limit" in response.text
    assert client.get("/sparql", params={"query": PERTAIN}).status_code == 200


def test_row_cap_cuts_and_says_so(client):
    response = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s a owl:Class }"})
    assert len(response.json()["results"]["bindings"]) == 5
    assert response.headers["X-SPARQL-MaxRows"] == "5"
    small = client.get("/sparql", params={"query": PERTAIN})
    assert "X-SPARQL-MaxRows" not in small.headers


def test_oversized_request_is_refused(client):
    response = client.post("/sparql", data={"query": "#" * (2 << 20)})
    assert response.status_code == 413


def test_service_description_and_void(client, site):
    description = Graph().parse(data=client.get("/sparql", headers={"Accept": "text/turtle"}).text)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (None, URIRef(sd + "supportedLanguage"), URIRef(sd + "SPARQL11Query")) in description
    void = Graph().parse(data=client.get("/.well-known/void").text)
    triples = next(void.objects(None, URIRef("http://rdfs.org/ns/void#triples")))
    assert int(triples) == len(site.store)


def test_cors_is_off_unless_asked(site):
    with TestClient(create_app(site, Settings())) as plain:
        response = plain.get(
            "/sparql", params={"query": PERTAIN}, headers={"Origin": "http://elsewhere.example"}
        )
        assert "access-control-allow-origin" not in response.headers
    with TestClient(create_app(site, Settings(cors=True))) as open_client:
        response = open_client.get(
            "/sparql", params={"query": PERTAIN}, headers={"Origin": "http://elsewhere.example"}
        )
        assert response.headers["access-control-allow-origin"] == "*"


# --- entity pages ----------------------------------------------------------------------------------------


def test_drug_page_shows_identifiers_claims_trials_and_resistance(client):
    page = client.get("/id/drug-trastuzumab").text
    assert '<h1 id="entity-label">trastuzumab</h1>' in page
    assert 'href="https://go.drugbank.com/drugs/DB00072"' in page
    assert "(inferred)" in page  # a class the reasoner added is marked
    assert 'href="/id/gene-ERBB2"' in page  # relations are links with labels
    assert "says: [" in page  # claims carry their references
    assert "Resistance and what overcomes it" in page
    assert "PTEN loss" in page and "everolimus (stated)" in page
    assert 'href="/id/trial-CLEOPATRA"' in page


def test_trial_page_shows_outcomes_and_their_picture(client):
    page = client.get("/id/trial-CLEOPATRA").text
    assert "Outcomes per arm" in page and "18.5" in page and "12.4" in page
    assert "/plot/trial.svg?trial=%2Fid%2Ftrial-CLEOPATRA" in page


@pytest.mark.parametrize(
    "accept,parse_as",
    [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld")],
)
def test_entity_rdf_by_accept(client, accept, parse_as):
    response = client.get("/id/drug-everolimus", headers={"Accept": accept})
    assert response.headers["content-type"].startswith(accept)
    graph = Graph().parse(data=response.text, format=parse_as)
    assert (URIRef(KG + "drug-everolimus"), TPBC.targets, URIRef(KG + "gene-MTOR")) in graph


def test_unknown_entity_is_404(client):
    assert client.get("/id/drug-nothing-like-this").status_code == 404


def test_search_resolves_synonyms_and_identifiers(client):
    assert client.get("/search", params={"q": "Herceptin"}, follow_redirects=False).headers["location"] == (
        "/id/drug-trastuzumab"
    )
    by_nct = client.get("/search", params={"q": "NCT00567190"}, follow_redirects=False)
    assert by_nct.headers["location"] == "/id/trial-CLEOPATRA"
    unknown = client.get("/search", params={"q": "trastuzumap"})
    assert unknown.status_code == 404 and "/id/drug-trastuzumab" in unknown.text
    suggestions = client.get("/suggest", params={"q": "everol"}).json()
    assert "/id/drug-everolimus" in [s["href"] for s in suggestions[:3]]


# --- question pages --------------------------------------------------------------------------------------


def test_every_canned_question_has_a_page_with_its_form_and_sparql(client):
    for query in canned_queries():
        page = client.get(f"/questions/{query.name}").text
        assert f"<h1>{query.title}</h1>".replace("'", "&#39;") in page, query.name
        for parameter in query.parameters:
            assert f'name="{parameter.name}"' in page
        assert '<pre class="sparql">' in page


def test_question_answers_from_its_form_with_labels_and_downloads(client):
    page = client.get("/questions/drugs-bypassing-resistance", params={"mechanism": "PTEN loss"}).text
    link = 'href="/id/drug-everolimus" title="https://w3id.org/tpbc-kg/id/drug-everolimus">everolimus</a>'
    assert link in page
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(
                    "/questions/drugs-bypassing-resistance.csv", params={"mechanism": "PTEN loss"}
                ).text
            )
        )
    )
    assert KG + "drug-everolimus" in {row["drug"] for row in rows}
    document = client.get(
        "/questions/trial-outcomes.json", params={"trial": "CLEOPATRA", "endpoint": "median PFS"}
    )
    values = sorted(b["value"]["value"] for b in document.json()["results"]["bindings"])
    assert values == ["12.4", "12.4", "18.5", "18.7"]


def test_question_with_a_bad_value_says_what_is_wrong(client):
    response = client.get("/questions/drugs-bypassing-resistance", params={"mechanism": "PTEN los"})
    assert response.status_code == 400 and "did you mean: PTEN loss" in response.text


# --- pictures --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url,text",
    [
        ("/plot/trial.svg?trial=CLEOPATRA", "18.5 months"),
        ("/plot/endpoint.svg?endpoint=median%20PFS", "CLEOPATRA"),
        ("/plot/pathway.svg?pathway=PI3K/AKT/mTOR", "ER–HER2 crosstalk"),
        ("/plot/resistance.svg?drug=trastuzumab", "PTEN loss"),
    ],
)
def test_pictures_are_svg_with_their_data(client, url, text):
    response = client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"
    assert response.text.lstrip().startswith("<?xml") and "<svg" in response.text
    assert text in response.text
    page = client.get(url.replace(".svg", ""))
    assert "<table" in page.text


# --- escaping ----------------------------------------------------------------------------------------------


def test_labels_are_html_escaped():
    graph = Graph()
    for triple in api.bundled_graph():
        graph.add(triple)
    hostile = "<script>alert('x')</script>"
    everolimus = URIRef(KG + "drug-everolimus")
    graph.add((everolimus, SKOS.altLabel, Literal(hostile)))
    graph.add((URIRef(KG + "gene-MTOR"), RDFS.label, Literal(hostile)))
    site = Site(in_memory(graph, Graph()), graph)
    with TestClient(create_app(site, Settings())) as client:
        for url in ("/id/drug-everolimus", "/id/gene-MTOR", f"/search?q={hostile}"):
            page = client.get(url).text
            assert "<script>alert" not in page, url
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in client.get("/id/drug-everolimus").text
        suggestions = client.get("/suggest", params={"q": "<script"}).json()
        assert json.dumps(suggestions)  # JSON, not HTML: the page inserts it as text
