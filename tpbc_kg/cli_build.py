"""`tpbc-kg build`: compile the sources into the knowledge base's store now (otherwise done on first use)."""

from __future__ import annotations

from pathlib import Path

import click

from tpbc_kg.build import Manifest, default_root, ensure_built


def describe_build(folder: Path, manifest: Manifest, built_now: bool) -> str:
    """Where the store is and what it holds, for the terminal."""
    state = f"built in {manifest.build_seconds:.2f} s" if built_now else "up to date"
    return (
        f"knowledge base {state}: {folder}\n"
        f"  asserted triples: {manifest.asserted_triples}\n"
        f"  inferred triples: {manifest.inferred_triples}\n"
        f"  sources: content hash {manifest.content_hash[:16]}, package {manifest.package_version}, "
        f"built {manifest.built_at}\n"
    )


@click.command("build")
@click.option(
    "--store",
    "store",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    envvar="TPBC_KG_STORE",
    help="The folder that holds the builds (default: TPBC_KG_STORE, else the user's cache folder).",
)
@click.option("--force", is_flag=True, help="Rebuild even when a build of the current sources exists.")
def build_command(store: Path | None, force: bool) -> None:
    """Compile the ontology and curated modules into one Oxigraph store: asserted and inferred triples
    in their own named graphs, with a manifest. Every other command does this on first use and whenever
    the sources' content changes; run it ahead (e.g. after `git pull`) to keep the first query fast."""
    folder, built_now = ensure_built(store or default_root(), force=force)
    click.echo(describe_build(folder, Manifest.read(folder), built_now), nl=False)
