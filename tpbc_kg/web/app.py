"""The web application: a SPARQL 1.1 Protocol endpoint and pages over the graph, read-only.

Routes
- /sparql: SPARQL 1.1 Protocol (GET, POST form, POST application/sparql-query); results by Accept;
  updates, SERVICE and LOAD refused (403/400); a time limit and a row cap; no query: the service
  description (or, for a browser, the query page).
- /query: YASGUI (shipped in static/, works offline) with every canned question as an example.
- /id/NAME and /ontology/NAME: an entity's page (HTML) or its triples (Turtle, N-Triples, JSON-LD).
- /search, /suggest: names, synonyms, symbols and identifiers to pages.
- /questions, /questions/NAME[.csv|.json]: the canned questions with a form, a table and downloads.
- /plot/KIND.svg: the pictures of tpbc_kg.plot; /plot/KIND: the picture with its table.
- /.well-known/void: a VoID description.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from rdflib import URIRef
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from tpbc_kg import plot
from tpbc_kg.bounded import DEFAULT_TIMEOUT, QueryTimeout, mentions_service
from tpbc_kg.formats import sparql_json, to_csv
from tpbc_kg.query import ParameterError, QueryHeaderError, UnknownQuery, canned_query
from tpbc_kg.resolve import AmbiguousEntity, ResolutionError, UnknownEntity
from tpbc_kg.web.pool import PoolBusy, WorkerPool
from tpbc_kg.web.site import Site, Table, example_values, iri_for_path, local_path

STATIC = Path(__file__).parent / "static"
MAX_BODY = 1 << 20
"""Largest request body accepted (bytes): a SPARQL query longer than this is refused with 413."""
DEFAULT_MAX_ROWS = 10_000
"""Rows (or triples) the endpoint returns at most; more are cut, with the X-SPARQL-MaxRows header."""

RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/ld+json": "jsonld",
}
SELECT_MEDIA = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
}
GRAPH_MEDIA = {
    "turtle": "text/turtle; charset=utf-8",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}
OX_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
READ_ONLY = (
    "this SPARQL endpoint is read-only: updates (INSERT, DELETE, LOAD, CLEAR, DROP ...) are refused; "
    "curated data is changed with `tpbc-kg add`"
)


@dataclass
class Settings:
    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    workers: int = 2
    cors: bool = False
    cached_pages: int = 4096
    warm: bool = False


def accepted(header: str | None) -> list[str]:
    """Media types of an Accept header, most preferred first (q-values honoured, order kept on ties)."""
    items = []
    for position, part in enumerate((header or "").split(",")):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for param in fields[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            items.append((-q, position, fields[0].lower()))
    return [media for _, _, media in sorted(items)]


def negotiate(header: str | None, offered: dict[str, str], default: str) -> str | None:
    """The offered format the client prefers; default for */* or no header; None if nothing fits."""
    media = accepted(header)
    if not media:
        return default
    for item in media:
        if item in offered:
            return offered[item]
        if item in ("*/*", "application/*", "text/*"):
            return default
    return None


def prefers_html(request: Request) -> bool:
    media = accepted(request.headers.get("accept"))
    return bool(media) and media[0] in ("text/html", "application/xhtml+xml")


class BodyLimit:
    """Refuse request bodies larger than MAX_BODY (413) before anything reads them."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await PlainTextResponse(f"request body larger than {self.limit} bytes", 413)(scope, receive, send)
            return
        received = 0

        async def limited() -> Any:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await PlainTextResponse(f"request body larger than {self.limit} bytes", 413)(scope, receive, send)


class _TooLarge(Exception):
    pass


class PageCache:
    """Rendered entity pages, least recently used dropped first. The store is read-only for the life of
    the server, so a page once rendered stays true; rendering one costs tens of milliseconds."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[str, str] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key: str, value: str) -> None:
        if self.size <= 0:
            return
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def create_app(site: Site, settings: Settings | None = None, location: Path | None = None) -> Starlette:
    """The application over site; with location (an on-disk store) ad-hoc SPARQL runs in worker
    processes that can be stopped, otherwise (tests on an in-memory store) in a forked child per query."""
    settings = settings or Settings()
    templates = Environment(
        loader=PackageLoader("tpbc_kg.web", "templates"), autoescape=select_autoescape(default=True)
    )
    templates.globals["local_path"] = local_path
    state: dict[str, Any] = {"pool": None}
    pages = PageCache(settings.cached_pages)

    def triples() -> int:
        if "triples" not in state:
            state["triples"] = len(site.store)
        return state["triples"]

    def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(templates.get_template(name).render(**context), status)

    def error_page(status: int, message: str, request: Request) -> Response:
        if prefers_html(request):
            return page("error.html", status, title="Error", message=message)
        return PlainTextResponse(message + "\n", status)

    # --- SPARQL ---------------------------------------------------------------------------------------

    async def sparql(request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind == "application/sparql-update":
                return PlainTextResponse(READ_ONLY + "\n", 403)
            if kind == "application/sparql-query":
                params["query"] = (await request.body()).decode("utf-8", "replace")
            elif kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.form()
                params.update({k: str(v) for k, v in form.items()})
            else:
                return PlainTextResponse(
                    "POST a query as application/sparql-query or as the form field query\n", 415
                )
        if "update" in params:
            return PlainTextResponse(READ_ONLY + "\n", 403)
        text = params.get("query")
        if text is None:
            if prefers_html(request):
                return RedirectResponse("/query", 303)
            return Response(service_description(request), media_type="text/turtle; charset=utf-8")
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            return PlainTextResponse(
                "this endpoint has one default graph; leave out default-graph-uri\n", 400
            )
        if not text.strip():
            return PlainTextResponse("empty query: give a SELECT, ASK, CONSTRUCT or DESCRIBE query\n", 400)
        if mentions_service(text):
            return PlainTextResponse(
                "SERVICE is refused: this endpoint is read-only and answers from its own graph only\n", 400
            )
        accept = request.headers.get("accept")
        select_format = negotiate(accept, RESULT_TYPES, "json")
        graph_format = negotiate(accept, GRAPH_TYPES, "turtle")
        if select_format is None and graph_format is None:
            return PlainTextResponse(
                "cannot answer in the requested type; accept one of "
                + ", ".join([*RESULT_TYPES, *GRAPH_TYPES])
                + "\n",
                406,
            )
        request_body: dict[str, Any] = {
            "query": text,
            "select_format": select_format or "json",
            "graph_format": graph_format or "turtle",
            "max_rows": settings.max_rows,
        }
        try:
            reply = await state["pool"].run(request_body, settings.timeout)
        except QueryTimeout as error:
            return PlainTextResponse(f"{error}\n", 503)
        except PoolBusy as error:
            return PlainTextResponse(f"{error}\n", 503, headers={"Retry-After": "5"})
        status = reply.status
        if not status.get("ok"):
            code = {"update": 403, "service": 400, "syntax": 400}.get(status.get("error", ""), 500)
            message = READ_ONLY if status.get("error") == "update" else status.get("message", "query failed")
            return PlainTextResponse(f"{message}\n", code)
        if status["kind"] == "graph":
            media = GRAPH_MEDIA[request_body["graph_format"]]
            if graph_format is None:
                return PlainTextResponse("CONSTRUCT/DESCRIBE answer in " + ", ".join(GRAPH_TYPES) + "\n", 406)
        else:
            media = SELECT_MEDIA[request_body["select_format"]]
            if select_format is None:
                return PlainTextResponse("SELECT/ASK answer in " + ", ".join(RESULT_TYPES) + "\n", 406)
        headers = {"X-SPARQL-MaxRows": str(settings.max_rows)} if status.get("capped") else {}
        return Response(reply.body, media_type=media, headers=headers)

    def service_description(request: Request) -> str:
        endpoint = str(request.url_for("sparql"))
        formats = " ".join(
            f"<http://www.w3.org/ns/formats/{f}>"
            for f in (
                "SPARQL_Results_JSON",
                "SPARQL_Results_XML",
                "SPARQL_Results_CSV",
                "SPARQL_Results_TSV",
                "Turtle",
                "N-Triples",
                "JSON-LD",
            )
        )
        return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
<{endpoint}> a sd:Service ;
  sd:endpoint <{endpoint}> ;
  sd:supportedLanguage sd:SPARQL11Query ;
  sd:resultFormat {formats.replace(" ", ", ")} ;
  sd:defaultDataset [ a sd:Dataset ;
    sd:defaultGraph [ a sd:Graph ; void:triples {triples()} ] ] .
"""

    def class_partitions() -> str:
        classes = site.store.query(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"
        )
        return " ,\n    ".join(
            f"[ void:class <{row['c'].value}> ; void:entities {row['n'].value} ]"
            for row in classes
            if isinstance(row["c"], ox.NamedNode)
        )

    async def void(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        if "partitions" not in state:  # the store does not change while the server runs
            state["partitions"] = await run_in_threadpool(class_partitions)
        partitions = state["partitions"]
        body = f"""@prefix void: <http://rdfs.org/ns/void#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<{base}/.well-known/void#tpbc-kg> a void:Dataset ;
  dcterms:title "tpbc-kg: triple-positive breast cancer knowledge graph" ;
  void:sparqlEndpoint <{base}/sparql> ;
  void:uriSpace "https://w3id.org/tpbc-kg/id/" ;
  void:vocabulary <https://w3id.org/tpbc-kg/ontology#> ;
  void:exampleResource <https://w3id.org/tpbc-kg/id/drug-trastuzumab> ;
  void:triples {triples()} ;
  void:classPartition
    {partitions} .
"""
        return Response(body, media_type="text/turtle; charset=utf-8")

    async def query_page(request: Request) -> Response:
        examples = [{"name": q.name, "question": q.question, "text": _editor_text(q)} for q in site.questions]
        return page(
            "query.html", title="SPARQL query", examples=examples, examples_json=_script_json(examples)
        )

    # --- entities -------------------------------------------------------------------------------------

    async def entity(request: Request) -> Response:
        kind = "id" if request.url.path.startswith("/id/") else "ontology"
        iri = iri_for_path(kind, request.path_params["name"])
        fmt = negotiate(request.headers.get("accept"), {"text/html": "html", **GRAPH_TYPES}, "html")
        cached = pages.get(iri) if fmt == "html" else None
        if cached is not None:
            return HTMLResponse(cached, headers={"Vary": "Accept"})
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            return error_page(400, f"not an IRI: {iri}", request)
        if not await run_in_threadpool(site.exists, node.value):
            return error_page(404, f"the graph says nothing about {iri}; try the search box", request)
        if fmt is None:
            return PlainTextResponse(
                "ask for text/html, text/turtle, application/n-triples or application/ld+json\n", 406
            )
        if fmt != "html":
            body = await run_in_threadpool(site.describe_rdf, iri, OX_FORMATS[fmt])
            return Response(body, media_type=GRAPH_MEDIA[fmt], headers={"Vary": "Accept"})
        html = await run_in_threadpool(render_entity, iri)
        pages.put(iri, html)
        return HTMLResponse(html, headers={"Vary": "Accept"})

    def render_entity(iri: str) -> str:
        view = site.entity(URIRef(iri))
        return templates.get_template("entity.html").render(title=view.label, e=view)

    async def search(request: Request) -> Response:
        text = request.query_params.get("q", "").strip()[:200]
        if not text:
            return page("search.html", title="Search", search_text="", message=None, candidates=[])
        try:
            node = await run_in_threadpool(site.resolve, text)
        except AmbiguousEntity as error:
            candidates = [
                {"name": f"{label} ({curie})", "href": _curie_path(site, curie)}
                for curie, label in error.candidates
            ]
            return page(
                "search.html",
                title="Search",
                search_text=text,
                message=f"{text!r} names several entities:",
                candidates=candidates,
            )
        except (UnknownEntity, ResolutionError) as error:
            close = getattr(error, "suggestions", None) or []
            named = await run_in_threadpool(site.named, close)
            named += [c for c in await run_in_threadpool(site.suggest, text) if c not in named]
            return page(
                "search.html",
                404,
                title="Search",
                search_text=text,
                message=f"nothing is called {text!r}" + ("; did you mean:" if named else ""),
                candidates=named,
            )
        href = local_path(str(node))
        if href is None:
            return page(
                "search.html",
                404,
                title="Search",
                search_text=text,
                message=f"{node} has no page here",
                candidates=[],
            )
        return RedirectResponse(href, 303)

    async def suggest(request: Request) -> Response:
        text = request.query_params.get("q", "")[:200]
        return JSONResponse(await run_in_threadpool(site.suggest, text))

    # --- questions ------------------------------------------------------------------------------------

    async def questions(request: Request) -> Response:
        return page("questions.html", title="Questions", questions=site.questions)

    async def question(request: Request) -> Response:
        name = request.path_params["name"]
        suffix = None
        for ext in (".csv", ".json"):
            if name.endswith(ext):
                name, suffix = name[: -len(ext)], ext
        try:
            query = canned_query(name)
        except UnknownQuery as error:
            return error_page(404, str(error), request)
        values = {k: v for k, v in request.query_params.items() if v.strip() and k != "run"}
        missing = [p.name for p in query.parameters if p.required and p.name not in values]
        result, message = None, None
        if not missing or suffix:
            try:
                result = await run_in_threadpool(site.answer, query, values)
            except (ResolutionError, ParameterError, QueryHeaderError, ValueError) as error:
                message = str(error)
        if suffix:
            if result is None:
                return PlainTextResponse(f"{message or 'missing parameters: ' + ', '.join(missing)}\n", 400)
            if suffix == ".csv":
                return Response(
                    to_csv(result.vars, result.rows),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
                )
            return JSONResponse(
                sparql_json(result.vars, result.rows),
                media_type="application/sparql-results+json",
                headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
            )
        form = [
            {
                "p": p,
                "value": values.get(p.name, ""),
                "choices": await run_in_threadpool(site.choices, p.type),
            }
            for p in query.parameters
        ]
        table = site.table(result) if result is not None else None
        encoded = urlencode(values)
        return page(
            "question.html",
            400 if message else 200,
            title=query.title,
            q=query,
            form=form,
            table=table,
            message=message,
            missing=missing,
            example=example_values(query),
            query_string=encoded,
        )

    # --- pictures -------------------------------------------------------------------------------------

    async def picture(request: Request) -> Response:
        kind = request.path_params["kind"]
        svg_only = kind.endswith(".svg")
        kind = kind.removesuffix(".svg")
        argument = {"trial": "trial", "endpoint": "endpoint", "pathway": "pathway", "resistance": "drug"}.get(
            kind
        )
        if argument is None:
            return error_page(404, f"no picture called {kind}; draw one of {', '.join(plot.KINDS)}", request)
        name = request.query_params.get(argument, "").strip()
        if not name:
            return error_page(400, f"give ?{argument}=NAME", request)
        name = _entity_name(name)
        try:
            picture = await run_in_threadpool(_draw, site, kind, name)
        except (ResolutionError, ParameterError, ValueError) as error:
            return error_page(400, str(error), request)
        if svg_only:
            return Response(
                picture.svg,
                media_type="image/svg+xml",
                headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"},
            )
        table = Table(picture.columns, [[_cell(v) for v in row] for row in picture.rows])
        return page(
            "picture.html",
            title=picture.title,
            picture=picture,
            table=table,
            svg_url=f"/plot/{kind}.svg?{argument}={quote(name, safe='')}",
        )

    async def home(request: Request) -> Response:
        return page("home.html", title="tpbc-kg", questions=site.questions, triples=triples())

    async def startup() -> None:
        if settings.warm:
            threading.Thread(target=site.warm, name="tpbc-kg-warm", daemon=True).start()
        if location is not None:
            pool = WorkerPool(location, settings.workers)
            await pool.start()
            state["pool"] = pool
        else:
            state["pool"] = _ForkPool(site)

    async def shutdown() -> None:
        if isinstance(state["pool"], WorkerPool):
            await state["pool"].close()

    middleware = [Middleware(BodyLimit)]
    if settings.cors:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["GET", "POST"],
                allow_headers=["Accept", "Content-Type"],
            )
        )
    routes = [
        Route("/", home),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route("/sparql", sparql, methods=["GET", "POST"], name="sparql"),
        Route("/query", query_page),
        Route("/id/{name:path}", entity),
        Route("/ontology/{name:path}", entity),
        Route("/search", search),
        Route("/suggest", suggest),
        Route("/questions", questions),
        Route("/questions/{name}", question),
        Route("/plot/{kind}", picture),
        Route("/.well-known/void", void),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await startup()
        try:
            yield
        finally:
            await shutdown()

    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.site = site
    app.state.settings = settings
    return app


class _ForkPool:
    """For an in-memory store (tests, notebooks): each query in a forked child (tpbc_kg.bounded)."""

    def __init__(self, site: Site) -> None:
        self.site = site

    async def run(self, request: dict[str, Any], timeout: float) -> Any:
        from tpbc_kg.bounded import QueryFailed, is_update, run_bounded
        from tpbc_kg.load import prefix_map
        from tpbc_kg.web.pool import WorkerReply

        parts: list[bytes] = []

        def go() -> Any:
            return run_bounded(
                self.site.store,
                request["query"],
                prefix_map(),
                parts.append,
                request["select_format"],
                request["graph_format"],
                timeout,
                request["max_rows"],
            )

        try:
            outcome = await asyncio.get_running_loop().run_in_executor(None, go)
        except QueryFailed as error:
            kind = "update" if is_update(request["query"]) else "syntax"
            return WorkerReply(b"", {"ok": False, "error": kind, "message": str(error)})
        return WorkerReply(b"".join(parts), {"ok": True, "kind": outcome.kind, "capped": outcome.capped})


def _script_json(value: Any) -> Markup:
    """JSON safe inside a <script> element: no character can close the element or start markup."""
    text = json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _draw(site: Site, kind: str, name: str) -> plot.Picture:
    return plot.draw(site.store, kind, name)


def _entity_name(text: str) -> str:
    """A picture's argument may be a page path (/id/trial-CLEOPATRA): the IRI it stands for."""
    if text.startswith("/id/"):
        return iri_for_path("id", text[4:])
    if text.startswith("/ontology/"):
        return iri_for_path("ontology", text[len("/ontology/") :])
    return text


def _cell(text: str) -> Any:
    from tpbc_kg.web.site import Cell

    return Cell(text)


def _curie_path(site: Site, curie: str) -> str | None:
    from tpbc_kg.load import prefix_map

    prefix, _, local = curie.partition(":")
    namespace = prefix_map().get(prefix)
    return local_path(namespace + local) if namespace else None


def _editor_text(query: Any) -> str:
    """A canned question as an editor example: its header, then a note on its parameters (left
    unbound here, so the query answers for every value), then the query."""
    lines = [line for line in query.text.splitlines()]
    if query.parameters:
        names = ", ".join(f"?{p.name}" for p in query.parameters)
        note = (
            f"# {names} unbound here: the query answers for every value. On the question page "
            f"/questions/{query.name} they are bound from a form."
        )
        header_end = next((i for i, line in enumerate(lines) if not line.startswith("#")), 0)
        lines.insert(header_end, note)
    return "\n".join(lines)
