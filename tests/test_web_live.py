"""`tpbc-kg serve` as users run it: a real server on loopback, a real SPARQL client (SPARQLWrapper) and a
real browser (Debian's chromium driven by Playwright). Screenshots go to tests/output/screenshots/."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from tpbc_kg.cli_query import SPARQL_COMMAND

# One server per run: keep this module's tests on one xdist worker.
pytestmark = pytest.mark.xdist_group("web-live")

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent / "output" / "screenshots"
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
QUERIES = [
    "SELECT ?drug ?target WHERE { ?drug tpbc:targets ?target } ORDER BY ?drug ?target",
    "SELECT ?trial ?size WHERE { ?trial tpbc:sampleSize ?size } ORDER BY ?trial ?size",
    "SELECT ?s ?label WHERE { ?s a tpbc:ResistanceMechanism ; rdfs:label ?label } ORDER BY ?s",
]
PREFIXES = "PREFIX tpbc: <https://w3id.org/tpbc-kg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`tpbc-kg serve` on a free loopback port with a 2 s time limit; stopped by its PID afterwards."""
    port = _free_port()
    folder = tmp_path_factory.mktemp("served") / "store"
    command = [
        sys.executable,
        "-m",
        "tpbc_kg.cli",
        "serve",
        "--port",
        str(port),
        "--store",
        str(folder),
        "--timeout",
        "2",
    ]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"tpbc-kg serve exited: {process.stderr.read()}")
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("tpbc-kg serve did not answer within 120 s")
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def _cli_rows(query: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(SPARQL_COMMAND, [query, "-f", "json"])
    assert result.exit_code == 0, result.output
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(result.output)["results"]["bindings"]]


@pytest.mark.parametrize("query", QUERIES)
def test_sparqlwrapper_gets_the_rows_the_cli_prints(server, query):
    from SPARQLWrapper import JSON, SPARQLWrapper

    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(PREFIXES + query)
    client.setReturnFormat(JSON)
    document = client.query().convert()
    rows = [{k: v["value"] for k, v in b.items()} for b in document["results"]["bindings"]]
    assert rows == _cli_rows(query)
    assert rows


def test_sparqlwrapper_update_is_refused(server):
    from SPARQLWrapper import POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    client = SPARQLWrapper(server + "/sparql")
    client.setMethod(POST)
    client.setQuery("DELETE WHERE { ?s ?p ?o }")
    with pytest.raises((SPARQLWrapperException, OSError)) as error:
        client.query()
    assert "read-only" in str(error.value) or "403" in str(error.value)


def test_runaway_query_stops_while_others_are_answered(server):
    """One worker runs the cross product until the limit kills it; the other keeps answering."""

    def ask(query: str) -> tuple[int, float, str]:
        start = time.monotonic()
        data = urllib.parse.urlencode({"query": query}).encode()
        request = urllib.request.Request(server + "/sparql", data=data)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, time.monotonic() - start, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, time.monotonic() - start, error.read().decode()

    with ThreadPoolExecutor(2) as pool:
        runaway = pool.submit(ask, CROSS_PRODUCT)
        time.sleep(0.3)
        quick = [ask(PREFIXES + QUERIES[1]) for _ in range(3)]
        status, seconds, text = runaway.result()
    assert status == 503 and "time limit" in text
    assert seconds < 10
    assert all(code == 200 and took < 1.5 for code, took, _ in quick), quick
    assert ask(PREFIXES + QUERIES[1])[0] == 200  # the killed worker was replaced


# --- the browser -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) for browser tests"
        )
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (test extra)"
    )
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def test_browser_search_entity_page_and_trial_picture(server, page):
    page.goto(server + "/")
    page.fill("#search-box", "Herceptin")
    page.press("#search-box", "Enter")
    page.wait_for_url("**/id/drug-trastuzumab")
    assert page.inner_text("#entity-label") == "trastuzumab"
    assert page.locator("a[href='https://go.drugbank.com/drugs/DB00072']").count() == 1
    assert "everolimus (stated)" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / "entity-trastuzumab.png"), full_page=False)
    page.click("a[href='/id/trial-CLEOPATRA']")
    page.wait_for_url("**/id/trial-CLEOPATRA")
    picture = page.locator("img.plot").first
    picture.wait_for()
    assert page.evaluate("img => img.naturalWidth", picture.element_handle()) > 100
    assert "18.5" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / "trial-CLEOPATRA.png"), full_page=False)


def test_browser_answers_a_canned_question_from_its_form(server, page):
    page.goto(server + "/questions/drugs-bypassing-resistance")
    page.fill("input[name=mechanism]", "PTEN loss")
    page.click("#run-question")
    page.wait_for_selector("#answer")
    drugs = page.locator("#answer tbody tr td:nth-child(2)").all_inner_texts()
    assert "everolimus" in drugs
    page.screenshot(path=str(SCREENSHOTS / "question-drugs-bypassing-resistance.png"), full_page=False)


def test_browser_runs_a_query_on_the_query_page(server, page):
    page.goto(server + "/query")
    page.wait_for_function("window.tpbcYasgui !== undefined")
    query = (
        PREFIXES
        + "SELECT ?size WHERE { <https://w3id.org/tpbc-kg/id/trial-CLEOPATRA> tpbc:sampleSize ?size }"
    )
    page.evaluate("q => { window.tpbcYasgui.getTab().setQuery(q); }", query)
    page.click(".yasqe_queryButton")
    cell = page.locator(".yasr td", has_text="808").first
    cell.wait_for(timeout=15000)
    page.screenshot(path=str(SCREENSHOTS / "query-page.png"), full_page=False)
    assert os.path.getsize(SCREENSHOTS / "query-page.png") > 10_000


def test_chromium_found_or_test_skipped_visibly():
    """Keep the reason visible in every run: without chromium the browser tests above skip with it."""
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        pytest.skip(f"{CHROMIUM} missing: browser tests skipped")
