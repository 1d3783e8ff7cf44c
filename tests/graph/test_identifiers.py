"""Every identifier in the graph agrees with the reference data in ../shared/reference/ (never memory)."""

from __future__ import annotations

import csv
import gzip

import pytest
from rdflib import RDFS
from rdflib.namespace import SKOS

from tpbc_kg.namespace import KG, TPBC


@pytest.fixture(scope="module")
def hgnc(shared):
    with gzip.open(shared / "reference" / "hgnc_protein_coding.tsv.gz", "rt", encoding="utf-8") as handle:
        return {row["hgnc_id"]: row for row in csv.DictReader(handle, delimiter="\t")}


@pytest.fixture(scope="module")
def drugbank(shared):
    with gzip.open(shared / "reference" / "drugbank_vocabulary.csv.gz", "rt", encoding="utf-8") as handle:
        return {row["DrugBank ID"]: row for row in csv.DictReader(handle)}


def _split(value: str) -> set[str]:
    return {v.strip() for v in value.replace(",", "|").split("|") if v.strip()}


def test_every_gene_has_an_hgnc_id_that_matches_its_symbol(graph, hgnc):
    genes = set(graph.subjects(TPBC.hgncId, None))
    assert KG["gene-ERBB2"] in genes
    for gene in genes:
        hgnc_id = str(graph.value(gene, TPBC.hgncId))
        assert hgnc_id in hgnc, f"{gene}: {hgnc_id} is not an HGNC protein-coding gene"
        row = hgnc[hgnc_id]
        assert str(graph.value(gene, TPBC.hgncSymbol)) == row["symbol"], f"{gene}: symbol differs from HGNC"
        assert str(gene) == str(KG["gene-" + row["symbol"]]), f"{gene}: IRI should be kg:gene-{row['symbol']}"
        for value in graph.objects(gene, TPBC.entrezId):
            assert str(value) == f"NCBIGene:{row['entrez_id']}"
        for value in graph.objects(gene, TPBC.uniprotId):
            assert str(value).removeprefix("UniProtKB:") in _split(row["uniprot_ids"])
        for value in graph.objects(gene, TPBC.ensemblId):
            assert str(value) == f"ENSEMBL:{row['ensembl_gene_id']}"


def test_every_typed_gene_has_an_hgnc_id(graph):
    from rdflib import RDF

    missing = [g for g in graph.subjects(RDF.type, TPBC.Gene) if graph.value(g, TPBC.hgncId) is None]
    missing += [
        g for g in graph.subjects(RDF.type, TPBC.SecretedFactor) if graph.value(g, TPBC.hgncId) is None
    ]
    assert not missing


@pytest.mark.parametrize(
    "symbol, hgnc_id",
    [("ERBB2", "HGNC:3430"), ("ABCB1", "HGNC:40")],
    ids=["HER2", "MDR1-is-ABCB1-not-TBC1D9"],
)
def test_known_groundings(graph, symbol, hgnc_id):
    assert str(graph.value(KG["gene-" + symbol], TPBC.hgncId)) == hgnc_id


def test_drugbank_ids_match_the_drug_name(graph, drugbank):
    drugs = set(graph.subjects(TPBC.drugbankId, None))
    assert KG["drug-trastuzumab"] in drugs
    for drug in drugs:
        db_id = str(graph.value(drug, TPBC.drugbankId)).removeprefix("DRUGBANK:")
        assert db_id in drugbank, f"{drug}: {db_id} is not in the DrugBank vocabulary"
        row = drugbank[db_id]
        names = {row["Common name"].casefold()} | {s.strip().casefold() for s in row["Synonyms"].split("|")}
        ours = {str(graph.value(drug, RDFS.label)).casefold()} | {
            str(a).casefold() for a in graph.objects(drug, SKOS.altLabel)
        }
        assert names & ours, f"{drug}: none of its names match DrugBank {db_id} ({row['Common name']})"
        for unii in graph.objects(drug, TPBC.uniiId):
            assert str(unii) == f"UNII:{row['UNII']}"
        for cas in graph.objects(drug, TPBC.casNumber):
            assert str(cas) == f"CAS:{row['CAS']}"


def test_reactome_ids_exist_in_the_2025_release(graph, shared):
    with open(shared / "reference" / "reactome_pathways_human.tsv", encoding="utf-8") as handle:
        known = {row["stable_id"] for row in csv.DictReader(handle, delimiter="\t")}
    used = {str(v).removeprefix("REACT:") for v in graph.objects(None, TPBC.reactomeId)}
    assert used, "pathways should be grounded in Reactome where it has a match"
    assert used <= known, f"unknown Reactome IDs: {sorted(used - known)}"


def test_nct_numbers_match_the_verified_list(graph, shared):
    with open(shared / "reference" / "trial_nct_verified.tsv", encoding="utf-8") as handle:
        verified = {
            row["acronym"].casefold(): row["nct_id"] for row in csv.DictReader(handle, delimiter="\t")
        }
    for trial, nct in graph.subject_objects(TPBC.nctId):
        names = (
            {str(graph.value(trial, RDFS.label)).casefold()}
            | {str(a).casefold() for a in graph.objects(trial, SKOS.altLabel)}
            | {str(a).casefold() for a in graph.objects(trial, TPBC.acronym)}
        )
        expected = {verified[n] for n in names if n in verified}
        assert expected == {str(nct)}, f"{trial}: {nct} is not the verified number for {sorted(names)}"
    assert str(graph.value(KG["trial-CLEOPATRA"], TPBC.nctId)) == "NCT00567190"
