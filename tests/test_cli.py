"""The `kg` command through click's CliRunner (fake extractor, real store)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.pipeline import Stages


@pytest.fixture
def run(store_path: Path, use_fake_stages: Stages):
    runner = CliRunner()

    def _run(*args: str):
        return runner.invoke(main, ["--store", str(store_path), *args], catch_exceptions=False)

    return _run


def _count(run) -> int:
    result = run("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "json")
    assert result.exit_code == 0, result.output
    return int(json.loads(result.output)["results"]["bindings"][0]["n"]["value"])


def test_ingest_twice_keeps_the_count(run, write) -> None:
    write("a.txt", "DOC 1/KH-ABC\nCITE 48-CT/TW\nIMPL #document 48-CT/TW\n")
    write("b.txt", "CITE 36-CT/TW\n")
    folder = str(Path(write("c.txt", "CITE 12-CT/TW\n")).parent)
    first = run("ingest", folder)
    assert first.exit_code == 0, first.output
    assert [line.split()[0] for line in first.stdout.splitlines()] == ["added"] * 3
    assert "3 added" in first.stderr
    count = _count(run)
    assert count > 0
    second = run("ingest", folder)
    assert second.exit_code == 0
    assert [line.split()[0] for line in second.stdout.splitlines()] == ["unchanged"] * 3
    assert _count(run) == count


def test_ingest_exit_1_when_one_fails_but_others_go_in(run, write) -> None:
    good = write("good.txt", "CITE 48-CT/TW\n")
    bad = write("bad.txt", "CITE INVALID-9/TW\n")
    result = run("ingest", str(good), str(bad))
    assert result.exit_code == 1
    assert "failed    bad.txt" in result.output and "kgo:NoInvalid" in result.output
    listing = run(
        "query",
        "SELECT ?n WHERE { ?g <https://w3id.org/pctp-kg/ontology#fileName> ?n }",
        "--format",
        "csv",
    )
    assert listing.output.splitlines() == ["n", "good.txt"]


def test_query_formats_and_file(run, write, tmp_path: Path) -> None:
    run("ingest", str(write("a.txt", "CITE 48-CT/TW\n")))
    q = "SELECT ?n WHERE { ?i <http://data.europa.eu/eli/ontology#id_local> ?n }"
    table = run("query", q)
    assert table.output.splitlines()[0].strip() == "n" and "48-CT/TW" in table.output
    qf = tmp_path / "q.rq"
    qf.write_text(q, encoding="utf-8")
    assert run("query", "-f", str(qf), "--format", "csv").output.splitlines() == ["n", "48-CT/TW"]
    assert run("query", "ASK { ?s ?p ?o }").output.strip() == "true"


def test_extract_json_shape(run, write) -> None:
    a = write("a.txt", "DOC 1/KH-ABC\nCITE 48-CT/TW\nIMPL #document 48-CT/TW\n")
    one = run("extract", str(a), "--format", "json")
    assert one.exit_code == 0
    obj = json.loads(one.output)
    assert set(obj) >= {
        "source",
        "document",
        "instruments",
        "relations",
        "activities",
        "observations",
    }
    assert obj["document"]["notation"] == "1/KH-ABC"
    assert obj["instruments"][0]["notation"] == "48-CT/TW"
    assert obj["relations"][0] == {
        "source": "#document",
        "target": "48-CT/TW",
        "type": "implements",
        "evidence": {"start": 27, "end": 50, "text": "IMPL #document 48-CT/TW"},
    }
    b = write("b.txt", "CITE 36-CT/TW\n")
    many = run("extract", str(a), str(b))
    lines = many.output.strip().splitlines()
    assert [json.loads(line)["source"] for line in lines] == [str(a), str(b)]


def test_errors_are_one_line_without_traceback(run, tmp_path: Path) -> None:
    bad = run("query", "SELECT WHERE {")
    assert bad.exit_code != 0
    assert bad.output.startswith("error: SPARQL syntax error")
    assert "Traceback" not in bad.output and len(bad.output.strip().splitlines()) == 1
    afile = tmp_path / "afile"
    afile.write_text("x")
    locked = CliRunner().invoke(main, ["--store", str(afile), "stats"])
    assert (
        locked.exit_code == 1 and "is a file" in locked.output and "Traceback" not in locked.output
    )
    missing = run("ingest", str(tmp_path / "nope.txt"))
    assert (
        missing.exit_code == 1 and "error: " in missing.output and "no such file" in missing.output
    )


def test_debug_shows_traceback(store_path: Path, use_fake_stages: Stages) -> None:
    result = CliRunner().invoke(
        main, ["--store", str(store_path), "--debug", "query", "SELECT WHERE {"]
    )
    assert "Traceback" in result.output and result.exit_code != 0


def test_stats_remove_lineage_export(run, write, tmp_path: Path) -> None:
    run("ingest", str(write("c.txt", "CITE 48-CT/TW\n")))
    run("ingest", str(write("p.txt", "DOC 5/KH-ABC\nCITE 48-CT/TW\nIMPL #document 48-CT/TW\n")))
    stats = json.loads(run("stats", "--format", "json").output)
    assert stats["documents"] == 2 and stats["links"] == 1
    tree = run("lineage", "48-CT/TW")
    assert tree.exit_code == 0 and "[implements] Kế hoạch 5/KH-ABC" in tree.output
    up = json.loads(run("lineage", "5/KH-ABC", "--up", "--format", "json").output)
    assert up["root"]["children"][0]["notation"] == "48-CT/TW"
    out = tmp_path / "dump.nq"
    assert run("export", "--format", "nquads", "-o", str(out)).exit_code == 0
    assert "https://w3id.org/pctp-kg/document/" in out.read_text(encoding="utf-8")
    assert run("remove", "p.txt").exit_code == 0
    assert json.loads(run("stats", "--format", "json").output)["documents"] == 1
    gone = run("remove", "p.txt")
    assert gone.exit_code == 1 and "no document named p.txt" in gone.output


def test_every_command_has_help_with_an_example() -> None:
    runner = CliRunner()
    for name in main.commands:
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.output, name
