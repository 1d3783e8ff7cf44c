"""The ontology's mappings (ontology/tpbc-mappings.ttl) as an SSSOM mapping table (TSV with a YAML
metadata block), the format Monarch, OBO and Mondo exchange mappings in.

Every mapping was made by hand and checked against the target vocabulary's release (the comments of
tpbc-mappings.ttl say where), so mapping_justification is semapv:ManualMappingCuration. SSSOM's
confidence is the curators' confidence that the mapping is right, which the SKOS predicate already
grades: exactMatch 1.0 (same meaning), closeMatch 0.9 (interchangeable for most uses), broadMatch /
narrowMatch 0.8 (right, but one side is wider). The rule is stated in the metadata block's comment.
"""

from __future__ import annotations

import datetime as dt

from rdflib import RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from tpbc_kg.namespace import TPBC

MAPPING_SET_ID = "https://w3id.org/tpbc-kg/mappings/tpbc-kg.sssom.tsv"
LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"
PREDICATES = {
    SKOS.exactMatch: ("skos:exactMatch", 1.0),
    SKOS.closeMatch: ("skos:closeMatch", 0.9),
    SKOS.broadMatch: ("skos:broadMatch", 0.8),
    SKOS.narrowMatch: ("skos:narrowMatch", 0.8),
}
CURIE_MAP = {
    "tpbc": str(TPBC._NS),
    "biolink": "https://w3id.org/biolink/vocab/",
    "NCIT": "http://purl.obolibrary.org/obo/NCIT_",
    "SO": "http://purl.obolibrary.org/obo/SO_",
    "CHEBI": "http://purl.obolibrary.org/obo/CHEBI_",
    "ECO": "http://purl.obolibrary.org/obo/ECO_",
    "UO": "http://purl.obolibrary.org/obo/UO_",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "skos": str(SKOS),
    "semapv": "https://w3id.org/semapv/vocab/",
    "obo": "http://purl.obolibrary.org/obo/",
    "infores": "https://w3id.org/infores/",
    "tpbckg": "https://w3id.org/tpbc-kg/",
}
COLUMNS = [
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_source",
    "mapping_justification",
    "confidence",
    "subject_source",
]
# subject_source / object_source are entity references (CURIEs) naming each vocabulary.
_SOURCES = {
    "biolink": "infores:biolink-model",
    "NCIT": "obo:ncit",
    "SO": "obo:so",
    "CHEBI": "obo:chebi",
    "ECO": "obo:eco",
    "UO": "obo:uo",
}
SUBJECT_SOURCE = "tpbckg:ontology"


class UnmappableIri(ValueError):
    """A mapping target outside the namespaces of CURIE_MAP: add its prefix there."""


def to_curie(iri: URIRef) -> str:
    text = str(iri)
    best = ""
    for prefix, namespace in CURIE_MAP.items():
        if text.startswith(namespace) and len(namespace) > len(CURIE_MAP.get(best, "")):
            best = prefix
    if not best:
        raise UnmappableIri(f"{iri}: no SSSOM prefix for this namespace; add it to tpbc_kg.sssom.CURIE_MAP")
    return f"{best}:{text[len(CURIE_MAP[best]) :]}"


def mapping_rows(graph: Graph) -> list[dict[str, str]]:
    """One row per skos mapping of a tpbc: term, sorted."""
    rows = []
    for predicate, (predicate_id, confidence) in PREDICATES.items():
        for subject, obj in graph.subject_objects(predicate):
            if not (isinstance(subject, URIRef) and str(subject).startswith(str(TPBC._NS))):
                continue
            if not isinstance(obj, URIRef):
                continue
            object_id = to_curie(obj)
            label = graph.value(subject, RDFS.label)
            rows.append(
                {
                    "subject_id": to_curie(subject),
                    "subject_label": " ".join(str(label).split()) if label is not None else "",
                    "predicate_id": predicate_id,
                    "object_id": object_id,
                    "object_source": _SOURCES.get(object_id.split(":")[0], ""),
                    "mapping_justification": "semapv:ManualMappingCuration",
                    "confidence": f"{confidence:.1f}",
                    "subject_source": SUBJECT_SOURCE,
                }
            )
    return sorted(rows, key=lambda r: (r["subject_id"], r["predicate_id"], r["object_id"]))


def metadata(version: str, date: dt.date) -> list[str]:
    lines = [
        f"mapping_set_id: {MAPPING_SET_ID}",
        f"mapping_set_version: {version}",
        "mapping_set_title: TPBC-KG ontology mappings to Biolink, NCIt, SO, ChEBI, ECO and UO",
        f"license: {LICENSE}",
        f"mapping_date: {date.isoformat()}",
        "mapping_provider: https://w3id.org/tpbc-kg",
        "comment: Manually curated and checked against each vocabulary's release "
        "(see ontology/tpbc-mappings.ttl). confidence follows the SKOS predicate - exactMatch 1.0, "
        "closeMatch 0.9, broadMatch and narrowMatch 0.8.",
        "curie_map:",
    ]
    lines += [f"  {prefix}: {namespace}" for prefix, namespace in sorted(CURIE_MAP.items())]
    return lines


def sssom_tsv(graph: Graph, version: str, date: dt.date) -> str:
    """The SSSOM TSV: '#'-prefixed YAML metadata, then the table."""
    head = "".join(f"#{line}\n" for line in metadata(version, date))
    table = ["\t".join(COLUMNS)] + ["\t".join(row[c] for c in COLUMNS) for row in mapping_rows(graph)]
    return head + "\n".join(table) + "\n"
