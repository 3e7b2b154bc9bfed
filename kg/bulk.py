"""Bulk loading RDF dumps into a new embedded store (``kg load``).

Why a path apart from ingest: ingest reads documents, validates their facts and writes each
document in one transaction. A dump (``kg export --format nquads`` of another store, or the
``corpus.nq`` of ``kg synth``) is facts already made and checked; Oxigraph's bulk loader
writes them as sorted files straight into RocksDB, an order of magnitude faster than
transactions, but not atomically: a syntax error half-way leaves half a dump behind. So
``kg load`` only fills a store that does not exist yet (or an empty directory), and on any
failure removes what it wrote, which leaves the location exactly as it was.

Why files are cut in parts: the loader parses on the calling thread and hands batches of
about a million quads to writer threads. A dump of a few million quads is one or two batches,
so parsing and writing take turns and the other cores sit idle. Line-based dumps (N-Quads,
N-Triples) can be cut at line ends and loaded by one loader per core side by side (10^6
triples: 15.6 s → 7.5 s on two cores). Larger dumps keep a single loader, whose own writer
threads already overlap its parsing, and whose memory a second loader would double; so do
dumps with blank nodes, whose labels each loader would rename on its own.
"""

from __future__ import annotations

import gzip
import io
import mmap
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KGError, StoreError

# Oxigraph's bulk loader hands quads to its writer threads in batches of this many.
LOADER_BATCH = 1_000_000
_LINE_FORMATS = (ox.RdfFormat.N_QUADS, ox.RdfFormat.N_TRIPLES)
_SAMPLE_BYTES = 1 << 20
_READ_BUFFER = 1 << 20
_POSITION = re.compile(r"^Parser error (?:at|between) [^:]*: ")


@dataclass(frozen=True)
class LoadReport:
    files: int
    quads: int
    seconds: float


@dataclass(frozen=True)
class Part:
    """A byte range of a dump that starts and ends at a line end."""

    path: Path
    start: int
    end: int


def compressed(path: Path) -> bool:
    """A gzip-compressed dump (``kg.nq.gz``): read through gzip, and never cut in parts."""
    return path.suffix.lower() == ".gz"


def rdf_format(path: Path) -> ox.RdfFormat:
    """The RDF syntax a dump is written in, from its extension (``.nq``, ``.nt``, ``.trig``…,
    each optionally followed by ``.gz``)."""
    suffix = Path(path.stem).suffix if compressed(path) else path.suffix
    fmt = ox.RdfFormat.from_extension(suffix.lstrip("."))
    if fmt is None:
        raise KGError(
            f"{path}: unknown RDF file extension {suffix or '(none)'!r} "
            "(expected .nq, .nt, .trig, .ttl, .jsonld, .rdf, optionally followed by .gz)"
        )
    return fmt


def estimate_lines(path: Path, size: int) -> int:
    """About how many lines (quads, in a line-based dump) the file holds, from its first MB."""
    with path.open("rb") as f:
        sample = f.read(_SAMPLE_BYTES)
    lines = sample.count(b"\n")
    if not sample or lines == 0:
        return 1
    return max(1, size * lines // len(sample))


def split_points(path: Path, size: int, parts: int) -> list[int]:
    """Byte offsets that cut ``path`` into ``parts`` ranges of about equal size, each
    starting just after a line end (so every range is a valid dump on its own)."""
    cuts = [0]
    with path.open("rb") as f:
        for k in range(1, parts):
            f.seek(max(size * k // parts, cuts[-1]))
            f.readline()
            cuts.append(min(f.tell(), size))
    cuts.append(size)
    return sorted(set(cuts))


def plan_parts(path: Path, workers: int) -> list[Part]:
    """The parts a dump is loaded in: one per worker for a line-based dump that holds fewer
    quads than the workers' batches (see the module docstring), otherwise the whole file."""
    size = path.stat().st_size
    if workers < 2 or compressed(path) or rdf_format(path) not in _LINE_FORMATS:
        return [Part(path, 0, size)]
    if estimate_lines(path, size) > workers * LOADER_BATCH or _has_blank_nodes(path):
        return [Part(path, 0, size)]
    cuts = split_points(path, size, workers)
    return [Part(path, a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def _has_blank_nodes(path: Path) -> bool:
    """Could the dump hold a blank node (``_:`` anywhere, even inside a literal)?

    Why it matters: each loader gives the blank node labels it reads fresh identities, so a
    node whose triples fell into two parts would become two nodes. Such dumps load whole.
    """
    if path.stat().st_size == 0:
        return False
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(b"_:") >= 0


class _RangeReader(io.RawIOBase):
    """Reads ``[start, end)`` of a file, so a loader sees its part as a whole file."""

    def __init__(self, part: Part) -> None:
        super().__init__()
        self._file = part.path.open("rb", buffering=0)
        self._file.seek(part.start)
        self._left = part.end - part.start
        self.consumed = 0  # bytes handed to the loader so far (read for progress lines)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        wanted = min(len(buffer), self._left)
        if wanted <= 0:
            return 0
        got = self._file.readinto(memoryview(buffer)[:wanted]) or 0
        self._left -= got
        self.consumed += got
        return got

    def close(self) -> None:
        self._file.close()
        super().close()


def _line_of(part: Part) -> int:
    """How many lines come before ``part`` in its file (counted only to report an error)."""
    lines = 0
    with part.path.open("rb") as f:
        left = part.start
        while left > 0:
            chunk = f.read(min(left, _READ_BUFFER))
            if not chunk:
                break
            lines += chunk.count(b"\n")
            left -= len(chunk)
    return lines


def _describe(part: Part, exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        line = (exc.lineno or 1) + _line_of(part)
        message = _POSITION.sub("", exc.msg or str(exc), count=1)  # the line is given above
        return f"{part.path}:{line}: {message}"
    if isinstance(exc, OSError):
        return f"{part.path}: cannot read ({exc.strerror or exc})"
    return f"{part.path}: {exc}"


def _check_new(location: Path) -> bool:
    """True when ``location`` has to be created; refuses a store that already holds data."""
    if not location.exists():
        return True
    if not location.is_dir():
        raise StoreError(f"store at {location}: path exists but is a file, not a directory")
    if any(location.iterdir()):
        raise StoreError(
            f"store at {location} already exists; `kg load` fills a new store only "
            "(choose another --store, or add documents with `kg ingest`)"
        )
    return False


def _undo(location: Path, created: bool) -> None:
    if created:
        shutil.rmtree(location, ignore_errors=True)
        return
    for child in location.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def bulk_load(
    location: Path,
    files: Sequence[Path],
    *,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
    progress_every: float = 5.0,
) -> LoadReport:
    """Load RDF dumps into a new embedded store at ``location``; all of them or nothing.

    ``progress`` gets a line per file, one every ``progress_every`` seconds while a file
    loads (how much of it has been read: 10^7 triples take a minute and a half), and a
    last one with the count.
    """
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    workers = workers or os.cpu_count() or 1
    for path in files:
        if not path.is_file():
            raise KGError(f"{path}: no such file")
    plans = [(path, rdf_format(path), plan_parts(path, workers)) for path in files]
    created = _check_new(location)
    try:
        location.mkdir(parents=True, exist_ok=True)
        store = ox.Store(str(location))
    except OSError as exc:
        _undo(location, created)
        raise StoreError(f"store at {location}: cannot create it ({exc.strerror or exc})") from exc
    failure: str | None = None
    try:
        for path, fmt, parts in plans:
            say(f"loading {path} ({path.stat().st_size / 1e6:,.1f} MB, {len(parts)} part(s))")
            ticks = None if progress is None else (say, progress_every)
            failure = _load_parts(store, fmt, parts, ticks)
            if failure is not None:
                break
        quads = len(store)
    except BaseException:
        del store
        _undo(location, created)
        raise
    if failure is not None:
        # raised here, with nothing left that holds the store: the RocksDB lock goes with
        # the last reference, and a caller that goes on (a server, a test) can load again
        del store
        _undo(location, created)
        raise KGError(f"{failure}; nothing was loaded")
    seconds = time.perf_counter() - started
    say(f"{quads:,} quads from {len(files)} file(s) in {seconds:.1f} s → {location}")
    return LoadReport(len(files), quads, seconds)


def _load_parts(
    store: ox.Store,
    fmt: ox.RdfFormat,
    parts: list[Part],
    ticks: tuple[Callable[[str], None], float] | None = None,
) -> str | None:
    """Each part by its own loader thread (pyoxigraph releases the GIL while it loads);
    what went wrong first in the file (its line, for a syntax error), or None.

    Failures are kept as text: an exception would keep the loader's frame, and with it the
    store, alive after the load is abandoned."""
    failures: list[tuple[int, str]] = []
    readers = [_RangeReader(part) for part in parts]

    def load(part: Part, raw: _RangeReader) -> None:
        try:
            with io.BufferedReader(raw, _READ_BUFFER) as reader:
                stream = gzip.GzipFile(fileobj=reader) if compressed(part.path) else reader
                store.bulk_load(stream, format=fmt)
        except Exception as exc:  # noqa: BLE001 — reported by the caller, with file and line
            failures.append((part.start, _describe(part, exc)))

    threads = [
        threading.Thread(target=load, args=(part, raw), daemon=True)
        for part, raw in zip(parts, readers, strict=True)
    ]
    for t in threads:
        t.start()
    if ticks is not None:
        _report_while(threads, readers, sum(p.end - p.start for p in parts), *ticks)
    for t in threads:
        t.join()
    return min(failures)[1] if failures else None


def _report_while(
    threads: list[threading.Thread],
    readers: list[_RangeReader],
    total: int,
    say: Callable[[str], None],
    every: float,
) -> None:
    """A line every ``every`` seconds until the loaders finish: the share of the file read
    (each loader writes its last batch after it has read its part)."""
    began = time.perf_counter()
    while not _joined(threads, every):
        done = sum(r.consumed for r in readers)
        doing = "read" if done < total else "read, writing the last batch"
        say(f"  {done / max(total, 1):.0%} {doing} ({done / 1e6:,.1f} MB), "
            f"{time.perf_counter() - began:.0f} s")


def _joined(threads: list[threading.Thread], seconds: float) -> bool:
    """Wait up to ``seconds`` in all for ``threads``; True when all have finished."""
    deadline = time.monotonic() + seconds
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return not any(t.is_alive() for t in threads)
