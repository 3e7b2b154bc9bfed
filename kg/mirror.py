"""An in-memory copy of the embedded store, kept in step with the disk graph by graph.

Why: on Oxigraph's RocksDB files every triple pattern a query reads costs 35-50 µs, most of
it turning stored term ids back into strings, against about 3 µs in Oxigraph's in-memory
store. A lineage look-up reads a few hundred patterns, so at 10^6 triples the same look-up
takes about twice as long from disk as from memory. A server that has the memory serves
from a copy; the files on disk stay the store of record, and every writer keeps writing
to them alone.

The copy follows the disk one named graph at a time. Each document graph carries its own
catalogue stamp (file name, content hash, time of ingest), and the writers of this project
only ever replace a document's graph whole, with a new stamp, so a graph whose stamp is
unchanged holds the same triples. The reference graph carries the digest of its files. A
SPARQL Update sent through the server can change anything, so it also touches
:data:`CHANGES_GRAPH`, and a new mark there makes the copy start again from nothing.

The one change this cannot see is a graph rewritten with the same stamp: a document
removed and ingested again under the same name, with the same bytes and within the same
second, by a different version of the extractor.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from kg.iri import BASE
from kg.store import CAT_INGESTED, CAT_NAME, CAT_SHA256

CHANGES_GRAPH = BASE + "changes"  # touched by every SPARQL Update that is not an ingest
MODIFIED = "http://purl.org/dc/terms/modified"
DEFAULT_MAX_QUADS = 2_000_000  # about 450 MB of memory per server process

_STAMPS = f"""SELECT ?g ?name ?sha ?at ?modified WHERE {{ GRAPH ?g {{
  {{ ?g <{CAT_SHA256}> ?sha OPTIONAL {{ ?g <{CAT_NAME}> ?name }} OPTIONAL {{ ?g <{CAT_INGESTED}> ?at }} }}
  UNION {{ ?g <{MODIFIED}> ?modified }}
}} }}"""


def changes_mark_update(when: str) -> str:
    """The SPARQL Update that marks an arbitrary change (appended to a user's update)."""
    g = f"<{CHANGES_GRAPH}>"
    stamp = str(ox.Literal(when, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")))
    return (
        f"DELETE WHERE {{ GRAPH {g} {{ {g} <{MODIFIED}> ?old }} }} ;\n"
        f"INSERT DATA {{ GRAPH {g} {{ {g} <{MODIFIED}> {stamp} }} }}"
    )


def graph_stamps(store: ox.Store) -> dict[str, str]:
    """Every named graph of ``store`` and what identifies its content ("" when nothing does).

    Graphs without a stamp are listed too, so that one added or dropped is noticed.
    """
    stamps = {g.value: "" for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
    parts: dict[str, list[str]] = {}
    for row in store.query(_STAMPS, use_default_graph_as_union=False):
        values = [("" if t is None else t.value) for t in row]
        parts.setdefault(values[0], []).append("|".join(values[1:]))
    for graph, found in parts.items():
        stamps[graph] = "\n".join(sorted(found))
    return stamps


@dataclass
class SyncReport:
    """What one :meth:`Mirror.sync` did (for logs and tests)."""

    copied: int = 0  # graphs copied from disk
    dropped: int = 0  # graphs dropped from memory
    rebuilt: bool = False  # started again from nothing
    seconds: float = 0.0
    checking: float = 0.0  # of which finding what changed (counting, reading the stamps)


class Mirror:
    """The in-memory copy of one embedded store, and what each of its graphs was copied as.

    One thread syncs it (:class:`api.sparql.FollowedStore` serves from the files until a
    sync is done). A query still running on the copy when a sync starts keeps the snapshot
    it began with: Oxigraph's in-memory store isolates readers from writers.
    """

    def __init__(self, max_quads: int = DEFAULT_MAX_QUADS) -> None:
        self.max_quads = max_quads
        self.memory: ox.Store | None = None
        self.stamps: dict[str, str] = {}
        self.last = SyncReport()

    def sync(
        self, disk: ox.Store, *, cancelled: Callable[[], bool] = lambda: False
    ) -> ox.Store | None:
        """Bring the copy to the content of ``disk`` and return it; None when the store holds
        more than ``max_quads`` quads (the copy is then let go) or ``cancelled()`` became
        true on the way (the copy is kept, to be finished by the next sync)."""
        began = time.monotonic()
        report = SyncReport()
        if self.max_quads <= 0 or len(disk) > self.max_quads:
            self.memory, self.stamps = None, {}
            return None
        wanted = graph_stamps(disk)
        report.checking = time.monotonic() - began
        if self.memory is None or self.stamps.get(CHANGES_GRAPH) != wanted.get(CHANGES_GRAPH):
            self.memory, self.stamps = ox.Store(), {}
            report.rebuilt = True
        memory = self.memory
        for graph in [g for g, s in self.stamps.items() if wanted.get(g) != s]:
            memory.remove_graph(ox.NamedNode(graph))
            del self.stamps[graph]
            report.dropped += 1
        for graph, stamp in wanted.items():
            if graph in self.stamps:
                continue
            if cancelled():
                self.last = report
                return None
            node = ox.NamedNode(graph)
            memory.bulk_extend(disk.quads_for_pattern(None, None, None, node))
            self.stamps[graph] = stamp
            report.copied += 1
        memory.clear_graph(ox.DefaultGraph())  # nothing of ours lives there; copied whole
        memory.bulk_extend(disk.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        report.seconds = time.monotonic() - began
        self.last = report
        return memory
