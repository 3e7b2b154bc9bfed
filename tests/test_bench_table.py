"""The bench table says which interpreter ran it: extraction speed depends on its build."""

from __future__ import annotations

from kg.bench import render_table


def test_table_names_the_interpreter_build() -> None:
    results = {
        "mode": "quick",
        "machine": {"cpus": 2, "python": "3.11.9", "python_build": "libpython linked in, GCC 99",
                    "pyoxigraph": "9.9", "rdflib": "9.0"},
        "extraction": {"mb_per_s": 1.234, "documents": 45, "core_mb_per_s": 3.0,
                       "synthetic_f1": {"instruments": 1.0, "links": 1.0}},
    }
    table = render_table(results)
    assert "Python 3.11.9 (libpython linked in, GCC 99), pyoxigraph 9.9, rdflib 9.0" in table
    assert "| extraction, one core | 1.234 MB/s (45 documents) |" in table

