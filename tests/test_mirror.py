"""The in-memory copy (kg.mirror): it holds exactly what the files hold, follows them graph by
graph, starts again after an arbitrary update, and a server never answers from an older copy
than the files it follows."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from test_lineage import build_world, doc_a, seed_store_path

from api.app import _marked, create_app
from api.sparql import FollowedStore
from kg import iri
from kg.build import build_graph
from kg.lineage import lineage
from kg.mirror import Mirror
from kg.store import OxigraphStore


def _quads(store: ox.Store) -> set[str]:
    return {str(q) for q in store.quads_for_pattern(None, None, None, None)}


def _disk(path: Path) -> ox.Store:
    return ox.Store.read_only(str(path))


def _wait(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_the_copy_holds_every_quad_of_the_files(tmp_path: Path) -> None:
    path = build_world(tmp_path / "store")
    disk = _disk(path)
    mirror = Mirror()
    memory = mirror.sync(disk)
    assert memory is not None
    assert _quads(memory) == _quads(disk)
    assert mirror.last.rebuilt and mirror.last.copied == len(list(disk.named_graphs()))


def test_a_sync_copies_only_the_graphs_that_changed(tmp_path: Path) -> None:
    path = build_world(tmp_path / "store")
    mirror = Mirror()
    mirror.sync(_disk(path))
    writer = OxigraphStore(path)
    try:
        names = sorted(writer.document_graphs())
        assert len(names) == 3
        writer.remove_document(names[0])
        ex = doc_a()  # the same document under a new name: a new catalogue stamp
        writer.replace_document("renamed.txt", ex.source.sha256, iri.document(ex.source.sha256),
                                build_graph(ex))
    finally:
        writer.close()
    disk = _disk(path)
    memory = mirror.sync(disk)
    assert memory is not None
    assert _quads(memory) == _quads(disk)
    assert not mirror.last.rebuilt
    assert 1 <= mirror.last.copied <= 2 and mirror.last.dropped >= 1  # not the third graph
    again = mirror.sync(disk)
    assert again is memory and mirror.last.copied == mirror.last.dropped == 0


def test_an_update_sent_through_the_server_makes_the_copy_start_again(tmp_path: Path) -> None:
    path = build_world(tmp_path / "store")
    mirror = Mirror()
    mirror.sync(_disk(path))
    graph = next(iter(OxigraphStore(path, read_only=True).document_graphs().values())).graph
    # A triple slipped into a document graph leaves its catalogue stamp as it was.
    writer = OxigraphStore(path)
    try:
        writer.ox.update(_marked(f"INSERT DATA {{ GRAPH <{graph}> {{ <http://e/s> <http://e/p> 1 }} }} ;"))
    finally:
        writer.close()
    disk = _disk(path)
    memory = mirror.sync(disk)
    assert memory is not None and mirror.last.rebuilt
    assert _quads(memory) == _quads(disk)
    assert any("http://e/s" in q for q in _quads(memory))


def test_a_store_larger_than_allowed_is_not_copied(tmp_path: Path) -> None:
    disk = _disk(build_world(tmp_path / "store"))
    mirror = Mirror(max_quads=len(disk) - 1)
    assert mirror.sync(disk) is None and mirror.memory is None
    assert Mirror(max_quads=0).sync(disk) is None


def test_answers_come_from_memory_and_an_ingest_is_seen_at_once(tmp_path: Path) -> None:
    path = tmp_path / "store"
    shutil.copytree(seed_store_path(), path)
    expected = lineage(OxigraphStore(path, read_only=True), "48-CT/TW").to_json()
    followed = FollowedStore(str(path), mirror=Mirror())
    followed.QUIET = 0.05
    followed.INLINE = 60.0  # reopen in line, whatever it costs: the write is seen at once
    store = followed.get()
    _wait(lambda: followed.memory_state() == "serving", "the copy was never served")
    assert store.ox is followed._mirror.memory  # type: ignore[union-attr]
    assert lineage(store, "48-CT/TW").to_json() == expected

    writer = OxigraphStore(path)
    try:
        writer.ox.update("INSERT DATA { GRAPH <http://e/g> { <http://e/s> <http://e/p> <http://e/o> } }")
    finally:
        writer.close()
    ask = "ASK { <http://e/s> <http://e/p> <http://e/o> }"
    assert followed.get() is store
    assert store.query(ask).boolean  # from the files, before any copy of the new version
    _wait(lambda: followed.memory_state() == "serving" and store.ox is followed._mirror.memory,  # type: ignore[union-attr]
          "the new version was never copied")
    assert store.query(ask).boolean
    followed.close()


def test_health_says_where_answers_come_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = build_world(tmp_path / "store")
    monkeypatch.setattr(FollowedStore, "QUIET", 0.05)
    with TestClient(create_app(str(path), memory_quads=1_000_000)) as client:
        _wait(lambda: client.get("/healthz").json()["memory"] == "serving", "never served from memory")
    with TestClient(create_app(str(path), memory_quads=0)) as client:
        assert client.get("/healthz").json()["memory"] == "off"
    with TestClient(create_app(str(path), memory_quads=10)) as client:
        _wait(lambda: client.get("/healthz").json()["memory"] == "too-large", "a big store was copied")
