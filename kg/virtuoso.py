"""A private Virtuoso Open Source server on loopback, for the tests and the benchmarks.

Why here and not in ``tests/``: ``kg bench`` (installed with the package) starts one too.
It never touches a system-wide Virtuoso: its own ``virtuoso.ini`` in a temporary directory,
free ports on 127.0.0.1 for SQL and HTTP, ``virtuoso-t -f`` in the foreground as a child
process that :meth:`LocalVirtuoso.stop` ends. A fresh database costs Virtuoso ~15 s of
initialisation, so the first clean database is kept as a template in the user's cache and
copied afterwards (~2 s to start).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import KGError

DEBIAN_PACKAGE = "virtuoso-opensource-7-bin"  # the server binaries of `virtuoso-opensource`
DBA_USER = "dba"
DBA_PASSWORD = "dba"  # Virtuoso's initial password; this server listens on loopback only
START_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0


class VirtuosoUnavailable(KGError):
    """Virtuoso cannot be installed or started here; the message says why."""


def binary() -> str | None:
    return shutil.which("virtuoso-t")


def install(timeout: float = 600.0) -> str:
    """Install the Debian package when ``virtuoso-t`` is missing (needs root and apt)."""
    found = binary()
    if found:
        return found
    if shutil.which("apt-get") is None:
        raise VirtuosoUnavailable("virtuoso-t is not installed and there is no apt-get")
    if os.geteuid() != 0:
        raise VirtuosoUnavailable(
            f"virtuoso-t is not installed; run `apt-get install {DEBIAN_PACKAGE}` as root"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", DEBIAN_PACKAGE],
    )
    for cmd in steps:
        try:
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise VirtuosoUnavailable(f"`{' '.join(cmd)}` failed: {exc}") from exc
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise VirtuosoUnavailable(f"`{' '.join(cmd)}` failed: {tail[0]}")
    found = binary()
    if not found:
        raise VirtuosoUnavailable(f"{DEBIAN_PACKAGE} installed but virtuoso-t is not on PATH")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ini(workdir: Path, sql_port: int, http_port: int, buffers: int) -> str:
    d = workdir
    return f"""[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
ServerThreads = 20
CheckpointInterval = 60
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {buffers * 3 // 4}
DirsAllowed = ., {d}
DefaultIsolation = 4
MaxQueryMem = 1G

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}
ServerThreads = 20
MaxKeepAlives = 64
KeepAliveTimeout = 30
EnabledDavVSP = 0

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 300
MaxQueryCostEstimationTime = 0
"""


def _cache_dir(exe: str) -> Path:
    """Template databases are only valid for the binary that made them."""
    st = Path(exe).stat()
    key = hashlib.sha256(f"{exe}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:16]
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "pctp-kg" / "virtuoso" / key


@dataclass
class LocalVirtuoso:
    """One private server; use as a context manager or call :meth:`start` / :meth:`stop`."""

    workdir: Path | None = None
    buffers: int = 170_000  # 8 KB pages: ~1.3 GB at most, Virtuoso's advice for 2 GB free
    use_template: bool = True
    sql_port: int = 0
    http_port: int = 0
    process: subprocess.Popen[bytes] | None = None
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def spec(self) -> str:
        """The ``--store`` spec: the authenticated endpoint, which may update."""
        return f"sparql+{self.base_url}/sparql-auth"

    @property
    def public_spec(self) -> str:
        return f"sparql+{self.base_url}/sparql"

    def credentials_env(self) -> dict[str, str]:
        return {"KG_STORE_USER": DBA_USER, "KG_STORE_PASSWORD": DBA_PASSWORD}

    # -- life cycle

    def start(self) -> LocalVirtuoso:
        exe = install()
        if self.workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="kg-virtuoso-")
            self.workdir = Path(self._tmp.name)
        self.workdir.mkdir(parents=True, exist_ok=True)
        template = _cache_dir(exe) / "virtuoso.db"
        fresh = not (self.use_template and template.exists())
        if not fresh:
            shutil.copyfile(template, self.workdir / "virtuoso.db")
        self._launch(exe)
        if fresh and self.use_template:
            self._save_template(exe, template)
        return self

    def _launch(self, exe: str) -> None:
        assert self.workdir is not None
        self.sql_port, self.http_port = free_port(), free_port()
        while self.http_port == self.sql_port:
            self.http_port = free_port()
        ini = self.workdir / "virtuoso.ini"
        ini.write_text(_ini(self.workdir, self.sql_port, self.http_port, self.buffers))
        log = (self.workdir / "stdout.log").open("ab")
        self.process = subprocess.Popen(
            [exe, "-f", "-c", str(ini)],
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in the terminal must not kill it mid-write
        )
        log.close()
        self._wait_ready()

    def _save_template(self, exe: str, template: Path) -> None:
        """Shut down cleanly (a checkpointed database), keep a copy, start again."""
        assert self.workdir is not None
        self.stop(keep_dir=True)
        with contextlib.suppress(OSError):
            template.parent.mkdir(parents=True, exist_ok=True)
            partial = template.with_suffix(".part")
            shutil.copyfile(self.workdir / "virtuoso.db", partial)
            partial.replace(template)
        for name in ("virtuoso.trx", "virtuoso.lck"):
            (self.workdir / name).unlink(missing_ok=True)
        self._launch(exe)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        url = f"{self.base_url}/sparql?query=ASK%20%7B%7D"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise VirtuosoUnavailable(
                    f"virtuoso-t exited with {self.process.returncode}: {self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 — loopback
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise VirtuosoUnavailable(f"virtuoso-t did not answer in {START_TIMEOUT:.0f} s")

    def log_tail(self, lines: int = 5) -> str:
        if self.workdir is None:
            return ""
        texts = []
        for name in ("virtuoso.log", "stdout.log"):
            path = self.workdir / name
            if path.exists():
                texts.extend(path.read_text(errors="replace").strip().splitlines()[-lines:])
        return " | ".join(texts)

    def isql(self, *statements: str, timeout: float = 3600.0) -> str:
        """Run SQL through ``isql-vt`` as dba (the bulk loader has no HTTP interface)."""
        exe = shutil.which("isql-vt") or shutil.which("isql")
        if exe is None:
            raise VirtuosoUnavailable("isql-vt is not installed")
        script = "".join(s.rstrip().rstrip(";") + ";\n" for s in statements)
        done = subprocess.run(
            [exe, f"127.0.0.1:{self.sql_port}", DBA_USER, DBA_PASSWORD, "VERBOSE=OFF",
             "BANNER=OFF", "PROMPT=OFF", "ECHO=OFF", "ERRORS=STDOUT"],
            input=script,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        out = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in out:
            raise KGError(f"isql: {out.strip()[-500:]}")
        return out

    def bulk_load(self, directory: Path, pattern: str = "*.nq", graph: str = "") -> None:
        """Virtuoso's bulk loader: ``ld_dir`` + ``rdf_loader_run`` + ``checkpoint``.

        N-Quads carry each document's graph; ``graph`` is only used for triple files.
        """
        path = str(Path(directory).resolve()).replace("'", "''")
        target = graph or "urn:kg:bulk-default"
        self.isql(
            f"ld_dir('{path}', '{pattern}', '{target}')",
            "rdf_loader_run()",
            "checkpoint",
        )

    def stop(self, *, keep_dir: bool = False) -> None:
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(KGError, OSError, subprocess.SubprocessError):
                self.isql("shutdown", timeout=STOP_TIMEOUT)
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=STOP_TIMEOUT)
        if not keep_dir and self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
            self.workdir = None

    def __enter__(self) -> LocalVirtuoso:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
