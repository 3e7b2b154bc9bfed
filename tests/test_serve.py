"""Serving beside a writer: the store is followed without ever being closed under a request,
slow reopens happen in the background, and `kg serve --workers N` answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from test_lineage import build_world

from api.sparql import FollowedStore
from kg.cli import serve_environment, serve_workers
from kg.store import OxigraphStore

ASK = "ASK { <http://e/s> <http://e/p> <http://e/o> }"
INSERT = "INSERT DATA { GRAPH <http://e/g> { <http://e/s> <http://e/p> <http://e/o> } }"


def _write(path: Path) -> None:
    writer = OxigraphStore(path)
    try:
        writer.ox.update(INSERT)
    finally:
        writer.close()


def _sees_write(store: OxigraphStore) -> bool:
    return bool(store.ox.query(ASK, use_default_graph_as_union=True))


def test_a_reopen_never_leaves_the_store_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = build_world(tmp_path / "store")
    followed = FollowedStore(str(path))
    store = followed.get()
    _write(path)
    seen_while_opening: list[bool] = []
    real = OxigraphStore._open_read_only

    def opening(self: OxigraphStore) -> object:
        if self is not store:  # the fresh instance: the held one must still answer
            seen_while_opening.append(_sees_write(store))
        return real(self)

    monkeypatch.setattr(OxigraphStore, "_open_read_only", opening)
    assert followed.get() is store  # one Store object throughout
    assert seen_while_opening == [False]  # it answered (old version) while the new one opened
    assert _sees_write(store)  # a cheap reopen is done in line: the write is visible at once


def test_a_slow_reopen_runs_in_the_background(tmp_path: Path) -> None:
    path = build_world(tmp_path / "store")
    followed = FollowedStore(str(path))
    followed.INLINE = 0.0  # treat every reopen as slow
    followed.SPACING = 0.0
    store = followed.get()
    _write(path)
    assert followed.get() is store
    deadline = time.monotonic() + 30
    while not _sees_write(store):  # requests go on meanwhile; the swap comes in its own time
        assert time.monotonic() < deadline, "the background reopen never happened"
        time.sleep(0.02)


def test_serve_settings_from_options_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KG_SERVE_WORKERS", raising=False)
    assert serve_workers(3) == 3
    assert serve_workers(None) == max(1, os.cpu_count() or 1)
    monkeypatch.setenv("KG_SERVE_WORKERS", "2")
    assert serve_workers(None) == 2
    env = serve_environment("some/store", 4.0, True)
    assert env == {"KG_STORE": "some/store", "KG_QUERY_TIMEOUT": "4.0", "KG_ALLOW_WRITES": "1"}
    assert serve_environment("s", None, False) == {"KG_STORE": "s"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_with_two_processes_answers_lineage(tmp_path: Path) -> None:
    path = build_world(tmp_path / "store")
    port = _free_port()
    kg = Path(sys.executable).with_name("kg")
    cmd = [str(kg)] if kg.exists() else [sys.executable, "-m", "kg.cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")} | {"KG_QUERY_WORKERS": "1"}
    proc = subprocess.Popen(
        [*cmd, "--store", str(path), "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(base + "/api/lineage/48-CT/TW", params={"limit": 1}, timeout=30)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["root"]["truncated"] == 1
        with httpx.Client(base_url=base, timeout=30) as client:  # every process answers alike
            bodies = {client.get("/api/lineage/48-CT/TW").content for _ in range(6)}
        assert len(bodies) == 1
    finally:
        proc.terminate()
        proc.wait(20)
