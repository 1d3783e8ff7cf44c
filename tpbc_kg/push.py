"""Loading the graph into another SPARQL 1.1 store through the Graph Store HTTP Protocol.

Each named graph is sent with one PUT (`?graph=IRI`), which replaces that graph as a whole, so a push can
be repeated and a reader never sees two versions mixed within a graph. N-Triples is sent: every store
reads it, it streams, and Virtuoso refuses JSON-LD. Credentials come from the caller (option or
environment) and go only into the Authorization header: no message, error or exception text includes them.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from tpbc_kg.errors import UserError
from tpbc_kg.named_graphs import ASSERTED_GRAPH, INFERRED_GRAPH
from tpbc_kg.release import NQUADS, ntriples, with_version


class PushError(UserError):
    """A push the store refused or could not be reached for; the message says what to do."""


@dataclass
class Target:
    """A Graph Store endpoint and how to authenticate to it."""

    url: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: str = "basic"
    timeout: float = 120.0

    def __post_init__(self) -> None:
        parsed = urllib.parse.urlsplit(self.url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise PushError(
                f"{self.url!r} is not an http(s) URL; give the store's Graph Store endpoint, "
                "for example http://127.0.0.1:7878/store"
            )
        if parsed.username or parsed.password:
            raise PushError(
                "put credentials in --user/--password or TPBC_KG_PUSH_USER/TPBC_KG_PUSH_PASSWORD, "
                "not in the URL"
            )
        if (self.user is None) != (self.password is None):
            raise PushError(
                "give both a user and a password (--user/--password or TPBC_KG_PUSH_USER/"
                "TPBC_KG_PUSH_PASSWORD), or neither"
            )

    def opener(self) -> urllib.request.OpenerDirector:
        handlers: list[urllib.request.BaseHandler] = []
        if self.user is not None and self.auth == "digest":
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, self.url, self.user, self.password or "")
            handlers.append(urllib.request.HTTPDigestAuthHandler(manager))
        return urllib.request.build_opener(*handlers)

    def headers(self) -> dict[str, str]:
        if self.user is not None and self.auth == "basic":
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
            return {"Authorization": f"Basic {token}"}
        return {}


def graph_url(endpoint: str, graph: str) -> str:
    separator = "&" if urllib.parse.urlsplit(endpoint).query else "?"
    return f"{endpoint}{separator}{urllib.parse.urlencode({'graph': graph})}"


def send(
    target: Target,
    method: str,
    graph: str,
    body: bytes | None = None,
    content_type: str = "application/n-triples",
) -> int:
    """One Graph Store request; the HTTP status, or PushError with the store's answer (never credentials)."""
    headers = {**target.headers()}
    if body is not None:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(graph_url(target.url, graph), data=body, method=method, headers=headers)
    if body and target.user is not None and target.auth == "digest":
        _digest_preflight(target, target.user, request)
    try:
        with target.opener().open(request, timeout=target.timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        raise _refused(error, method, target, graph) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        if body and isinstance(reason, BrokenPipeError | ConnectionResetError):
            # A store that refuses the request may close the connection before reading a large body
            # (Virtuoso without credentials): ask again without one to learn why.
            probe = urllib.request.Request(request.full_url, method="GET", headers=target.headers())
            try:
                target.opener().open(probe, timeout=target.timeout).close()
            except urllib.error.HTTPError as answer:
                if answer.code in (401, 403):
                    raise _refused(answer, method, target, graph) from None
            except (urllib.error.URLError, OSError):
                pass
        raise PushError(
            f"{target.url}: cannot reach the store ({reason}); is it running, is the URL right?"
        ) from None


def _digest_preflight(target: Target, user: str, request: urllib.request.Request) -> None:
    """Digest credentials answer a challenge, which a store sends in a 401. Ask for it with a small GET
    first, so that the large body is sent once, with its Authorization header: a store may close the
    connection on a 401 before reading the body (Virtuoso), which breaks the usual send-then-retry."""
    probe = urllib.request.Request(request.full_url, method="GET")
    try:
        urllib.request.urlopen(probe, timeout=target.timeout).close()
        return  # no challenge: the store does not ask for credentials here
    except urllib.error.HTTPError as error:
        challenge = error.headers.get("WWW-Authenticate", "")
        error.close()
    except (urllib.error.URLError, OSError):
        return  # send() reports the store unreachable
    scheme, _, parameters = challenge.partition(" ")
    if scheme.lower() != "digest":
        return
    manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    manager.add_password(None, target.url, user, target.password or "")
    handler = urllib.request.HTTPDigestAuthHandler(manager)
    values = urllib.request.parse_keqv_list(urllib.request.parse_http_list(parameters))
    authorization = handler.get_authorization(request, values)
    if authorization:
        request.add_unredirected_header("Authorization", f"Digest {authorization}")


def _refused(error: urllib.error.HTTPError, method: str, target: Target, graph: str) -> PushError:
    detail = error.read(300).decode("utf-8", "replace").strip()
    hint = {
        401: "check --user/--password and --auth",
        403: "the user may not write there",
        404: "is this the Graph Store endpoint (Oxigraph: /store)?",
    }.get(error.code, "")
    return PushError(
        f"{method} {target.url} graph <{graph}>: HTTP {error.code} {error.reason}"
        f"{': ' + detail if detail else ''}{'; ' + hint if hint else ''}"
    )


def release_graphs(release: Path | None) -> tuple[Graph, Graph]:
    """(asserted, inferred) of a release folder (its N-Quads) or of the current sources."""
    if release is None:
        from tpbc_kg import api
        from tpbc_kg.release import current_version

        asserted = api.bundled_graph()
        return with_version(asserted, current_version(asserted)), api.inferred_triples()
    path = Path(release) / NQUADS
    if not path.is_file():
        raise PushError(
            f"{release}: not a release folder ({NQUADS} is missing); write one with tpbc-kg release"
        )
    from rdflib import Dataset

    dataset = Dataset()
    try:
        dataset.parse(path, format="nquads")
    except Exception as error:  # rdflib raises several types for a broken file
        raise PushError(f"{path}: cannot read as N-Quads ({error}); write the release again") from None
    asserted, inferred = Graph(), Graph()
    for s, p, o, g in dataset.quads():
        (inferred if g == INFERRED_GRAPH else asserted).add((s, p, o))
    return asserted, inferred


def push(
    target: Target,
    release: Path | None = None,
    graph: str | None = None,
    inferred_graph: str | None = None,
    include_inferred: bool = True,
) -> Iterator[str]:
    """PUT the asserted (and inferred) triples into their named graphs; yields a line per graph."""
    asserted, inferred = release_graphs(release)
    plan = [(graph or str(ASSERTED_GRAPH), asserted, "asserted")]
    if include_inferred:
        plan.append((inferred_graph or str(INFERRED_GRAPH), inferred, "inferred"))
    if len({name for name, _, _ in plan}) < len(plan):
        raise PushError("--graph and --inferred-graph name the same graph; give two different IRIs")
    for name, triples, what in plan:
        status = send(target, "PUT", name, ntriples(triples).encode("utf-8"))
        yield f"{what}: {len(triples)} triples into <{name}> (HTTP {status})"
