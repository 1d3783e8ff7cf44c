"""Stores: the persistent Oxigraph store is built once, reopened as it is, rebuilt when a curated module
changes, and refuses folders it would damage; terms cross between rdflib and Oxigraph unchanged.
(Every canned query giving the same rows on every store is tested in test_queries.py.)"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef

from tpbc_kg import api, build, kb, store
from tpbc_kg.cli import main
from tpbc_kg.errors import EXIT_BAD_INPUT, EXIT_OK
from tpbc_kg.namespace import KG, TPBC
from tpbc_kg.paths import project_root

TRIAL_TEMPLATE = project_root() / "examples" / "trial.ttl"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"


def _knows(kg: store.QueryStore, node: URIRef) -> bool:
    return kg.sparql(f"ASK {{ <{node}> ?p ?o }}", {}) is True


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


def _builds(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if (p / build.MANIFEST).is_file())


@pytest.fixture(scope="module")
def built_root(tmp_path_factory) -> Path:
    """A store root with one build of the bundled sources, shared by the tests that only read it."""
    root = tmp_path_factory.mktemp("kb") / "kg"
    kb.open_kb(root, say=None)
    return root


def test_store_is_built_once_and_reopened_as_it_is(built_root):
    (folder,) = _builds(built_root)
    stamp = (folder / build.MANIFEST).stat().st_mtime_ns
    first = kb.open_kb(built_root, say=None)
    assert _knows(first, KG["drug-trastuzumab"])
    manifest = build.Manifest.read(folder)
    assert manifest.content_hash == build.content_hash()
    assert manifest.asserted_triples == len(api.bundled_graph())
    assert manifest.inferred_triples == len(api.inferred_triples())
    again = kb.open_kb(built_root, say=None)  # a second reader, while the first is still open
    assert len(again) == len(first) == len(api.query_graph())
    assert _builds(built_root) == [folder] and (folder / build.MANIFEST).stat().st_mtime_ns == stamp


def test_store_is_opened_read_only(built_root):
    opened = kb.open_kb(built_root, say=None)
    with pytest.raises((RuntimeError, OSError), match="read-write"):
        opened.store.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")


def test_default_dataset_is_asserted_plus_inferred(built_root):
    union = kb.open_kb(built_root, say=None)
    curated = kb.open_kb(built_root, asserted_only=True, say=None)
    question = "ASK { kg:drug-trastuzumab a tpbc:Drug }"
    assert union.sparql(question) is True
    assert curated.sparql(question) is False  # curated as a monoclonal antibody, a Drug by inference
    assert len(union) == len(curated) + len(api.inferred_triples())


def test_a_build_folder_is_opened_as_it_is(built_root):
    (folder,) = _builds(built_root)
    pinned = kb.open_kb(folder, say=None)
    assert pinned.location == folder and _knows(pinned, KG["drug-trastuzumab"])


def test_a_corrupt_build_is_set_aside_rebuilt_and_named(built_root, tmp_path):
    import shutil

    root = tmp_path / "kg"
    shutil.copytree(built_root, root)
    (folder,) = _builds(root)
    for path in (folder / build.DATA_FOLDER).iterdir():
        if path.is_file():
            path.write_bytes(b"not a database")
    said: list[str] = []
    reopened = kb.open_kb(root, say=said.append)
    assert _knows(reopened, KG["drug-trastuzumab"])
    assert any("could not be read" in message and "rebuilding" in message for message in said)


def test_an_interrupted_build_leaves_no_usable_looking_store(tmp_path, monkeypatch):
    root = tmp_path / "kg"

    def crash(folder: Path, files: object = None) -> build.Manifest:
        folder.mkdir(parents=True)
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "compile_store", crash)
    with pytest.raises(KeyboardInterrupt):
        build.ensure_built(root)
    assert _builds(root) == []
    monkeypatch.undo()
    folder, built_now = build.ensure_built(root)
    assert built_now and _builds(root) == [folder]
    assert not [p for p in root.iterdir() if p.name.startswith(".building-")]


def test_store_is_rebuilt_when_a_curated_module_changes(project, tmp_path):
    root = tmp_path / "kg"
    trial = next(Graph().parse(TRIAL_TEMPLATE).subjects(RDF.type, TPBC.ClinicalTrial))
    before = api.store_for(root)
    assert not _knows(before, trial)
    api.reload()
    assert main(["add", str(TRIAL_TEMPLATE)]) == EXIT_OK
    api.reload()
    after = api.store_for(root)
    assert _knows(after, trial), "the store was not rebuilt after `add` changed a curated module"
    assert build.ready_build(root, build.content_hash()) is not None


def test_a_folder_holding_something_else_is_refused_untouched(tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(build.StoreError, match="not empty and holds no tpbc-kg store"):
        api.store_for(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_a_file_is_refused(tmp_path):
    path = tmp_path / "kg.ttl"
    path.write_text("", encoding="utf-8")
    with pytest.raises(build.StoreError, match="is a file"):
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


def test_concurrent_processes_share_one_store(tmp_path):
    """A terminal, a notebook and a server started at once on a new store folder: one builds (under the
    lock), the others wait and then read the same build; all answer."""
    import subprocess
    import sys

    root = tmp_path / "shared-kg"
    command = [
        sys.executable, "-m", "tpbc_kg.cli", "sparql", "ASK { kg:drug-tucatinib a tpbc:HER2TargetedDrug }",
        "--store", str(root),
    ]  # fmt: skip
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)
    ]
    outputs = [p.communicate(timeout=600) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], [err for _, err in outputs]
    assert [out.strip() for out, _ in outputs] == ["true"] * 3
    assert len(_builds(root)) == 1
    assert sum("building the knowledge base" in err for _, err in outputs) == 1
