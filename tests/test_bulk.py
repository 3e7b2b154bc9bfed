"""``kg load``: a dump cut in parts loads to exactly its quads; a bad dump leaves nothing."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

import kg.bulk as bulk
from kg.bulk import Part, bulk_load, plan_parts, split_points
from kg.cli import main
from kg.errors import KGError, StoreError
from kg.lineage import store_stats
from kg.store import OxigraphStore
from kg.synth import generate


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, seed=3, provinces=2, years=2, scale="small", write_documents=False)
    return out / "corpus.nq"


def _quads(path: Path) -> set[str]:
    """The dump as an in-memory store holds it (the store writes numbers canonically)."""
    reference = ox.Store()
    reference.load(path=str(path), format=ox.RdfFormat.N_QUADS)
    return {str(q) for q in reference}


def _stored(location: Path) -> set[str]:
    return {str(q) for q in ox.Store.read_only(str(location))}


def test_split_points_cut_at_line_ends_and_cover_the_file(dump: Path) -> None:
    data = dump.read_bytes()
    cuts = split_points(dump, len(data), 5)
    assert cuts[0] == 0 and cuts[-1] == len(data) and cuts == sorted(set(cuts))
    assert len(cuts) == 6
    assert all(data[c - 1 : c] == b"\n" for c in cuts[1:-1])
    assert b"".join(data[a:b] for a, b in zip(cuts, cuts[1:], strict=False)) == data


def test_small_line_dumps_are_cut_per_worker_large_or_nested_ones_are_not(
    dump: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(plan_parts(dump, 3)) == 3
    assert len(plan_parts(dump, 1)) == 1
    trig = tmp_path / "same.trig"  # TriG cannot be cut at an arbitrary line end
    trig.write_bytes(ox.serialize(ox.parse(path=str(dump), format=ox.RdfFormat.N_QUADS),
                                  format=ox.RdfFormat.TRIG))
    assert plan_parts(trig, 3) == [Part(trig, 0, trig.stat().st_size)]
    monkeypatch.setattr(bulk, "LOADER_BATCH", 10)  # the dump now fills the loader's batches
    assert len(plan_parts(dump, 3)) == 1


@pytest.mark.parametrize("workers", [1, 3])
def test_loaded_store_holds_exactly_the_dump(dump: Path, tmp_path: Path, workers: int) -> None:
    report = bulk_load(tmp_path / "store", [dump], workers=workers)
    expected = _quads(dump)
    assert report.quads == len(expected) and report.files == 1
    assert _stored(tmp_path / "store") == expected


def test_loaded_store_answers_like_the_documents_it_came_from(dump: Path, tmp_path: Path) -> None:
    bulk_load(tmp_path / "store", [dump], workers=2)
    with OxigraphStore(tmp_path / "store", read_only=True) as store:
        stats = store_stats(store)
        assert stats["documents"] == len(store.document_graphs()) > 10
        assert stats["links"] > 0 and stats["activities"] > 0


def test_syntax_error_names_the_line_and_leaves_no_store(dump: Path, tmp_path: Path) -> None:
    lines = dump.read_bytes().splitlines(keepends=True)
    bad_line = len(lines) * 3 // 4  # in the last of two parts: its line number must be global
    lines[bad_line] = b'<http://example.org/a> <http://example.org/b> "open .\n'
    broken = tmp_path / "broken.nq"
    broken.write_bytes(b"".join(lines))
    with pytest.raises(KGError, match=rf"broken\.nq:{bad_line + 1}: .*nothing was loaded"):
        bulk_load(tmp_path / "store", [dump, broken], workers=2)
    assert not (tmp_path / "store").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(KGError):
        bulk_load(empty, [broken], workers=2)
    assert list(empty.iterdir()) == []


def test_refuses_a_store_that_holds_data_and_leaves_it_untouched(dump: Path, tmp_path: Path) -> None:
    bulk_load(tmp_path / "store", [dump], workers=2)
    before = _stored(tmp_path / "store")
    with pytest.raises(StoreError, match="already exists"):
        bulk_load(tmp_path / "store", [dump])
    assert _stored(tmp_path / "store") == before


def test_cli_loads_reports_and_refuses_clearly(dump: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["--store", str(tmp_path / "s"), "load", str(dump)])
    assert ok.exit_code == 0, ok.output
    assert f"{len(_quads(dump)):,} quads from 1 file(s)" in ok.output
    unknown = tmp_path / "dump.xyz"
    unknown.write_text("x")
    bad = runner.invoke(main, ["--store", str(tmp_path / "t"), "load", str(unknown)])
    assert bad.exit_code == 1 and "unknown RDF file extension '.xyz'" in bad.output
    assert not (tmp_path / "t").exists()
    remote = runner.invoke(main, ["--store", "sparql+http://127.0.0.1:9/sparql", "load", str(dump)])
    assert remote.exit_code == 1 and "ld_dir" in remote.output


def test_progress_lines_tell_how_much_is_read_while_loading(dump: Path, tmp_path: Path) -> None:
    lines: list[str] = []
    bulk_load(tmp_path / "store", [dump], workers=2, progress=lines.append, progress_every=0.001)
    assert lines[0].startswith(f"loading {dump}") and "2 part(s)" in lines[0]
    assert lines[-1].startswith(f"{len(_quads(dump)):,} quads from 1 file(s)")
    shares = [int(line.split("%")[0]) for line in lines[1:-1]]
    assert shares and shares == sorted(shares) and all(0 <= s <= 100 for s in shares)


def test_a_blank_node_split_across_parts_stays_one_node(tmp_path: Path) -> None:
    """Each loader renames the blank node labels it reads, so such a dump is not cut."""
    lines = [f"<http://example.org/s{i}> <http://example.org/p> \"{i}\" <http://example.org/g> .\n"
             for i in range(2000)]
    lines[0] = '_:b <http://example.org/first> "1" <http://example.org/g> .\n'
    lines[-1] = '_:b <http://example.org/last> "2" <http://example.org/g> .\n'
    dump = tmp_path / "blank.nq"
    dump.write_text("".join(lines), encoding="utf-8")
    assert plan_parts(dump, 2) == [Part(dump, 0, dump.stat().st_size)]
    bulk_load(tmp_path / "store", [dump], workers=2)
    store = ox.Store.read_only(str(tmp_path / "store"))
    subjects = {q.subject for q in store if isinstance(q.subject, ox.BlankNode)}
    assert len(subjects) == 1


def test_gzip_dumps_load_and_a_broken_one_leaves_nothing(dump: Path, tmp_path: Path) -> None:
    import gzip

    packed = tmp_path / "corpus.nq.gz"
    packed.write_bytes(gzip.compress(dump.read_bytes()))
    assert plan_parts(packed, 4) == [Part(packed, 0, packed.stat().st_size)]
    bulk_load(tmp_path / "store", [packed], workers=4)
    assert _stored(tmp_path / "store") == _quads(dump)
    cut = tmp_path / "cut.nq.gz"
    cut.write_bytes(packed.read_bytes()[: packed.stat().st_size // 2])
    with pytest.raises(KGError, match=r"cut\.nq\.gz.*nothing was loaded"):
        bulk_load(tmp_path / "other", [cut])
    assert not (tmp_path / "other").exists()
    bulk_load(tmp_path / "other", [dump])  # the failed load let go of the location
    notes = tmp_path / "notes.csv.gz"
    notes.write_bytes(gzip.compress(b"not RDF"))
    with pytest.raises(KGError, match=r"notes\.csv\.gz: unknown RDF file extension '\.csv'"):
        bulk_load(tmp_path / "third", [notes])
