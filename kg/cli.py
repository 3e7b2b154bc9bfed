"""The ``kg`` command: ingest, extract, validate, query, lineage, export, load, stats, remove, serve.

Errors a user can act on (:class:`kg.errors.KGError`) print one line, ``error: …``, and exit
non-zero; tracebacks are only for ``--debug``, because the users are analysts, not developers.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from kg.errors import KGError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class KGGroup(click.Group):
    """Routes every failure through one place so messages look alike."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KGError as exc:
            _fail(ctx, exc)
        except Exception as exc:  # noqa: BLE001 — anything else is still one readable line
            _fail(ctx, exc, prefix=f"{type(exc).__name__}: ")


def _fail(ctx: click.Context, exc: BaseException, prefix: str = "") -> None:
    if ctx.obj and ctx.obj.get("debug"):
        traceback.print_exception(exc, file=sys.stderr)
    click.echo(f"error: {prefix}{exc}", err=True)
    ctx.exit(2 if not isinstance(exc, KGError) else 1)


@click.group(cls=KGGroup, context_settings=CONTEXT)
@click.option(
    "--store",
    "store_spec",
    envvar="KG_STORE",
    default=None,
    metavar="PATH",
    help="Store directory (default: $KG_STORE, else var/kg).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.version_option(package_name="pctp-kg", prog_name="kg")
@click.pass_context
def main(ctx: click.Context, store_spec: str | None, debug: bool) -> None:
    """A lineage knowledge graph of Vietnamese crime-prevention policy documents.

    \b
    Example:
      kg ingest data/documents/
      kg lineage 48-CT/TW
      kg query 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
    """
    ctx.ensure_object(dict)
    ctx.obj["store_spec"] = store_spec
    ctx.obj["debug"] = debug


def _open(ctx: click.Context, *, read_only: bool) -> Any:
    from kg.store import open_store

    return open_store(ctx.obj.get("store_spec"), read_only=read_only)


# --------------------------------------------------------------------------- ingest


@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...], quiet: bool) -> None:
    """Read, extract, validate and store documents (files or folders).

    Each document is stored whole or not at all; unchanged files are skipped, changed
    files replace their old facts. Exits 1 if any document failed (the others still go in).

    \b
    Example:
      kg ingest data/documents/ data/facts/extra.ttl
    """
    from kg.pipeline import expand_inputs
    from kg.pipeline import ingest as run_ingest

    files = expand_inputs(paths)
    store = _open(ctx, read_only=False)
    try:
        show_bar = not quiet and sys.stderr.isatty()
        with click.progressbar(
            length=len(files), label="ingesting", file=sys.stderr, hidden=not show_bar
        ) as bar:
            report = run_ingest(paths, store, files=files, progress=lambda _r: bar.update(1))
    finally:
        store.close()
    for doc in report.documents:
        click.echo(doc.summary())
        for warning in doc.warnings:
            click.echo(f"  warning: {warning}")
    counts = report.counts()
    click.echo(", ".join(f"{v} {k}" for k, v in counts.items()), err=True)
    if not report.ok:
        ctx.exit(1)


# --------------------------------------------------------------------------- extract / validate


@main.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["json", "turtle"]), default="json", show_default=True
)
def extract(files: tuple[Path, ...], fmt: str) -> None:
    """Print what would be extracted from documents, without storing anything.

    JSON: one object per file (pretty-printed for a single file, one line each otherwise).

    \b
    Example:
      kg extract report.txt --format json
    """
    from kg.pipeline import extract_files

    extractions = extract_files(files)
    if fmt == "json":
        pretty = len(extractions) == 1
        for ex in extractions:
            click.echo(json.dumps(ex.to_json(), ensure_ascii=False, indent=2 if pretty else None))
        return
    from kg.build import build_graph
    from kg.vocab import bind_prefixes

    for ex in extractions:
        graph = bind_prefixes(build_graph(ex))
        click.echo(f"# {ex.source.path}")
        click.echo(graph.serialize(format="turtle"))


@main.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
def validate(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Extract, build and check documents against the SHACL shapes, without storing.

    Exits 1 if any document violates the shapes.

    \b
    Example:
      kg validate data/documents/*.txt
    """
    from kg.pipeline import default_stages, expand_inputs
    from kg.store import parse_turtle

    stages = default_stages()
    failed = False
    for path in expand_inputs(files):
        if path.suffix.lower() == ".ttl":
            graph = parse_turtle(path.read_bytes(), path)
        else:
            graph = stages.build(stages.extract(stages.read(path)))
        report = stages.validate(graph)
        if report.conforms:
            click.echo(f"ok        {path.name} ({len(graph)} facts)")
        else:
            failed = True
            click.echo(f"invalid   {path.name}")
            click.echo(report.format(path.name))
    if failed:
        ctx.exit(1)


# --------------------------------------------------------------------------- query


def _cell(term: Any) -> str:
    return "" if term is None else str(term)


def format_table(variables: list[str], rows: list[dict[str, Any]]) -> str:
    """A plain aligned text table; wide cells are kept whole (users copy IRIs from it)."""
    cells = [[_cell(r.get(v)) for v in variables] for r in rows]
    widths = [max([len(v), *(len(c[i]) for c in cells)]) for i, v in enumerate(variables)]
    line = lambda vals: "  ".join(s.ljust(w) for s, w in zip(vals, widths, strict=True)).rstrip()  # noqa: E731
    out = [line(variables), line(["-" * w for w in widths])]
    out.extend(line(c) for c in cells)
    return "\n".join(out)


def format_result(result: Any, fmt: str) -> str:
    if result.kind == "graph":
        return result.graph.serialize(format="turtle" if fmt == "table" else "json-ld")
    if fmt == "json":
        return json.dumps(result.to_sparql_json(), ensure_ascii=False, indent=2)
    if result.kind == "ask":
        return "true" if result.boolean else "false"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow([_cell(row.get(v)) for v in result.variables])
        return buf.getvalue().rstrip("\n")
    return format_table(result.variables, result.rows)


@main.command(context_settings=CONTEXT)
@click.argument("sparql", required=False)
@click.option(
    "-f",
    "--file",
    "query_file",
    type=click.File("r", encoding="utf-8"),
    help="Read the query from a file.",
)
@click.option(
    "-n",
    "--named",
    default=None,
    metavar="NAME",
    help="Run a named question from queries/ (see --list).",
)
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A parameter of the named question (bound as an RDF term, never pasted as text).",
)
@click.option("--list", "list_named", is_flag=True, help="List the named questions and exit.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.pass_context
def query(
    ctx: click.Context,
    sparql: str | None,
    query_file: Any,
    named: str | None,
    params: tuple[str, ...],
    list_named: bool,
    fmt: str,
) -> None:
    """Run a SPARQL query over all documents (the default graph is their union).

    \b
    Example:
      kg query 'PREFIX eli: <http://data.europa.eu/eli/ontology#>
                SELECT ?n WHERE { ?i eli:id_local ?n } LIMIT 10'
      kg query -f queries/directives-without-plan.rq --format csv
      kg query -n directives-without-plan -p province="Lai Châu"
    """
    from kg.queries import coerce_params, get_query, load_queries, run

    if list_named:
        for q in load_queries().values():
            args = " ".join(f"{p.name}={p.kind}" + ("" if p.required else "?") for p in q.params)
            click.echo(f"{q.name}  {args}\n    {q.title}")
        return
    values: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.UsageError(f"--param takes KEY=VALUE, not {item!r}")
        values[key.strip()] = value
    if query_file is not None:
        sparql = query_file.read()
    if not sparql and not named:
        raise click.UsageError("give a SPARQL query, -f FILE or -n NAME")
    store = _open(ctx, read_only=True)
    try:
        if named:
            nq = get_query(named)
            result = run(store, nq, coerce_params(store, nq, values))
        else:
            result = store.query(sparql or "")
    finally:
        store.close()
    click.echo(format_result(result, fmt))


# --------------------------------------------------------------------------- lineage

LINEAGE_DEFAULT_LIMIT = 100
LINEAGE_MAX_LIMIT = 5000


@main.command(context_settings=CONTEXT)
@click.argument("notation")
@click.option("--up", is_flag=True, help="Show the chain above (what it implements), not below.")
@click.option("--depth", type=click.IntRange(0, 20), default=5, show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["tree", "json"]), default="tree", show_default=True
)
@click.option(
    "--iri", default=None, help="Pick one instrument when a local notation names several."
)
@click.option("--province", default=None, help="Only this province's local instruments.")
@click.option("--year", type=int, default=None, help="Only local instruments of this year.")
@click.option(
    "--limit",
    # kg.lineage.DEFAULT_LIMIT and MAX_LIMIT (not imported here: it would slow every command)
    type=click.IntRange(1, LINEAGE_MAX_LIMIT),
    default=LINEAGE_DEFAULT_LIMIT,
    show_default=True,
    help="Children shown per node; the tree says '… and N more' for the rest.",
)
@click.pass_context
def lineage(
    ctx: click.Context,
    notation: str,
    up: bool,
    depth: int,
    fmt: str,
    iri: str | None,
    province: str | None,
    year: int | None,
    limit: int,
) -> None:
    """Show what implements an instrument (downstream), or what it implements (--up).

    NOTATION may also be an instrument's or an activity's IRI (an activity: the chain above
    it, with --up). The tree is the one GET /api/lineage/{notation} answers.

    \b
    Example:
      kg lineage 48-CT/TW
      kg lineage 120/KH-UBND --up --format json
      kg lineage 120/KH-UBND --province "Lai Châu" --year 2021
      kg lineage 48-CT/TW --limit 20      # at most 20 children per node
    """
    from kg.lineage import lineage as run_lineage
    from kg.lineage import render_tree

    store = _open(ctx, read_only=True)
    try:
        result = run_lineage(
            store,
            notation,
            direction="up" if up else "down",
            depth=depth,
            iri=iri,
            province=province,
            year=year,
            limit=limit,
        )
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_tree(result))


# --------------------------------------------------------------------------- export / stats / remove


@main.command(context_settings=CONTEXT)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["turtle", "trig", "nquads", "jsonld"]),
    default="nquads",
    show_default=True,
    help="turtle is written as TriG (Turtle with graphs) to keep each document's graph.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
)
@click.pass_context
def export(ctx: click.Context, fmt: str, output: Path | None) -> None:
    """Export the whole store (all graphs).

    \b
    Example:
      kg export --format nquads -o kg.nq
    """
    store = _open(ctx, read_only=True)
    try:
        data = store.export(fmt)
    finally:
        store.close()
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise KGError(f"{output}: cannot write ({exc.strerror or exc})") from exc
        click.echo(f"wrote {len(data)} bytes to {output}", err=True)


@main.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--workers", type=click.IntRange(1, 64), default=None,
    help="Loader threads for a dump of a few million quads (default: one per CPU).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
@click.pass_context
def load(ctx: click.Context, files: tuple[Path, ...], workers: int | None, quiet: bool) -> None:
    """Bulk-load RDF dumps (N-Quads, N-Triples, TriG…, or gzipped) into a new embedded store.

    For moving a store (`kg export --format nquads`) or loading `kg synth` corpora: the
    facts are written as they are, without extraction or SHACL validation, many times
    faster than `kg ingest`. The store must not exist yet; on any error nothing is left.

    \b
    Example:
      kg --store var/national load var/synth/corpus.nq
    """
    from kg.bulk import bulk_load
    from kg.store import resolve_spec

    location = resolve_spec(ctx.obj.get("store_spec"))
    if location.startswith(("sparql+http://", "sparql+https://")):
        raise KGError(
            "kg load fills an embedded store; a SPARQL server has its own bulk loader "
            "(for Virtuoso: ld_dir and rdf_loader_run, see bench/README.md)"
        )
    say = None if quiet else (lambda message: click.echo(message, err=True))
    bulk_load(Path(location), files, workers=workers, progress=say)


@main.command(context_settings=CONTEXT)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def stats(ctx: click.Context, fmt: str) -> None:
    """Count documents, triples, instruments, links, activities, observations and bodies.

    \b
    Example:
      kg stats --format json
    """
    from kg.lineage import store_stats

    store = _open(ctx, read_only=True)
    try:
        counts = store_stats(store)
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps(counts))
    else:
        width = max(len(k) for k in counts)
        for k, v in counts.items():
            click.echo(f"{k.ljust(width)}  {v}")


@main.command(context_settings=CONTEXT)
@click.argument("names", nargs=-1, required=True)
@click.pass_context
def remove(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Remove documents (by file name) and all their facts from the store.

    \b
    Example:
      kg remove report.txt
    """
    store = _open(ctx, read_only=False)
    missing = []
    try:
        for name in names:
            if store.remove_document(Path(name).name):
                click.echo(f"removed   {Path(name).name}")
            else:
                missing.append(name)
    finally:
        store.close()
    for name in missing:
        click.echo(f"error: no document named {name} in the store", err=True)
    if missing:
        ctx.exit(1)


# --------------------------------------------------------------------------- serve


def serve_urls(host: str, port: int) -> list[str]:
    base = f"http://{host}:{port}"
    return [f"{base}{p}" for p in ("/", "/sparql", "/api/lineage/{notation}", "/ontology", "/docs")]


@main.command(context_settings=CONTEXT)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Use 0.0.0.0 to listen on all interfaces.",
)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option(
    "--query-timeout",
    type=float,
    default=None,
    help="Seconds a SPARQL query may run before it is stopped [default: $KG_QUERY_TIMEOUT, else 10].",
)
@click.option(
    "--allow-writes",
    is_flag=True,
    help="Accept SPARQL updates that carry the token in $KG_WRITE_TOKEN (off by default).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Server processes answering side by side [default: $KG_SERVE_WORKERS, else one per CPU].",
)
@click.option(
    "--memory-quads",
    type=click.IntRange(0),
    default=None,
    help="Serve from an in-memory copy of the store when it holds at most this many quads "
    "(about 450 MB per process per 10^6; 0: always from disk) "
    "[default: $KG_MEMORY_QUADS, else 2000000].",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    query_timeout: float | None,
    allow_writes: bool,
    workers: int | None,
    memory_quads: int | None,
) -> None:
    """Serve the browser pages, the SPARQL endpoint and the lineage API over HTTP.

    The store is opened read-only, so `kg ingest` can run while the server is up. The
    server listens on 127.0.0.1 only unless told otherwise; SPARQL updates are refused
    unless --allow-writes is given and the request carries the token.

    A store small enough (--memory-quads) is copied into memory in the background and
    served from there, about twice as fast; the files stay the store of record, and an
    ingest is served from disk until its version is copied (/healthz says which).

    \b
    Example:
      kg serve --port 8000      # then open http://127.0.0.1:8000/
    """
    import os

    import uvicorn

    from api.app import create_app

    if allow_writes and not os.environ.get("KG_WRITE_TOKEN"):
        raise KGError("--allow-writes needs a token: set KG_WRITE_TOKEN")
    processes = serve_workers(workers)
    for url in serve_urls(host, port):
        click.echo(url, err=True)
    if processes == 1:
        app = create_app(
            ctx.obj.get("store_spec"),
            query_timeout=query_timeout,
            allow_writes=allow_writes or None,
            write_token=os.environ.get("KG_WRITE_TOKEN"),
            memory_quads=memory_quads,
        )
        uvicorn.run(app, host=host, port=port, log_level="info")
        return
    # Each process builds its own app from the environment (uvicorn starts them by name).
    os.environ.update(serve_environment(ctx.obj.get("store_spec"), query_timeout, allow_writes))
    if memory_quads is not None:
        os.environ["KG_MEMORY_QUADS"] = str(memory_quads)
    serve_processes(host, port, processes)


def serve_processes(host: str, port: int, processes: int) -> None:
    """uvicorn's multi-process mode, on a listening socket marked as TCP.

    Why not ``uvicorn.run(workers=N)``: it makes its socket without a protocol number, so
    asyncio in the workers does not switch off Nagle's algorithm on the connections, and
    every answer written as headers then body waited for the client's delayed ACK (a
    steady 40 ms per request instead of 2).
    """
    import socket

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        "api.app:create_app", factory=True, workers=processes, host=host, port=port,
        log_level="info",
    )
    plain = config.bind_socket()
    sock = socket.socket(plain.family, plain.type, socket.IPPROTO_TCP, fileno=plain.detach())
    Multiprocess(config, sockets=[sock]).run()


def serve_workers(asked: int | None) -> int:
    """How many server processes: the option, else $KG_SERVE_WORKERS, else one per CPU.

    Why processes: a lineage look-up is Python work that holds the GIL, so one process
    uses one core however many requests wait; each process keeps its own caches.
    """
    import os

    if asked:
        return asked
    try:
        from_env = int(os.environ.get("KG_SERVE_WORKERS", "0"))
    except ValueError:
        from_env = 0
    return max(1, from_env or os.cpu_count() or 1)


def serve_environment(
    store_spec: str | None, query_timeout: float | None, allow_writes: bool
) -> dict[str, str]:
    """The settings create_app reads from the environment, as the command line gave them."""
    from kg.store import resolve_spec

    env = {"KG_STORE": resolve_spec(store_spec)}
    if query_timeout:
        env["KG_QUERY_TIMEOUT"] = str(query_timeout)
    if allow_writes:
        env["KG_ALLOW_WRITES"] = "1"
    return env


# --------------------------------------------------------------------------- eval


@main.command("eval", context_settings=CONTEXT)
@click.argument("gold_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("docs_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Figures only, without the list of misses.")
def evaluate_cmd(gold_dir: Path, docs_dir: Path, quiet: bool) -> None:
    """Score extraction against hand annotations: precision, recall, F1, attribute accuracy.

    GOLD_DIR holds one JSON file per document (shared/eval/GOLD_FORMAT.md); DOCS_DIR holds
    the documents they name. Every miss and false hit is listed.

    \b
    Example:
      kg eval ../shared/eval data/documents
    """
    from kg.evaluate import evaluate
    from kg.extract import extract
    from kg.read import read_document

    try:
        report = evaluate(gold_dir, docs_dir, lambda p: extract(read_document(p)))
    except (FileNotFoundError, ValueError) as exc:
        raise KGError(str(exc)) from exc
    text = report.format()
    if quiet:
        text = text.split("\n\nmisses")[0]
    click.echo(text)


# --------------------------------------------------------------------------- synth / bench


@main.command(context_settings=CONTEXT)
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--scale",
    type=click.Choice(["small", "1e5", "1e6", "1e7"]),
    default="1e5",
    show_default=True,
    help="About how many triples.",
)
@click.option("--no-documents", is_flag=True, help="Write only the RDF (corpus.nq).")
@click.option("--no-rdf", is_flag=True, help="Write only the documents and their truth.")
def synth(out_dir: Path, seed: int, scale: str, no_documents: bool, no_rdf: bool) -> None:
    """Generate a synthetic national corpus (documents with known facts, and N-Quads).

    \b
    Example:
      kg synth var/synth --seed 1 --scale 1e6 --no-documents
    """
    from kg.synth import generate

    report = generate(
        out_dir, seed=seed, scale=scale, write_documents=not no_documents, write_rdf=not no_rdf
    )
    click.echo(
        f"{report.documents} documents, {report.triples} triples in {report.seconds:.1f}s "
        f"→ {out_dir}",
        err=True,
    )


@main.command(context_settings=CONTEXT)
@click.option("--quick", is_flag=True, help="A smaller run (10^5 triples, < 3 minutes).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("bench/results.json"),
    show_default=True,
)
@click.option("--no-virtuoso", is_flag=True, help="Skip the Virtuoso comparison.")
def bench(quick: bool, output: Path, no_virtuoso: bool) -> None:
    """Measure extraction, ingest, bulk load, queries and HTTP load; print a table.

    \b
    Example:
      kg bench --quick
    """
    from kg.bench import render_table, run_bench

    results = run_bench(quick, output, with_virtuoso=not no_virtuoso)
    click.echo(render_table(results))
