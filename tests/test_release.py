"""`tpbc-kg release`: the bundle is complete, byte-identical on a second run in another process, carries
its version, and its KGX, SSSOM, VoID and notes say what users rely on; `tpbc-kg diff` names a changed
outcome value in words."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, SKOS, VOID

from tpbc_kg import api
from tpbc_kg.cli import main
from tpbc_kg.namespace import KG, TPBC
from tpbc_kg.release import ASSERTED_GRAPH, INFERRED_GRAPH, build_release

pytestmark = pytest.mark.xdist_group("release")

VERSION = "9.8.7"
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
CLEOPATRA_T2 = KG["outcome-CLEOPATRA-PTD-mPFS-t2"]
PLACEBO_T2 = KG["outcome-CLEOPATRA-placebo-TD-mPFS-t2"]
RETIRED_ARM = KG["arm-RETIRED-test"]
EXPECTED_FILES = {
    "tpbc-kg.ttl",
    "tpbc-kg-inferred.ttl",
    "tpbc-kg.nt",
    "tpbc-kg.nq",
    "tpbc-kg.jsonld",
    "context.jsonld",
    "kgx/nodes.tsv",
    "kgx/edges.tsv",
    "tpbc-kg.sssom.tsv",
    "docs/index.html",
    "void.ttl",
    "RELEASE-NOTES.md",
    "SHA256SUMS",
}


def older_graph() -> Graph:
    """A plausible previous version: CLEOPATRA's Table 2 pertuzumab-arm median PFS read as 18.9, the
    placebo-arm Table 2 outcome not yet curated, and an arm since retired."""
    graph = Graph()
    for triple in api.bundled_graph():
        if PLACEBO_T2 in (triple[0], triple[2]):
            continue
        graph.add(triple)
    graph.set((CLEOPATRA_T2, TPBC.value, Literal("18.9", datatype=XSD.decimal)))
    graph.add((RETIRED_ARM, RDF.type, TPBC.TrialArm))
    graph.add((RETIRED_ARM, RDFS.label, Literal("retired test arm", lang="en")))
    return graph


@pytest.fixture(scope="module")
def previous(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("previous") / "old.ttl"
    older_graph().serialize(path, format="turtle")
    return path


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, previous) -> Path:
    """A release built in this process (the bundled graph is shared with the other tests)."""
    out = tmp_path_factory.mktemp("release") / "r1"
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        build_release(out, VERSION, previous)
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    return out


def shipped() -> set[str]:
    """The canned queries and shapes each release carries."""
    from tpbc_kg.paths import queries_dir, shapes_dir

    found = {f"queries/{p.relative_to(queries_dir()).as_posix()}" for p in queries_dir().glob("**/*.rq")}
    found |= {f"shapes/{p.name}" for p in shapes_dir().glob("*.ttl")}
    return found | {"queries/README.md"}


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_same_sources_give_the_same_bytes_in_another_process(bundle, previous, tmp_path):
    """Another interpreter (another hash seed, other blank-node labels while parsing) writes the same."""
    out = tmp_path / "r2"
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONHASHSEED": "12345", "TPBC_KG_QUIET": "1"}
    command = [
        sys.executable,
        "-m",
        "tpbc_kg.cli",
        "release",
        "-o",
        str(out),
        "--version",
        VERSION,
        "--previous",
        str(previous),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    first, second = files_of(bundle), files_of(out)
    assert set(first) == EXPECTED_FILES | shipped()
    assert first.keys() == second.keys()
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []


def test_checksums_cover_every_file(bundle):
    listed = {}
    for line in (bundle / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert set(listed) == (EXPECTED_FILES | shipped()) - {"SHA256SUMS"}
    assert "queries/trial-outcomes.rq" in listed and "shapes/trials.ttl" in listed
    for name, digest in listed.items():
        assert hashlib.sha256((bundle / name).read_bytes()).hexdigest() == digest, name


def test_every_ontology_carries_the_release_version(bundle):
    graph = Graph().parse(bundle / "tpbc-kg.ttl")
    ontologies = set(graph.subjects(RDF.type, OWL.Ontology))
    assert URIRef("https://w3id.org/tpbc-kg/ontology") in ontologies
    for ontology in ontologies:
        assert set(graph.objects(ontology, OWL.versionInfo)) == {Literal(VERSION)}
        assert set(graph.objects(ontology, OWL.versionIRI)) == {URIRef(f"{ontology}/{VERSION}")}


def test_asserted_and_inferred_are_apart_and_complete(bundle):
    asserted = Graph().parse(bundle / "tpbc-kg.ttl")
    inferred = Graph().parse(bundle / "tpbc-kg-inferred.ttl")
    assert (KG["trial-CLEOPATRA"], TPBC.sampleSize, Literal(808)) in asserted
    assert len(inferred) == len(api.inferred_triples())
    assert not any(triple in asserted for triple in inferred)
    dataset = Dataset()
    dataset.parse(bundle / "tpbc-kg.nq", format="nquads")
    assert len(dataset.graph(ASSERTED_GRAPH)) == len(asserted)
    assert len(dataset.graph(INFERRED_GRAPH)) == len(inferred)
    merged = Graph().parse(bundle / "tpbc-kg.nt", format="nt")
    assert len(merged) == len(asserted) + len(inferred)


def test_jsonld_reads_back_to_the_asserted_graph(bundle):
    document = json.loads((bundle / "tpbc-kg.jsonld").read_text())
    shipped = json.loads((bundle / "context.jsonld").read_text())["@context"]
    assert document["@context"] == shipped
    graph = Graph().parse(bundle / "tpbc-kg.jsonld", format="json-ld")
    assert len(graph) == len(Graph().parse(bundle / "tpbc-kg.ttl"))
    assert (KG["outcome-CLEOPATRA-PTD-mPFS-t1"], TPBC.value, Literal(Decimal("18.7"))) in graph


def test_void_describes_version_licence_sources_and_counts(bundle):
    void = Graph().parse(bundle / "void.ttl")
    asserted = Graph().parse(bundle / "tpbc-kg.ttl")
    inferred = Graph().parse(bundle / "tpbc-kg-inferred.ttl")
    dataset = URIRef(f"https://w3id.org/tpbc-kg/release/{VERSION}/")
    assert (dataset, RDF.type, VOID.Dataset) in void
    assert (dataset, RDF.type, DCAT.Dataset) in void
    assert void.value(dataset, OWL.versionInfo) == Literal(VERSION)
    assert void.value(dataset, DCTERMS.issued) == Literal("2026-01-01", datatype=XSD.date)
    assert void.value(dataset, DCTERMS.license) == URIRef(
        "https://creativecommons.org/publicdomain/zero/1.0/"
    )
    assert KG["source-review"] in set(void.objects(dataset, DCTERMS.source))
    assert int(void.value(dataset, VOID.triples)) == len(asserted) + len(inferred)
    trials = {s for s in asserted.subjects(RDF.type, TPBC.ClinicalTrial) if str(s).startswith(str(KG))}
    partitions = {
        void.value(p, VOID["class"]): int(void.value(p, VOID.entities))
        for p in void.objects(dataset, VOID.classPartition)
    }
    assert partitions[TPBC.ClinicalTrial] == len(trials)
    sums = dict(line.split("  ", 1)[::-1] for line in (bundle / "SHA256SUMS").read_text().splitlines())
    distribution = URIRef(f"{dataset}kgx/edges.tsv")
    checksum = void.value(distribution, URIRef("http://spdx.org/rdf/terms#checksum"))
    assert (
        str(void.value(checksum, URIRef("http://spdx.org/rdf/terms#checksumValue"))) == sums["kgx/edges.tsv"]
    )
    assert int(void.value(distribution, DCAT.byteSize)) == (bundle / "kgx/edges.tsv").stat().st_size


def test_release_notes_name_the_changed_outcome(bundle):
    notes = (bundle / "RELEASE-NOTES.md").read_text()
    assert f"# TPBC-KG {VERSION}" in notes
    assert "Released 2026-01-01" in notes
    row = "| changed | CLEOPATRA, pertuzumab (PTD) arm, median PFS (Table 2) — value | 18.9 | 18.5 | ref 66 |"
    assert row in notes
    assert "retired test arm" in notes


def test_diff_names_changes_by_kind_in_text_markdown_and_json(bundle, previous, capsys):
    assert main(["diff", str(previous), str(bundle)]) == 0
    text = capsys.readouterr().out
    assert "CLEOPATRA median PFS, arm PTD: 18.9 → 18.5 months (ref 66)" in text
    assert "CLEOPATRA median PFS, arm TD: 12.4 months (ref 66)" in text
    outcomes = text[text.index("Outcomes (") :]
    assert outcomes.index("added") < outcomes.index("changed")
    assert "Trials and studies (1 removed, 1 changed)" in text
    assert "CLEOPATRA: has outcome + CLEOPATRA, placebo + TD arm, median PFS (Table 2)\n" in text
    assert main(["diff", str(previous), str(bundle), "-f", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["new_version"] == VERSION
    assert document["summary"]["outcomes"] == {"added": 1, "removed": 0, "changed": 1}
    changed = [c for c in document["changes"] if c["change"] == "changed" and c["kind"] == "outcomes"]
    assert [(c["id"], c["old"], c["new"], c["reference"]) for c in changed] == [
        (str(CLEOPATRA_T2), "18.9", "18.5", "ref 66")
    ]
    assert main(["diff", str(bundle), "working", "--exit-code"]) == 0
    assert "no changes" in capsys.readouterr().out


def test_diff_refuses_what_it_cannot_read(tmp_path, capsys):
    assert main(["diff", str(tmp_path), "working"]) == 2
    assert "not a release folder" in capsys.readouterr().err


def test_release_refuses_a_folder_that_is_not_a_release(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["release", "-o", str(tmp_path), "--version", "1.0.0"]) == 2
    assert "holds no release" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert main(["release", "-o", str(tmp_path / "new"), "--version", "1.0"]) == 2
    assert "X.Y.Z" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


# ------------------------------------------------------------------------------------------------------
# SSSOM
# ------------------------------------------------------------------------------------------------------


def read_sssom(text: str) -> tuple[dict, list[dict[str, str]]]:
    import yaml

    meta = yaml.safe_load("\n".join(line[1:] for line in text.splitlines() if line.startswith("#")))
    body = [line for line in text.splitlines() if line and not line.startswith("#")]
    columns = body[0].split("\t")
    return meta, [dict(zip(columns, line.split("\t"), strict=True)) for line in body[1:]]


def test_sssom_reads_back_to_the_mappings_file(bundle):
    from tpbc_kg.paths import ontology_dir

    meta, rows = read_sssom((bundle / "tpbc-kg.sssom.tsv").read_text())
    assert meta["mapping_set_version"] == VERSION
    assert meta["license"].startswith("https://creativecommons.org/")
    assert meta["mapping_set_id"].startswith("https://")
    mappings = Graph().parse(ontology_dir() / "tpbc-mappings.ttl")
    expected = {
        (s, p, o)
        for p in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch)
        for s, o in mappings.subject_objects(p)
        if str(s).startswith(str(TPBC._NS))
    }

    def expand(curie: str) -> URIRef:
        prefix, local = curie.split(":", 1)
        return URIRef(meta["curie_map"][prefix] + local)

    seen = set()
    for row in rows:
        for column in ("subject_id", "predicate_id", "object_id", "mapping_justification"):
            assert row[column], (column, row)
        assert row["mapping_justification"] == "semapv:ManualMappingCuration"
        assert 0 < float(row["confidence"]) <= 1
        seen.add((expand(row["subject_id"]), expand(row["predicate_id"]), expand(row["object_id"])))
    assert seen == expected
    trial = next(
        r for r in rows if r["subject_id"] == "tpbc:ClinicalTrial" and r["object_id"] == "NCIT:C71104"
    )
    assert (trial["predicate_id"], trial["confidence"], trial["subject_label"]) == (
        "skos:exactMatch",
        "1.0",
        "clinical trial",
    )


def test_sssom_conforms_to_the_sssom_schema(bundle):
    """Columns and metadata keys are SSSOM slots, entity references are CURIEs of the curie_map (or
    SSSOM's built-in prefixes), confidence is in [0, 1]: checked against the schema shipped in the
    sssom-schema package, offline."""
    from importlib import resources

    import yaml

    schema = yaml.safe_load((resources.files("sssom_schema") / "schema" / "sssom_schema.yaml").read_text())
    slots = schema["slots"]
    meta, rows = read_sssom((bundle / "tpbc-kg.sssom.tsv").read_text())
    assert set(meta) <= set(schema["classes"]["mapping set"]["slots"])
    assert set(rows[0]) <= set(schema["classes"]["mapping"]["slots"])
    builtin = {"semapv", "skos", "owl", "rdf", "rdfs", "sssom", "pav", "xsd", "dcterms", "oboInOwl", "linkml"}
    references = [name for name in rows[0] if slots[name].get("range") == "EntityReference"]
    assert {"subject_id", "predicate_id", "object_id", "mapping_justification"} <= set(references)
    for row in rows:
        for name in references:
            if row[name]:
                prefix = row[name].split(":", 1)[0]
                assert prefix in meta["curie_map"] or prefix in builtin, (name, row[name])
        assert (
            slots["confidence"]["minimum_value"]
            <= float(row["confidence"])
            <= slots["confidence"]["maximum_value"]
        )


# ------------------------------------------------------------------------------------------------------
# Ontology documentation
# ------------------------------------------------------------------------------------------------------


def test_docs_show_definitions_domains_examples_and_hierarchy(bundle):
    html = (bundle / "docs/index.html").read_text()
    assert f"<code>https://w3id.org/tpbc-kg/ontology/{VERSION}</code>" in html
    section = html[html.index('<section class="term" id="targets">') :]
    section = section[: section.index("</section>")]
    assert 'Domain</dt><dd><a href="#Drug">drug</a>' in section
    assert "abemaciclib → CDK4" in section  # an example from the graph
    trial = html[html.index('<section class="term" id="ClinicalTrial">') :]
    trial = trial[: trial.index("</section>")]
    assert "CLEOPATRA" in trial and '<a href="#Study">' in trial
    assert '<h2 id="hierarchy">' in html
