"""Nothing half-written: ``kg ingest`` killed at random points, and hostile store locations.

A store officials rely on must never hold half a document. Dozens of ingests are killed with
SIGKILL — after random delays, and inside chosen stages (read, extract, build, validate, the
store transaction, the reference load) — and every store must then open, and hold each
document either exactly as a clean ingest writes it (old or new version) or not at all, with
no graph that the catalogue does not account for. Store locations that are read-only, under
a file, locked by another process, or on a full disk must give one clear error, a non-zero
exit, and leave the store as it was.

The trials run in tests/fault_worker.py, which imports kg once and forks a child per trial
(see its docstring); a few more kill the real ``kg`` command. Seeded: a failure is replayable.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kg.pipeline import ingest as run_ingest
from kg.store import CAT_INGESTED, REFERENCE_GRAPH, OxigraphStore

pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DOCS = ROOT / "data" / "documents"
SEED_A = DOCS / "001_3243a69cd6872860.txt"  # replaced during the batch (old → new)
SEED_B = DOCS / "004_43ab62f24a1e5482.txt"  # already stored, unchanged
SEED_C = DOCS / "002_4abe658bb58cf57f.txt"  # new
FACTS = TESTS / "fixtures" / "shapes" / "valid.ttl"  # a curated fact file
WORKER = TESTS / "fault_worker.py"
KG = Path(sys.executable).parent / "kg"
SEED = int(os.environ.get("KG_FAULT_SEED", "20240817"))

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
Triples = frozenset[tuple[str, str, str]]


# --------------------------------------------------------------------------- the world


@dataclass
class World:
    """Inputs, the clean result of ingesting them, and a store to start trials from."""

    root: Path
    files: list[Path]
    base: Path  # reference data + old version of A + B
    expected: dict[str, Triples] = field(default_factory=dict)  # graph IRI → clean triples
    names: dict[str, str] = field(default_factory=dict)  # graph IRI → document name
    reference_size: int = 0


def graph_triples(store: OxigraphStore, graph: str) -> Triples:
    """A graph's triples, minus the time of ingest (the one thing a re-ingest changes)."""
    rows = store.query(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", default_graph_union=False
    )
    return frozenset(
        (r["s"].n3(), r["p"].n3(), r["o"].n3()) for r in rows if str(r["p"]) != CAT_INGESTED
    )


def named_graphs(store: OxigraphStore) -> dict[str, int]:
    rows = store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
        default_graph_union=False,
    )
    return {str(r["g"]): int(r["n"]) for r in rows}


def _ingest_clean(store_path: Path, files: list[Path]) -> None:
    store = OxigraphStore(store_path)
    try:
        report = run_ingest(files, store)
        assert report.ok, [d.error for d in report.failed]
    finally:
        store.close()


def _record(world: World, store_path: Path) -> None:
    store = OxigraphStore(store_path, read_only=True)
    try:
        for name, entry in store.document_graphs().items():
            world.expected[entry.graph] = graph_triples(store, entry.graph)
            world.names[entry.graph] = name
        world.reference_size = named_graphs(store).get(REFERENCE_GRAPH, 0)
    finally:
        store.close()


def head(source: Path, target: Path, size: int) -> Path:
    """The first lines of a seed, up to ``size`` characters: enough structure, fast to ingest."""
    out, length = [], 0
    for line in source.read_text(encoding="utf-8").splitlines(keepends=True):
        if length + len(line) > size:
            break
        out.append(line)
        length += len(line)
    target.write_text("".join(out), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("faults")
    docs, old = root / "docs", root / "old"
    docs.mkdir()
    old.mkdir()
    files = [
        head(SEED_A, docs / "bao-cao.txt", 4000),
        head(SEED_B, docs / "ke-hoach.txt", 4000),
        head(SEED_C, docs / "chi-thi.txt", 4000),
        Path(shutil.copy(FACTS, docs / "facts.ttl")),
    ]
    a = files[0]
    head(SEED_A, old / a.name, 2500)
    world = World(root, files, root / "base")
    _ingest_clean(root / "clean_new", files)
    _ingest_clean(root / "clean_old", [old / a.name])
    _record(world, root / "clean_new")
    _record(world, root / "clean_old")
    _ingest_clean(world.base, [old / a.name, files[1]])
    return world


def damage(world: World, store_path: Path, *, scenario: str) -> list[str]:
    """What is wrong with a store after a killed ingest (empty list: nothing)."""
    problems: list[str] = []
    try:
        store = OxigraphStore(store_path)  # read-write, as the next ingest would open it
    except Exception as exc:  # noqa: BLE001 — not opening at all is the worst damage
        return [f"store does not open: {exc}"]
    try:
        graphs = named_graphs(store)
        catalogue = store.document_graphs()
        by_graph = {e.graph: name for name, e in catalogue.items()}
        for graph, size in graphs.items():
            if graph == REFERENCE_GRAPH:
                if size != world.reference_size:
                    problems.append(f"reference graph has {size} triples, not {world.reference_size}")
            elif graph not in by_graph:
                problems.append(f"graph {graph} ({size} triples) is in no catalogue entry: half a document")
            elif graph not in world.expected:
                problems.append(f"{by_graph[graph]}: graph {graph} is no clean version")
            elif graph_triples(store, graph) != world.expected[graph]:
                problems.append(f"{by_graph[graph]}: graph {graph} differs from a clean ingest")
            elif world.names[graph] != by_graph[graph]:
                problems.append(f"{graph} catalogued as {by_graph[graph]}, not {world.names[graph]}")
        if scenario == "base":
            for name in ("bao-cao.txt", "ke-hoach.txt"):
                if name not in catalogue:
                    problems.append(f"{name} was stored before the killed ingest and is gone")
    finally:
        store.close()
    return problems


def finish_and_compare(world: World, store_path: Path) -> list[str]:
    """After a crash, a plain re-run must reach exactly the clean state."""
    _ingest_clean(store_path, world.files)
    store = OxigraphStore(store_path, read_only=True)
    try:
        got = {e.graph for e in store.document_graphs().values()}
    finally:
        store.close()
    want = _new_graphs(world)
    return [] if got == want else [f"after re-run: graphs {sorted(got ^ want)} differ"]


def _new_graphs(world: World) -> set[str]:
    store = OxigraphStore(world.root / "clean_new", read_only=True)
    try:
        return {e.graph for e in store.document_graphs().values()}
    finally:
        store.close()


# --------------------------------------------------------------------------- trials


def plan(world: World, rng: random.Random) -> list[dict[str, Any]]:
    """≥ 50 kills: random delays, and entering/leaving/inside every stage."""
    trials_dir = world.root / "trials"
    trials_dir.mkdir()
    kills: list[tuple[str, dict[str, Any]]] = [("base", {"kind": "calibrate"})]
    kills += [("base", {"kind": "delay", "fraction": rng.uniform(0.0, 1.05)}) for _ in range(18)]
    kills += [("fresh", {"kind": "delay", "fraction": rng.uniform(0.0, 1.2)}) for _ in range(6)]
    kills += [("base", {"kind": "delay", "fraction": rng.uniform(0.05, 0.9)}) for _ in range(4)]
    # In the base scenario B is unchanged: read sees A, B, C; extract/build see A, C;
    # validate and store see A, C and the fact file.
    calls = {"read": 3, "extract": 2, "build": 2, "validate": 3, "store": 3}
    for stage, n in calls.items():
        for doc in range(n):
            kills.append(("base", {"kind": "stage", "stage": stage, "doc": doc,
                                   "at": rng.choice(["enter", "exit"])}))
    for _ in range(10):
        kills.append(("base", {"kind": "during", "stage": "store", "doc": rng.randrange(3),
                               "micros": rng.randrange(0, 4000)}))
    for at in ("enter", "exit"):
        kills.append(("fresh", {"kind": "stage", "stage": "reference", "doc": 0, "at": at}))
    for _ in range(5):
        kills.append(("fresh", {"kind": "during", "stage": "reference", "doc": 0,
                                "micros": rng.randrange(0, 20000)}))
    trials = []
    for n, (scenario, kill) in enumerate(kills):
        store = trials_dir / f"t{n:03d}-{scenario}"
        if scenario == "base":
            shutil.copytree(world.base, store)
        trials.append({"store": str(store), "scenario": scenario, "kill": kill})
    return trials


def run_worker(world: World, trials: list[dict[str, Any]]) -> subprocess.Popen[str]:
    plan_file = world.root / "plan.json"
    plan_file.write_text(
        json.dumps({"seed": SEED, "files": [str(f) for f in world.files], "trials": trials}),
        encoding="utf-8",
    )
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(plan_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def kill_cli(world: World, store: Path, delay: float) -> bool:
    """Start the real ``kg ingest`` and SIGKILL it after ``delay`` s; True if it was killed."""
    proc = subprocess.Popen(
        [str(KG), "--store", str(store), "ingest", *map(str, world.files)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return True


def test_sigkill_leaves_every_document_whole_or_absent(world: World) -> None:
    rng = random.Random(SEED)
    trials = plan(world, rng)
    worker = run_worker(world, trials)
    cli_trials = []
    if KG.exists():
        for n in range(6):
            store = world.root / f"cli{n}"
            shutil.copytree(world.base, store)
            cli_trials.append((store, kill_cli(world, store, rng.uniform(0.3, 4.0))))
    out, err = worker.communicate(timeout=150)
    assert worker.returncode == 0, err[-3000:]
    results = [json.loads(line) for line in out.splitlines()]
    assert len(results) == len(trials), err[-3000:]

    failures: dict[str, list[str]] = {}
    killed = 0
    for n, (trial, result) in enumerate(zip(trials, results, strict=True)):
        assert result["exit"] in (None, 0), f"trial {n} {trial['kill']}: exit {result['exit']}\n{err[-2000:]}"
        killed += result["killed"]
        problems = damage(world, Path(trial["store"]), scenario=trial["scenario"])
        if not problems and n % 12 == 0:
            problems = finish_and_compare(world, Path(trial["store"]))
        if problems:
            failures[f"trial {n} {json.dumps(trial['kill'])}"] = problems
    for store, was_killed in cli_trials:
        killed += was_killed
        problems = damage(world, store, scenario="base")
        if problems:
            failures[f"kg ingest killed ({store.name})"] = problems
    survived = len(results) + len(cli_trials) - len(failures)
    print(f"\nfault trials: {len(results) + len(cli_trials)}, killed mid-run: {killed}, "
          f"stores intact: {survived} (seed {SEED})")
    assert failures == {}
    assert killed >= 50, f"only {killed} trials were actually killed mid-run"


def test_damage_is_detected(world: World, tmp_path: Path) -> None:
    """The checker itself: a graph outside the catalogue, or a changed triple, is reported."""
    store_path = tmp_path / "store"
    shutil.copytree(world.base, store_path)
    assert damage(world, store_path, scenario="base") == []
    store = OxigraphStore(store_path)
    try:
        store.ox.update(
            "INSERT DATA { GRAPH <https://w3id.org/pctp-kg/document/half> "
            "{ <urn:a> <urn:b> <urn:c> } }"
        )
        graph = store.document_graphs()["ke-hoach.txt"].graph
        store.ox.update(f"DELETE WHERE {{ GRAPH <{graph}> {{ ?s <{RDFS_LABEL}> ?o }} }}")
    finally:
        store.close()
    problems = damage(world, store_path, scenario="base")
    assert any("half a document" in p for p in problems), problems
    assert any("ke-hoach.txt" in p and "differs" in p for p in problems), problems


# --------------------------------------------------------------------------- store locations


def kg(store: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KG), "--store", str(store), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def fingerprint(store: Path) -> str:
    s = OxigraphStore(store, read_only=True)
    try:
        return hashlib.sha256(
            "\n".join(sorted(s.export("nquads").decode().splitlines())).encode()
        ).hexdigest()
    finally:
        s.close()


def assert_clear_failure(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0, text
    assert "Traceback" not in text, text
    assert any(n in text for n in needles), f"expected one of {needles}:\n{text}"


needs_kg = pytest.mark.skipif(not KG.exists(), reason="the kg command is not installed")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two short documents (heads of seeds B and C): these tests are about the store."""
    folder = tmp_path_factory.mktemp("small")
    return head(SEED_B, folder / SEED_B.name, 3000), head(SEED_C, folder / SEED_C.name, 3000)


@needs_kg
def test_store_path_is_a_file(tmp_path: Path, small: tuple[Path, Path]) -> None:
    path = tmp_path / "store"
    path.write_bytes(b"not a store")
    proc = kg(path, "ingest", str(small[0]))
    assert_clear_failure(proc, "not a directory", "is a file")
    assert path.read_bytes() == b"not a store"


@needs_kg
def test_store_parent_is_a_file(tmp_path: Path, small: tuple[Path, Path]) -> None:
    (tmp_path / "file").write_bytes(b"x")
    proc = kg(tmp_path / "file" / "store", "ingest", str(small[0]))
    assert_clear_failure(proc, "cannot create the directory", "not a directory")


@needs_kg
def test_missing_store_directories_are_created(tmp_path: Path, small: tuple[Path, Path]) -> None:
    """A store that does not exist yet is the first ingest, not an error."""
    store = tmp_path / "a" / "b" / "store"
    proc = kg(store, "ingest", str(small[0]))
    assert proc.returncode == 0, proc.stderr
    assert (store / "CURRENT").exists()


@pytest.fixture
def holder(tmp_path: Path, small: tuple[Path, Path]) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """Another process holding a store open read-write (as a running ingest does)."""
    store = tmp_path / "store"
    _ingest_clean(store, [small[0]])
    proc = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from kg.store import OxigraphStore; s = OxigraphStore(sys.argv[1]); "
         "print('ready', flush=True); time.sleep(60)", str(store)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    yield store, proc
    proc.kill()
    proc.wait()


@needs_kg
def test_store_locked_by_another_process(
    holder: tuple[Path, subprocess.Popen[str]], small: tuple[Path, Path]
) -> None:
    store, proc = holder
    proc_ingest = kg(store, "ingest", str(small[1]))
    assert_clear_failure(proc_ingest, "in use by another process")
    proc.kill()
    proc.wait()
    s = OxigraphStore(store, read_only=True)
    try:
        assert set(s.document_graphs()) == {small[0].name}
    finally:
        s.close()


@needs_kg
def test_two_ingests_at_once_serialise_or_one_is_refused(tmp_path: Path, small: tuple[Path, Path]) -> None:
    store = tmp_path / "store"
    _ingest_clean(store, [FACTS])  # the store exists, so both race for its lock
    procs = {
        doc.name: subprocess.Popen(
            [str(KG), "--store", str(store), "ingest", str(doc)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )
        for doc in small
    }
    outcomes = {name: (p.wait(timeout=120), *p.communicate()) for name, p in procs.items()}
    for _name, (code, out, err) in outcomes.items():
        assert "Traceback" not in out + err
        assert code == 0 or "in use by another process" in out + err, out + err
    ok = {name for name, (code, _, _) in outcomes.items() if code == 0}
    assert ok, "both ingests failed"
    s = OxigraphStore(store, read_only=True)
    try:
        assert set(s.document_graphs()) == ok | {FACTS.name}
    finally:
        s.close()


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True)
    return done.returncode == 0


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "mnt"
    if not _mount_tmpfs(mnt, "6m"):
        pytest.skip("cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@needs_kg
def test_read_only_store(tmpfs: Path, small: tuple[Path, Path]) -> None:
    store = tmpfs / "store"
    _ingest_clean(store, [small[0]])
    before = fingerprint(store)
    remount = subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], capture_output=True)
    if remount.returncode != 0:
        pytest.skip(f"cannot remount read-only: {remount.stderr!r}")
    proc = kg(store, "ingest", str(small[1]))
    assert_clear_failure(proc, "permission denied", "read-only", "not writable")
    assert fingerprint(store) == before


@needs_kg
def test_full_disk(tmpfs: Path, small: tuple[Path, Path]) -> None:
    store = tmpfs / "store"
    _ingest_clean(store, [small[0]])
    before = fingerprint(store)
    filler = tmpfs / "filler"
    with filler.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    proc = kg(store, "ingest", str(small[1]))
    assert_clear_failure(proc, "disk full", "no space left")
    filler.unlink()
    assert fingerprint(store) == before


def test_full_disk_simulated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small: tuple[Path, Path]
) -> None:
    """Wherever a tmpfs cannot be mounted: the write itself fails with ENOSPC."""
    from click.testing import CliRunner

    from kg.cli import main

    store = tmp_path / "store"
    _ingest_clean(store, [small[0]])
    before = fingerprint(store)

    class Full:
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def update(self, *_a: Any, **_k: Any) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

    real = OxigraphStore.ox
    monkeypatch.setattr(OxigraphStore, "ox", property(lambda self: Full(real.fget(self))))
    result = CliRunner().invoke(main, ["--store", str(store), "ingest", str(small[1])])
    monkeypatch.undo()
    assert result.exit_code != 0
    assert "disk full" in result.output, result.output
    assert small[1].name in result.output
    assert "Traceback" not in result.output
    assert fingerprint(store) == before
