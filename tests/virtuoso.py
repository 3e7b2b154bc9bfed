"""A pytest fixture: a private Virtuoso on loopback for the ``@pytest.mark.virtuoso`` tests.

Import it in the test module (``from virtuoso import virtuoso_server  # noqa: F401``). The
server (see :mod:`kg.virtuoso`) is installed with apt-get when ``virtuoso-t`` is missing,
started once per test session on free ports with a temporary database, and stopped at the
end. Where it cannot be installed or started the tests are skipped with the reason, unless
``KG_REQUIRE_VIRTUOSO=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from kg.virtuoso import LocalVirtuoso, VirtuosoUnavailable


@pytest.fixture(scope="session")
def virtuoso_server() -> Iterator[LocalVirtuoso]:
    server = LocalVirtuoso()
    try:
        server.start()
    except VirtuosoUnavailable as exc:
        if os.environ.get("KG_REQUIRE_VIRTUOSO") == "1":
            pytest.fail(f"Virtuoso is required here but unavailable: {exc}")
        pytest.skip(f"Virtuoso unavailable: {exc}")
    try:
        yield server
    finally:
        server.stop()
