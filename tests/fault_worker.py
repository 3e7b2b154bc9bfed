"""Run ``kg ingest`` trials that die by SIGKILL at chosen or random points (for test_faults).

Usage: ``python tests/fault_worker.py PLAN.json`` prints one JSON line per trial.

Why a separate process that forks: importing kg (rdflib, pyshacl, pyoxigraph) costs a second
or more, and the fault test needs dozens of trials; this worker imports once and forks one
child per trial, so each child is a real process running the real pipeline, killed with a
real SIGKILL — by the worker after a random delay, or by itself at a chosen stage. The worker
never opens a store itself, so no RocksDB thread or lock is inherited across ``fork``.

PLAN: ``{"seed": int, "files": [paths], "trials": [{"store": path, "kill": KILL}]}`` where
KILL is one of
  ``{"kind": "delay", "fraction": f}``           worker kills the child after f × calibrated time
  ``{"kind": "stage", "stage": S, "doc": k, "at": "enter"|"exit"}``
                                                  the child kills itself entering/leaving stage
                                                  S (read, extract, build, validate, store,
                                                  reference) on its k-th call
  ``{"kind": "during", "stage": S, "doc": k, "micros": u}``
                                                  a thread kills the child u µs after stage S
                                                  starts (lands inside the store transaction)
  ``{"kind": "calibrate"}``                       run to completion; report the time taken
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kg.pipeline as pipeline
from kg.store import OxigraphStore


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _die_later(micros: int) -> None:
    def run() -> None:
        time.sleep(micros / 1e6)
        _die()

    threading.Thread(target=run, daemon=True).start()


def _hook(kill: dict[str, Any], stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap one stage so that the child dies on its k-th call, as the plan says."""
    calls = {"n": 0}

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        hit = kill.get("stage") == stage and calls["n"] == kill.get("doc", 0)
        calls["n"] += 1
        if hit and kill["kind"] == "during":
            _die_later(int(kill["micros"]))
        if hit and kill.get("at") == "enter":
            _die()
        out = fn(*args, **kwargs)
        if hit and kill.get("at") == "exit":
            _die()
        return out

    return wrapped


def _install_hooks(kill: dict[str, Any]) -> None:
    stages = pipeline.default_stages()
    pipeline.default_stages = lambda: pipeline.Stages(  # type: ignore[assignment]
        _hook(kill, "read", stages.read),
        _hook(kill, "extract", stages.extract),
        _hook(kill, "build", stages.build),
        _hook(kill, "validate", stages.validate),
    )
    OxigraphStore.replace_document = _hook(kill, "store", OxigraphStore.replace_document)  # type: ignore[method-assign]
    OxigraphStore.load_reference = _hook(kill, "reference", OxigraphStore.load_reference)  # type: ignore[method-assign]


def _child(store: str, files: list[str], kill: dict[str, Any]) -> None:
    try:
        _install_hooks(kill)
        report = pipeline.ingest(files, OxigraphStore(store))
        os._exit(0 if report.ok else 3)
    except BaseException:  # noqa: BLE001 — a child must never return into the worker's loop
        import traceback

        traceback.print_exc()
        os._exit(4)


def run_trial(store: str, files: list[str], kill: dict[str, Any], full: float) -> dict[str, Any]:
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        _child(store, files, kill)
    if kill["kind"] == "delay":
        time.sleep(kill["fraction"] * full)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    return {
        "store": store,
        "kill": kill,
        "killed": killed,
        "exit": code,
        "seconds": round(time.perf_counter() - started, 3),
    }


def warm_up(files: list[str]) -> None:
    """Load shapes, reference data and regexes once, so children start warm (as a long ingest
    is after its first document) and kill points spread over real work, not start-up."""
    stages = pipeline.default_stages()
    for f in files:
        if not f.endswith(".ttl"):
            stages.validate(stages.build(stages.extract(stages.read(Path(f)))))
            return


def main(plan_path: str) -> None:
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    files = plan["files"]
    warm_up(files)
    full = 0.0
    for trial in plan["trials"]:
        result = run_trial(trial["store"], files, trial["kill"], full)
        if trial["kill"]["kind"] == "calibrate":
            full = result["seconds"]
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
