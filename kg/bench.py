"""``kg bench``: the figures of issue 7 (scale) and issue 8 item 5 (load), measured side by side.

Every ratio is taken within one run on one machine: the embedded store (pyoxigraph), a private
Virtuoso (:mod:`kg.virtuoso`) and an rdflib in-memory graph answer the same questions over the
same synthetic corpus (:mod:`kg.synth`). Heavy steps run in child processes so that their peak
memory is their own and a runaway baseline can be stopped; every loop is bounded by a count or
a deadline. All traffic goes to 127.0.0.1.

``--quick`` (< 3 min): 10^5 triples, few repetitions, a 15-s load run. Full (< 30 min on two
cores): 10^6 triples for queries and ingest, bulk loads of 10^6 and 10^7, a 60-s load run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib

from kg.errors import KGError
from kg.store import QueryResult

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "data" / "documents"
Log = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    """How big and how long; ``quick`` trades precision for a run under three minutes."""

    quick: bool
    query_scale: str
    load_scales: tuple[str, ...]
    rdflib_scales: tuple[str, ...]
    reps: int
    query_budget: float  # seconds per (engine, query) before repetitions stop
    baseline_timeout: float  # seconds before one rdflib query is abandoned
    extract_docs: int
    ingest_docs: int
    load_seconds: float
    clients: int = 32


QUICK = Plan(True, "1e5", ("1e5",), ("1e5",), 5, 2.0, 6.0, 40, 4, 15.0)
FULL = Plan(False, "1e6", ("1e6", "1e7"), ("1e6",), 25, 15.0, 60.0, 300, 10, 60.0)


# --------------------------------------------------------------------------- small helpers


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); with few samples p99 is the maximum."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def summary_ms(samples: list[float]) -> dict[str, Any]:
    return {
        "n": len(samples),
        "p50_ms": round(percentile(samples, 50) * 1000, 3),
        "p99_ms": round(percentile(samples, 99) * 1000, 3),
    }


def timed_reps(fn: Callable[[], Any], reps: int, budget: float) -> list[float]:
    """One warm-up, then up to ``reps`` timings or until ``budget`` seconds are spent."""
    fn()
    out: list[float] = []
    deadline = time.perf_counter() + budget
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
        if time.perf_counter() > deadline:
            break
    return out


def _child(code: str, timeout: float) -> dict[str, Any]:
    """Run Python in a child; it prints one JSON line. Peak memory is the child's own."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- rdflib as a store


class RdflibStore:
    """Just enough of :class:`kg.store.Store` for queries and lineage on an rdflib Dataset."""

    location = "rdflib:memory"
    read_only = True

    def __init__(self, dataset: rdflib.Dataset) -> None:
        self.ds = dataset

    def query(self, sparql: str, *, default_graph_union: bool = True) -> QueryResult:
        res = self.ds.query(sparql)
        if res.type == "ASK":
            return QueryResult("ask", boolean=bool(res.askAnswer))
        if res.type in ("CONSTRUCT", "DESCRIBE"):
            g = rdflib.Graph()
            for t in res:
                g.add(t)
            return QueryResult("graph", graph=g)
        names = [str(v) for v in res.vars or []]
        rows = [{n: row[i] for i, n in enumerate(names)} for row in res]
        return QueryResult("select", variables=names, rows=rows)

    def document_graphs(self) -> dict[str, Any]:
        return {}

    def count_triples(self) -> int:
        return len(self.ds)

    def refresh(self) -> None: ...

    def close(self) -> None: ...


_FORKED: dict[str, Any] = {}


def _forked_reps(conn: Any, job: Callable[[Any], Any], reps: int, budget: float) -> None:
    try:
        store = _FORKED["factory"]()  # opened in the child: no socket or handle is shared
        conn.send(timed_reps(lambda: job(store), reps, budget))
    except Exception as exc:  # noqa: BLE001 — reported as this engine's failure
        conn.send(f"{type(exc).__name__}: {str(exc)[:200]}")


def forked_reps(
    factory: Callable[[], Any], job: Callable[[Any], Any], plan: Plan
) -> list[float] | str:
    """Time ``job`` in a forked child, stopped at the timeout: one query shape gone wrong
    must not hold the whole run (an engine cannot interrupt a query in progress)."""
    _FORKED["factory"] = factory
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_forked_reps, args=(child, job, plan.reps, plan.query_budget))
    proc.start()
    child.close()
    try:
        if parent.poll(plan.baseline_timeout + plan.query_budget):
            return parent.recv()
        return f"timeout (> {plan.baseline_timeout:.0f} s)"
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)


def _python_build() -> str:
    """How the interpreter was built, as far as a process can see it (is libpython a shared
    library?): extraction is pure Python, and pyenv's default build (no PGO or LTO, a shared
    libpython) ran it about a quarter slower than Debian's (PGO, LTO, libpython linked in)."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return platform.python_compiler()
    linked = "shared libpython" if "libpython" in maps else "libpython linked in"
    return f"{linked}, {platform.python_compiler()}"


# --------------------------------------------------------------------------- steps


def step_corpus(plan: Plan, work: Path, log: Log) -> dict[str, Path]:
    from kg.synth import generate

    out: dict[str, Path] = {}
    for scale in sorted({plan.query_scale, *plan.load_scales}, key=lambda s: float(s)):
        t0 = time.perf_counter()
        rep = generate(work / f"corpus-{scale}", seed=7, scale=scale, write_documents=False)
        log(f"corpus {scale}: {rep.triples} triples, {rep.documents} documents "
            f"({time.perf_counter() - t0:.1f} s)")
        assert rep.rdf_path is not None
        out[scale] = rep.rdf_path
    docs = generate(work / "docs", seed=11, scale="small", write_rdf=False)
    assert docs.documents_dir is not None
    out["documents"] = docs.documents_dir
    return out


def step_extraction(plan: Plan, docs: Path, log: Log) -> dict[str, Any]:
    """MB of text per CPU-second, one core: the whole extraction and its citation-and-link
    core apart; and the synthetic documents scored against their generated truth."""
    from kg.evaluate import evaluate
    from kg.extract import extract
    from kg.read import read_document

    files = sorted(SEEDS.glob("*"))[:5] + sorted(docs.glob("*.txt"))[: plan.extract_docs]
    sources = [read_document(f) for f in files]
    extract(sources[0])  # warm caches (reference data, compiled patterns)
    total = sum(len(s.text.encode("utf-8")) for s in sources)
    t0 = time.process_time()
    for source in sources:
        # each result dropped, as `kg ingest` drops it once stored: holding all of them made
        # the garbage collector walk them again and again (4 % of the time, interleaved runs);
        # the scoring below extracts again, untimed
        extract(source)
    cpu = time.process_time() - t0
    core_cpu = _core_cpu_seconds(sources)
    mb_s = total / 1e6 / cpu if cpu else float("inf")
    core_mb_s = total / 1e6 / core_cpu if core_cpu else float("inf")
    log(f"extraction: {total / 1e6:.2f} MB in {cpu:.2f} s CPU = {mb_s:.2f} MB/s "
        f"(citations and links alone: {core_mb_s:.2f} MB/s)")
    out: dict[str, Any] = {"documents": len(sources), "bytes": total, "cpu_seconds": round(cpu, 3),
                           "mb_per_s": round(mb_s, 3), "core_mb_per_s": round(core_mb_s, 3)}
    truth = docs.parent / "truth"
    if truth.is_dir():
        names = {f.name for f in files}
        scored = Path(tempfile.mkdtemp(prefix="kg-bench-truth-"))
        for t in truth.glob("*.json"):
            if json.loads(t.read_text(encoding="utf-8")).get("doc") in names:
                shutil.copy(t, scored / t.name)
        report = evaluate(scored, docs, lambda p: extract(read_document(p)))
        shutil.rmtree(scored, ignore_errors=True)
        out["synthetic_f1"] = {"instruments": round(report.instruments.f1, 4),
                               "links": round(report.links.f1, 4)}
        log(f"synthetic documents: instruments F1 {report.instruments.f1:.4f}, links F1 {report.links.f1:.4f}")
    return out


def _core_cpu_seconds(sources: list[Any]) -> float:
    """CPU seconds of the citation-and-link core: header, view, citations, resolve, names, links."""
    from kg.citations import find_citations
    from kg.clean import clean
    from kg.header import read_header
    from kg.links import find_links
    from kg.named import find_named
    from kg.resolve import resolve

    t0 = time.process_time()
    for s in sources:
        header = read_header(s.text)
        view = clean(s.text)
        citations = find_citations(view)
        instruments = resolve(citations, header, view.text)
        find_named(view, instruments, citations)
        find_links(view, citations, s.text, own_notation=header.notation)
    return time.process_time() - t0


_OX_LOAD = """
import json, resource, time
from pathlib import Path
from kg.bulk import bulk_load
r=bulk_load(Path({store!r}), [Path({path!r})])
print(json.dumps({{"seconds":r.seconds,"triples":r.quads,"peak_mb":resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024}}))
"""
_RDFLIB_LOAD = """
import json, resource, time, rdflib
t=time.perf_counter(); d=rdflib.Dataset(default_union=True); d.parse({path!r}, format="nquads")
dt=time.perf_counter()-t; n=sum(1 for _ in d.quads((None, None, None, None)))
print(json.dumps({{"seconds":dt,"triples":n,"peak_mb":resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024}}))
"""


def _rate(r: dict[str, Any]) -> dict[str, Any]:
    if "seconds" in r:
        r["triples_per_s"] = round(r["triples"] / r["seconds"])
        r["seconds"] = round(r["seconds"], 2)
        r["peak_mb"] = round(r["peak_mb"])
    return r


def step_bulk_load(plan: Plan, corpora: dict[str, Path], work: Path, log: Log) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for scale in plan.load_scales:
        path = str(corpora[scale])
        store = str(work / f"store-{scale}")
        row = {"embedded": _rate(_child(_OX_LOAD.format(store=store, path=path), 900))}
        if scale in plan.rdflib_scales:
            row["rdflib"] = _rate(_child(_RDFLIB_LOAD.format(path=path), 1200))
        else:
            row["rdflib"] = {"skipped": "rdflib in memory at this size exceeds the time budget"}
        e, r = row["embedded"], row["rdflib"]
        if "triples_per_s" in e and "triples_per_s" in r:
            row["speedup_vs_rdflib"] = round(e["triples_per_s"] / r["triples_per_s"], 1)
        out[scale] = row
        log(f"bulk load {scale}: embedded {e}; rdflib {r}")
        if scale != plan.query_scale:
            shutil.rmtree(store, ignore_errors=True)
    return out


def _pick_params(store: Any) -> dict[str, str]:
    """Parameter values chosen from the data: the busiest directive, province, activity."""
    from kg.lineage import PREFIXES

    def one(sparql: str) -> str:
        rows = store.query(PREFIXES + sparql).rows
        if not rows:
            raise KGError(f"bench: no data for {sparql[:60]}…")
        return str(next(iter(rows[0].values())))

    directive = one(
        "SELECT ?i WHERE { ?x kgo:implements ?i . ?i eli:id_local ?n } "
        "GROUP BY ?i ORDER BY DESC(COUNT(?x)) ?i LIMIT 1"
    )
    notation = one(f"SELECT ?n WHERE {{ <{directive}> eli:id_local ?n }} ORDER BY ?n LIMIT 1")
    province = one(
        "SELECT ?p WHERE { ?d kgo:jurisdiction ?p } GROUP BY ?p ORDER BY DESC(COUNT(?d)) ?p LIMIT 1"
    )
    activity = one(
        "SELECT ?a WHERE { ?a a prov:Activity ; prov:used ?i } ORDER BY ?a LIMIT 1"
    ) if store.query(PREFIXES + "ASK { ?a a prov:Activity ; prov:used ?i }").boolean else one(
        "SELECT ?a WHERE { ?a a prov:Activity } ORDER BY ?a LIMIT 1"
    )
    plan_iri = one(  # a plan that implements something and is implemented in turn
        "SELECT ?i WHERE { ?i kgo:implements ?d ; eli:id_local ?n . ?x kgo:implements ?i } "
        "ORDER BY ?i LIMIT 1"
    )
    plan_notation = one(f"SELECT ?n WHERE {{ <{plan_iri}> eli:id_local ?n }} ORDER BY ?n LIMIT 1")
    return {"directive": directive, "province": province, "activity": activity,
            "notation": notation, "plan_iri": plan_iri, "plan_notation": plan_notation}


def _plan_pool(store: Any, size: int = 200) -> list[tuple[str, str]]:
    """(notation, IRI) of up to ``size`` plans that implement something and are implemented
    in turn: the HTTP runs look up each of them, so the server's answer cache cannot turn
    the measurement into one repeated look-up."""
    from kg.lineage import PREFIXES

    rows = store.query(
        PREFIXES
        + "SELECT ?i (MIN(?n) AS ?notation) WHERE { ?i kgo:implements ?d ; eli:id_local ?n . "
        f"?x kgo:implements ?i }} GROUP BY ?i ORDER BY ?i LIMIT {size}"
    ).rows
    return [(str(r["notation"]), str(r["i"])) for r in rows]


def _query_jobs(params: dict[str, str], quick: bool) -> dict[str, Callable[[Any], Any]]:
    from kg.lineage import lineage
    from kg.queries import load_queries, run

    jobs: dict[str, Callable[[Any], Any]] = {}
    for name, q in sorted(load_queries().items()):
        values = {p.name: params[p.name] for p in q.params if p.name in params}
        jobs[name] = lambda store, q=q, values=values: run(store, q, values)
    jobs["lineage (a plan)"] = lambda store: lineage(
        store, params["plan_notation"], iri=params["plan_iri"]
    )
    if not quick:  # the whole national tree under one directive: a worst case, not a look-up
        jobs["lineage (busiest directive)"] = lambda store: lineage(store, params["notation"])
    return jobs


def step_queries(
    plan: Plan, factories: dict[str, Callable[[], Any]], params: dict[str, str], log: Log
) -> dict[str, Any]:
    out: dict[str, Any] = {"params": params, "queries": {}}
    for name, job in _query_jobs(params, plan.quick).items():
        row: dict[str, Any] = {}
        for engine, factory in factories.items():
            res = forked_reps(factory, job, plan)
            row[engine] = summary_ms(res) if isinstance(res, list) else {"error": res}
        base = row.get("rdflib", {}).get("p50_ms")
        for engine in factories:
            mine = row[engine].get("p50_ms")
            if engine == "rdflib" or not mine:
                continue
            if base:
                row[f"rdflib/{engine}"] = round(base / mine, 1)
            elif str(row.get("rdflib", {}).get("error", "")).startswith("timeout"):
                row[f"rdflib/{engine}"] = f"> {plan.baseline_timeout * 1000 / mine:.0f}"
        out["queries"][name] = row
        log(f"query {name}: " + ", ".join(f"{k}={v}" for k, v in row.items()))
    return out


def step_ingest(plan: Plan, docs: Path, loaded: Path, work: Path, log: Log) -> dict[str, Any]:
    """Per-document ingest (read, check, build, validate, write), extraction done beforehand.

    Extraction does not depend on the store, so leaving it out isolates what could grow with
    the store: the catalogue check, validation and the write. Each document goes into the
    empty store and then into the loaded one, turn by turn, so that a busy machine or a cold
    start weighs on both sides alike; the first document of each side warms up and is not
    counted.
    """
    from kg.pipeline import Stages, default_stages, ingest_document
    from kg.store import OxigraphStore

    real = default_stages()
    files = sorted(docs.glob("*.txt"))[-(plan.ingest_docs + 1) :]
    cache = {src.sha256: real.extract(src) for src in map(real.read, files)}
    stages = Stages(real.read, lambda src: cache[src.sha256], real.build, real.validate)
    stores = {"empty": OxigraphStore(work / "ingest-empty"), "loaded": OxigraphStore(loaded)}
    triples = {label: store.count_triples() for label, store in stores.items()}
    times: dict[str, list[float]] = {label: [] for label in stores}
    try:
        for n, f in enumerate(files):
            for label, store in stores.items():
                res = ingest_document(f, store, stages)
                if res.status not in ("added", "replaced"):
                    raise KGError(f"bench ingest of {f.name}: {res.status} {res.error or ''}")
                if n:
                    times[label].append(res.seconds)
    finally:
        for store in stores.values():
            store.close()
    out: dict[str, Any] = {
        label: {"store_triples": triples[label], **summary_ms(t),
                "mean_ms": round(statistics.mean(t) * 1000, 2)}
        for label, t in times.items()
    }
    out["ratio_loaded_vs_empty"] = round(out["loaded"]["mean_ms"] / out["empty"]["mean_ms"], 3)
    log(f"ingest per document: {out}")
    return out


# --------------------------------------------------------------------------- HTTP


def _serve(store: str, port: int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    kg = Path(sys.executable).with_name("kg")
    cmd = [str(kg)] if kg.exists() else [sys.executable, "-m", "kg.cli"]
    return subprocess.Popen(
        [*cmd, "--store", store, "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


def _wait_http(url: str, seconds: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=5).status_code < 500:
                return
        time.sleep(0.2)
    raise KGError(f"bench: {url} did not answer in {seconds:.0f} s")


def _wait_memory(base: str, seconds: float = 600.0, agreeing: int = 20) -> dict[str, Any]:
    """Wait until the server's in-memory copies are done (or not made): ``agreeing`` answers
    in a row that are neither waiting nor copying, since each server process copies on its
    own and a request reaches any of them."""
    import httpx

    began = time.monotonic()
    in_row, state = 0, "unknown"
    while time.monotonic() - began < seconds:
        state = str(httpx.get(base + "/healthz", timeout=30).json().get("memory"))
        in_row = 0 if state in ("waiting", "copying") else in_row + 1
        if in_row >= agreeing:
            break
        time.sleep(0.05 if in_row else 0.5)
    return {"state": state, "ready_after_s": round(time.monotonic() - began, 1)}


def _stop(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _lineage_request(notation: str, iri: str) -> tuple[str, str, dict[str, str]]:
    from urllib.parse import quote

    return ("GET", f"/api/lineage/{quote(notation, safe='/')}", {"iri": iri})


def _requests(params: dict[str, str]) -> dict[str, tuple[str, str, dict[str, str]]]:

    sparql = (
        "PREFIX eli: <http://data.europa.eu/eli/ontology#> "
        "PREFIX kgo: <https://w3id.org/pctp-kg/ontology#> "
        f"SELECT ?x ?n WHERE {{ ?x kgo:implements <{params['directive']}> . "
        "OPTIONAL { ?x eli:id_local ?n } } LIMIT 50"
    )
    return {
        "lineage": _lineage_request(params["plan_notation"], params["plan_iri"]),
        "search": ("GET", "/api/instruments", {"q": params["notation"].split("/")[0]}),
        "sparql": ("GET", "/sparql", {"query": sparql}),
    }


def single_client(
    base: str, params: dict[str, str], plan: Plan, pool: list[tuple[str, str]]
) -> dict[str, Any]:
    """One client: the same plan again and again (answered from the server's cache after
    the first time), and each plan of ``pool`` once (every answer computed)."""
    import httpx

    method, path, query = _requests(params)["lineage"]
    fresh = iter(_lineage_request(n, i) for n, i in pool)
    with httpx.Client(base_url=base, timeout=60) as client:
        def call(request: tuple[str, str, dict[str, str]]) -> None:
            r = client.request(request[0], request[1], params=request[2])
            r.raise_for_status()

        repeated = timed_reps(lambda: call((method, path, query)), max(plan.reps * 4, 50),
                              plan.query_budget)
        distinct = timed_reps(lambda: call(next(fresh)), len(pool) - 1, plan.query_budget * 4)
    return {**summary_ms(repeated), "distinct_plans": summary_ms(distinct)}


async def _load(
    base: str, params: dict[str, str], plan: Plan, pool: list[tuple[str, str]]
) -> dict[str, Any]:
    """``plan.clients`` keep-alive connections in a loop over the mix until the deadline.

    The client is a few lines of HTTP/1.1 over asyncio streams, not httpx: with 32 clients
    on two cores httpx spent 4-7 ms of CPU per request, more than the server it measured,
    so the figure was the load generator's. Answers are read whole (Content-Length or
    chunked); each request has a 10-s limit, as before.
    """
    from urllib.parse import urlencode, urlsplit

    reqs = _requests(params)
    targets = {k: f"{path}?{urlencode(query)}" for k, (_m, path, query) in reqs.items()}
    lineage_targets = [
        f"{path}?{urlencode(query)}" for _m, path, query in
        (_lineage_request(n, i) for n, i in pool)
    ] or [targets["lineage"]]
    where = urlsplit(base)
    host, port = where.hostname or "127.0.0.1", where.port or 80
    mix = ["lineage"] * 3 + ["search", "sparql"]  # 60 % lineage, 20 % search, 20 % SPARQL
    samples: dict[str, list[float]] = {k: [] for k in reqs}
    errors: dict[str, int] = {k: 0 for k in reqs}
    error_kinds: dict[str, int] = {}
    deadline = time.perf_counter() + plan.load_seconds

    async def read_body(reader: asyncio.StreamReader, head: bytes) -> bool:
        """Read the body; True when the server keeps the connection open."""
        fields = {}
        for line in head.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip().lower()
        if "content-length" in fields:
            await reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding") == "chunked":
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await reader.readexactly(size + 2)
            await reader.readuntil(b"\r\n")
        else:
            await reader.read()
            return False
        return fields.get("connection") != "close"

    async def client_loop(i: int) -> None:
        n = i
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        while time.perf_counter() < deadline:
            kind = mix[n % len(mix)]
            target = lineage_targets[n % len(lineage_targets)] if kind == "lineage" else targets[kind]
            n += 1
            request = f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
            t0 = time.perf_counter()
            why = ""
            try:
                async with asyncio.timeout(10):
                    if conn is None:
                        conn = await asyncio.open_connection(host, port)
                    conn[1].write(request)
                    head = await conn[0].readuntil(b"\r\n\r\n")
                    status = int(head[9:12])
                    if not await read_body(conn[0], head):
                        conn[1].close()
                        conn = None
                if status != 200:
                    why = f"HTTP {status}"
            except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                    ValueError) as exc:
                why = "ReadTimeout" if isinstance(exc, TimeoutError) else type(exc).__name__
                if conn is not None:
                    conn[1].close()
                conn = None
            if not why:
                samples[kind].append(time.perf_counter() - t0)
            else:
                errors[kind] += 1
                error_kinds[why] = error_kinds.get(why, 0) + 1
        if conn is not None:
            conn[1].close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client_loop(i) for i in range(plan.clients)))
    elapsed = time.perf_counter() - t0
    every = [s for v in samples.values() for s in v]
    out: dict[str, Any] = {
        "clients": plan.clients, "seconds": round(elapsed, 1), "served": len(every),
        "errors": sum(errors.values()), "error_kinds": error_kinds,
        "rps": round(len(every) / elapsed, 1), **summary_ms(every),
    }
    for kind, vals in samples.items():
        out[kind] = {"served": len(vals), "errors": errors[kind], "rps": round(len(vals) / elapsed, 1),
                     **summary_ms(vals)}
    return out


def step_http(
    plan: Plan, store_path: Path, params: dict[str, str], docs: Path,
    virtuoso: Any | None, log: Log,
) -> dict[str, Any]:
    from kg.store import OxigraphStore

    out: dict[str, Any] = {}
    reader = OxigraphStore(store_path, read_only=True)
    try:
        pool = _plan_pool(reader)
    finally:
        reader.close()
    out["distinct_plans"] = len(pool)
    with _served(str(store_path), {"KG_MEMORY_QUADS": "0"}) as base:
        out["lineage_api_embedded_disk"] = single_client(base, params, plan, pool)
        log(f"lineage API, embedded, served from disk, one client: {out['lineage_api_embedded_disk']}")
    with _served(str(store_path)) as base:  # the default: served from memory when it fits
        out["memory"] = _wait_memory(base)
        log(f"in-memory copy: {out['memory']}")
        out["lineage_api_embedded"] = single_client(base, params, plan, pool)
        log(f"lineage API, embedded, one client: {out['lineage_api_embedded']}")
        out["load_alone"] = asyncio.run(_load(base, params, plan, pool))
        log(f"load, {plan.clients} clients, {plan.load_seconds:.0f} s: {out['load_alone']}")
        kg = Path(sys.executable).with_name("kg")
        cmd = [str(kg)] if kg.exists() else [sys.executable, "-m", "kg.cli"]
        ingest = subprocess.Popen(
            [*cmd, "--store", str(store_path), "ingest", "-q", str(docs)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            load = asyncio.run(_load(base, params, plan, pool))
            load["ingest_running_at_end"] = ingest.poll() is None
        finally:
            _stop(ingest)
        out["load"] = load
        log(f"load, {plan.clients} clients, {plan.load_seconds:.0f} s with an ingest running: {load}")
    if virtuoso is not None:
        with _served(virtuoso.spec, virtuoso.credentials_env()) as base:
            out["lineage_api_virtuoso"] = single_client(base, params, plan, pool)
            log(f"lineage API, Virtuoso, one client: {out['lineage_api_virtuoso']}")
    return out


@contextlib.contextmanager
def _served(store: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """``kg serve`` on a free port for the time of the block; yields its base URL."""
    from kg.virtuoso import free_port

    port = free_port()
    server = _serve(store, port, env)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(base + "/healthz")
        yield base
    finally:
        _stop(server)


# --------------------------------------------------------------------------- the run


def _terminate(_signum: int, _frame: Any) -> None:
    raise SystemExit(143)  # unwinds through the finally clauses that stop child servers



def run_bench(
    quick: bool = False,
    output: Path | None = None,
    *,
    with_virtuoso: bool = True,
    log: Log = lambda s: print(s, file=sys.stderr, flush=True),
) -> dict[str, Any]:
    """Run every step and return (and write to ``output``) the results."""
    from kg.store import OxigraphStore

    plan = QUICK if quick else FULL
    started = time.perf_counter()
    signal.signal(signal.SIGTERM, _terminate)
    results: dict[str, Any] = {
        "mode": "quick" if quick else "full",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "python_build": _python_build(),
                    "pyoxigraph": ox.__version__, "rdflib": rdflib.__version__},
        "plan": {k: v for k, v in plan.__dict__.items()},
    }
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        work = Path(tmp)
        corpora = step_corpus(plan, work, log)
        results["extraction"] = step_extraction(plan, corpora["documents"], log)
        results["bulk_load"] = step_bulk_load(plan, corpora, work, log)
        store_path = work / f"store-{plan.query_scale}"
        if not store_path.exists():
            _child(_OX_LOAD.format(store=str(store_path), path=str(corpora[plan.query_scale])), 900)

        virtuoso = None
        if with_virtuoso:
            from kg.virtuoso import LocalVirtuoso, VirtuosoUnavailable

            try:
                virtuoso = LocalVirtuoso().start()
                nq = corpora[plan.query_scale]
                t0 = time.perf_counter()
                virtuoso.bulk_load(nq.parent, nq.name)
                dt = time.perf_counter() - t0
                results["bulk_load"][plan.query_scale]["virtuoso"] = {
                    "seconds": round(dt, 2), "method": "ld_dir + rdf_loader_run + checkpoint"}
                log(f"bulk load {plan.query_scale} into Virtuoso: {dt:.1f} s")
            except (VirtuosoUnavailable, KGError) as exc:
                results["virtuoso_error"] = str(exc)
                log(f"Virtuoso skipped: {exc}")
                if virtuoso is not None:
                    virtuoso.stop()
                virtuoso = None
        try:
            factories: dict[str, Callable[[], Any]] = {
                "embedded": lambda: OxigraphStore(store_path, read_only=True)
            }
            if virtuoso is not None:
                from kg.store_sparql import SparqlStore

                spec = virtuoso.spec
                factories["virtuoso"] = lambda: SparqlStore(spec, user="dba", password="dba")
            t0 = time.perf_counter()
            ds = rdflib.Dataset(default_union=True)
            ds.parse(str(corpora[plan.query_scale]), format="nquads")
            log(f"rdflib baseline loaded in {time.perf_counter() - t0:.1f} s")
            baseline = RdflibStore(ds)
            factories["rdflib"] = lambda: baseline
            embedded = factories["embedded"]()
            params = _pick_params(embedded)
            embedded.close()
            results["queries"] = step_queries(plan, factories, params, log)
            results["ingest"] = step_ingest(plan, corpora["documents"], store_path, work, log)
            results["http"] = step_http(
                plan, store_path, results["queries"]["params"], corpora["documents"], virtuoso, log
            )
        finally:
            if virtuoso is not None:
                virtuoso.stop()
    results["seconds"] = round(time.perf_counter() - started, 1)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return results


# --------------------------------------------------------------------------- the table


def _fmt(v: Any) -> str:
    if isinstance(v, dict):
        if "error" in v:
            return str(v["error"])[:28]
        if "p50_ms" in v:
            return f"{v['p50_ms']:.1f} / {v['p99_ms']:.1f}"
    return "" if v is None else str(v)


def render_table(r: dict[str, Any]) -> str:
    """The table for the closing note (Markdown)."""
    m = r["machine"]
    lines = [f"## kg bench ({r['mode']}, {m['cpus']} CPUs, {r.get('seconds', '?')} s)", "",
             f"Python {m['python']} ({m.get('python_build', '?')}), pyoxigraph {m.get('pyoxigraph')}, "
             f"rdflib {m.get('rdflib')}", ""]
    ex = r.get("extraction", {})
    lines += ["| measure | value |", "| --- | --- |",
              f"| extraction, one core | {ex.get('mb_per_s')} MB/s ({ex.get('documents')} documents) |",
              f"| … citations and links alone | {ex.get('core_mb_per_s')} MB/s |",
              f"| synthetic documents vs their truth | F1 instruments {ex.get('synthetic_f1', {}).get('instruments')}, "
              f"links {ex.get('synthetic_f1', {}).get('links')} |"]
    ing = r.get("ingest", {})
    if ing:
        lines.append(
            f"| ingest per document (extraction excluded), empty store | {ing['empty']['mean_ms']} ms mean |")
        lines.append(
            f"| … into a store of {ing['loaded']['store_triples']:,} triples | "
            f"{ing['loaded']['mean_ms']} ms mean (× {ing['ratio_loaded_vs_empty']}) |")
    for scale, row in r.get("bulk_load", {}).items():
        e, b = row.get("embedded", {}), row.get("rdflib", {})
        lines.append(
            f"| bulk load {scale}, embedded | {e.get('seconds')} s, {e.get('triples_per_s', '?'):,} triples/s, "
            f"peak {e.get('peak_mb')} MB |" if "seconds" in e else f"| bulk load {scale}, embedded | {e} |")
        if "seconds" in b:
            lines.append(f"| bulk load {scale}, rdflib | {b['seconds']} s, {b['triples_per_s']:,} triples/s, "
                         f"peak {b['peak_mb']} MB (embedded × {row.get('speedup_vs_rdflib')}) |")
        if "virtuoso" in row:
            lines.append(f"| bulk load {scale}, Virtuoso | {row['virtuoso']['seconds']} s (ld_dir) |")
    http = r.get("http", {})
    if "memory" in http:
        lines.append(f"| in-memory copy of the store in each server process | {http['memory']['state']} "
                     f"after {http['memory']['ready_after_s']} s |")
    for key, label in (("lineage_api_embedded", "embedded"),
                       ("lineage_api_embedded_disk", "embedded served from disk"),
                       ("lineage_api_virtuoso", "Virtuoso")):
        if key in http:
            lines.append(f"| lineage API, one client, {label}, one plan repeated (p50 / p99 ms) "
                         f"| {_fmt(http[key])} |")
            if "distinct_plans" in http[key]:
                lines.append(f"| lineage API, one client, {label}, {http.get('distinct_plans')} "
                             f"plans once each (p50 / p99 ms) | {_fmt(http[key]['distinct_plans'])} |")
    for key, what in (("load_alone", "no ingest"), ("load", "ingest running")):
        load = http.get(key)
        if not load:
            continue
        lines.append(
            f"| {load['clients']} clients, {load['seconds']} s, {what} | {load['served']} served, "
            f"{load['rps']} req/s, {load['errors']} errors, p50 {load['p50_ms']} ms, p99 {load['p99_ms']} ms |")
        for kind in ("lineage", "search", "sparql"):
            k = load[kind]
            lines.append(f"| … {kind} | {k['rps']} req/s, p50 {k['p50_ms']} ms, p99 {k['p99_ms']} ms, "
                         f"{k['errors']} errors |")
    q = r.get("queries", {}).get("queries", {})
    if q:
        engines = [e for e in ("embedded", "virtuoso", "rdflib") if any(e in row for row in q.values())]
        lines += ["", f"Queries at {r['plan']['query_scale']} triples, p50 / p99 ms "
                  "(ratio = rdflib p50 / engine p50):", "",
                  "| query | " + " | ".join(engines) + " | rdflib/embedded | rdflib/virtuoso |",
                  "| --- |" + " --- |" * (len(engines) + 2)]
        for name, row in q.items():
            cells = [_fmt(row.get(e)) for e in engines]
            lines.append(f"| {name} | " + " | ".join(cells)
                         + f" | {row.get('rdflib/embedded', '')} | {row.get('rdflib/virtuoso', '')} |")
    if "virtuoso_error" in r:
        lines += ["", f"Virtuoso not measured: {r['virtuoso_error']}"]
    return "\n".join(lines)
