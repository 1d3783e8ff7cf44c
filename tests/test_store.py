"""Stores: the persistent Oxigraph store is built once, reopened as it is, rebuilt when a curated module
changes, and refuses folders it would damage; terms cross between rdflib and Oxigraph unchanged.
(Every canned query giving the same rows on every store is tested in test_queries.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef

from tests.conftest import filled_template
from tpbc_kg import api, store
from tpbc_kg.cli import main
from tpbc_kg.errors import EXIT_BAD_INPUT, EXIT_OK
from tpbc_kg.namespace import KG, TPBC
from tpbc_kg.paths import project_root

TRIAL_TEMPLATE = project_root() / "examples" / "trial.ttl"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"


def _knows(kg: store.QueryStore, node: URIRef) -> bool:
    return kg.sparql(f"ASK {{ <{node}> ?p ?o }}", {}) is True


def _metadata(folder: Path) -> dict:
    return json.loads((folder / store.METADATA_FILE).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "term",
    [
        URIRef("https://w3id.org/tpbc-kg/id/drug-trastuzumab"),
        Literal("trastuzumab"),
        Literal("Herceptin", lang="en"),
        Literal("18.7", datatype=URIRef(XSD_NS + "decimal")),
        Literal("2012", datatype=URIRef(XSD_NS + "gYear")),
        BNode("b1"),
    ],
    ids=repr,
)
def test_terms_cross_between_rdflib_and_oxigraph_unchanged(term):
    assert store.to_rdflib(store.to_oxigraph(term)) == term


def test_a_plain_string_from_oxigraph_is_rdflibs_plain_literal():
    """Oxigraph types every plain string xsd:string; rdflib leaves it untyped. Rows must compare equal."""
    assert store.to_rdflib(ox.Literal("PTEN loss")) == Literal("PTEN loss")


def test_persistent_store_is_built_once_and_reopened_as_it_is(tmp_path):
    folder = tmp_path / "kg"
    rebuilt: list[str] = []
    sources = api.bundled_sources()
    print_ = store.fingerprint(sources, extra=["test"])

    def fill(target: ox.Store) -> None:
        rebuilt.append("built")
        api._fill_store(target)

    first = store.open_persistent(folder, print_, fill)
    triples = len(first)
    assert _knows(first, KG["drug-trastuzumab"])
    assert _metadata(folder) == {
        "fingerprint": print_,
        "format": store.STORE_FORMAT_VERSION,
        "state": "ready",
        "triples": triples,
    }
    del first  # close the database before reopening it
    again = store.open_persistent(folder, print_, fill)
    assert rebuilt == ["built"]
    assert len(again) == triples == len(api.query_graph())


def test_persistent_store_is_rebuilt_when_a_curated_module_changes(project, tmp_path):
    folder = tmp_path / "kg"
    trial = next(Graph().parse(TRIAL_TEMPLATE).subjects(RDF.type, TPBC.ClinicalTrial))
    before = api.store_for(folder)
    assert not _knows(before, trial)
    del before
    api.reload()
    assert main(["add", str(filled_template(TRIAL_TEMPLATE, tmp_path))]) == EXIT_OK  # markers out
    api.reload()
    after = api.store_for(folder)
    assert _knows(after, trial), "the store was not rebuilt after `add` changed a curated module"
    assert _metadata(folder)["triples"] == len(after)


def test_an_unfinished_build_is_redone(tmp_path):
    folder = tmp_path / "kg"
    folder.mkdir()
    (folder / store.METADATA_FILE).write_text('{"state": "building", "format": 1}', encoding="utf-8")
    genes = project_root() / "ontology" / "data" / "genes.ttl"
    opened = store.open_persistent(folder, "genes", lambda target: store.load_files(target, [genes]))
    assert _knows(opened, KG["gene-ERBB2"])
    assert _metadata(folder)["state"] == "ready"


def test_a_folder_holding_something_else_is_refused_untouched(tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(store.StoreError, match="not empty and holds no tpbc-kg store"):
        api.store_for(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_a_file_is_refused(tmp_path):
    path = tmp_path / "kg.ttl"
    path.write_text("", encoding="utf-8")
    with pytest.raises(store.StoreError, match="is a file"):
        api.store_for(path)


def test_cli_store_folder_and_memory_give_the_same_table(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["query", "drugs-bypassing-resistance", "--param", "mechanism=PTEN loss", "--format", "csv"]
    outputs = []
    for choice in ("memory", "oxigraph", str(tmp_path / "kg"), str(tmp_path / "kg")):
        api.query_store.cache_clear()  # the second folder run reopens what the first one built
        assert main([*args, "--store", choice]) == EXIT_OK
        outputs.append(capsys.readouterr().out)
    assert "everolimus" in outputs[0]
    assert outputs[1:] == outputs[:1] * 3
    api.query_store.cache_clear()


def test_cli_store_typo_is_an_error_not_a_new_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["query", "biomarkers", "--store", "oxigrpah"])
    assert code == EXIT_BAD_INPUT
    assert "did you mean oxigraph?" in capsys.readouterr().err
    assert not (tmp_path / "oxigrpah").exists()


def test_unreadable_file_loaded_into_a_store_names_file_and_problem(tmp_path):
    from tpbc_kg.load import InputError

    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.ttl.*syntax error"):
        store.load_files(ox.Store(), [bad])
