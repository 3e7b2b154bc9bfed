"""Patterns that match the same on every Python 3.11.

Before 3.11.5 a possessive repeat (``X*+``, ``X++``, ``X?+``, ``X{m,n}+``) of a group that
backtracks inside could match where the greedy repeat did not (CPython gh-106052). Debian 12
ships 3.11.2, and the Makefile prefers the distribution's interpreter, so extraction would
differ by interpreter. Atomic groups ``(?>X*)`` say the same and match correctly there.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import re._constants as sre_constants  # the parser's opcodes: no public API names them
import re._parser as sre_parser

import kg


def _kg_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Every compiled pattern a kg module holds at top level, in a collection or not."""
    out: list[tuple[str, re.Pattern[str]]] = []
    for info in pkgutil.iter_modules(kg.__path__):
        module = importlib.import_module(f"kg.{info.name}")
        for name, value in vars(module).items():
            values = value.values() if isinstance(value, dict) else value
            items = values if isinstance(values, (list, tuple)) else [value]
            for item in items:
                for part in item if isinstance(item, tuple) else (item,):
                    if isinstance(part, re.Pattern) and isinstance(part.pattern, str):
                        out.append((f"kg.{info.name}.{name}", part))
    return out


def _opcodes(pattern: sre_parser.SubPattern) -> set[object]:
    found: set[object] = set()
    for op, arg in pattern:
        found.add(op)
        for x in arg if isinstance(arg, (tuple, list)) else (arg,):
            if isinstance(x, sre_parser.SubPattern):
                found |= _opcodes(x)
            elif isinstance(x, list):
                for y in x:
                    if isinstance(y, sre_parser.SubPattern):
                        found |= _opcodes(y)
    return found


def test_the_opcode_walk_sees_a_possessive_repeat_inside_groups_and_branches() -> None:
    parsed = sre_parser.parse(r"a(?:b|(?P<x>c(?:de?)*+))(?=f)")
    assert sre_constants.POSSESSIVE_REPEAT in _opcodes(parsed)
    assert sre_constants.POSSESSIVE_REPEAT not in _opcodes(sre_parser.parse(r"a(?:b|(?>c(?:de?)*))"))


def test_no_kg_pattern_uses_a_possessive_repeat() -> None:
    patterns = _kg_patterns()
    assert any(name == "kg.numbers._NUMBER" for name, _ in patterns)  # the walk finds them
    offenders = [
        name for name, rx in patterns
        if sre_constants.POSSESSIVE_REPEAT in _opcodes(sre_parser.parse(rx.pattern, rx.flags))
    ]
    assert offenders == []


def test_number_parts_stay_whole_when_what_follows_rejects_them() -> None:
    """The case gh-106052 broke on 3.11.2: "4321/KH" matched as "4321/" there."""
    from kg.numbers import _NUMBER

    text = "số 4321/KH-UBND, 1.062 vụ, 0,68-x, 12/15 vụ"
    found = [m.group() for m in _NUMBER.finditer(text)]
    assert found == ["1.062", "12/15"]
