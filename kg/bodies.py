"""Recognising and resolving the bodies (cơ quan, tổ chức) a document names.

Documents name bodies relative to their own place: "UBND tỉnh" in a Lai Châu report is UBND
tỉnh Lai Châu, "Công an thành phố" in a report of thành phố Lai Châu is Công an thành phố Lai
Châu. The registry (data/reference/bodies.ttl) holds the central bodies and *templates* of the
bodies every province, district and commune has; this module instantiates a template for a place.
A body that is in neither still gets a node (``known=False``), so no agent is dropped.

Matching runs on a folded view of the text that has the same length as the text (one character
per character), so spans found there index the original text directly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from kg import iri
from kg.reference import (
    BodyTemplate,
    Province,
    UnitKind,
    body_templates,
    central_bodies,
    unit_kinds,
)
from kg.reference import key as _reference_key
from kg.reference import province_by_name as _reference_province

CENTRAL = "trung ương"


# Resolving one mention looks up the same few unit words and place names many times over
# (each lookup normalises and folds its text): both cached, as pure functions of the text.
@lru_cache(maxsize=8192)
def key(text: str) -> str:
    """:func:`kg.reference.key`, cached."""
    return _reference_key(text)


@lru_cache(maxsize=4096)
def province_by_name(text: str) -> Province | None:
    """:func:`kg.reference.province_by_name`, cached."""
    return _reference_province(text)


_SEP = r"[\s\-–,&./]*"  # what may stand between the words of a name: "LĐ-TB&XH", "LĐTB&XH"
_SLOTS = re.compile(r"\{(unit|abbr|short|place)\}")
_UNIT_SYNONYMS = {"tp": "thành phố"}  # "UBND TP", "Công an TP." for thành phố


@dataclass(frozen=True)
class BodyRef:
    iri: str
    name: str  # the full name of the body ("Công an tỉnh Lai Châu"): the node's label
    canonical: str  # the registry's generic name it matched ("Công an tỉnh"); = name if unknown
    province: str | None
    level: str | None  # "trung ương", "tỉnh", "thành phố", "huyện", "xã" …
    parent_iri: str | None
    known: bool


# ----------------------------------------------------------------------------- folded views


@cache
def _fold_char(c: str, lower: bool) -> str:
    f = c.replace("Đ", "D").replace("đ", "d")
    f = "".join(x for x in unicodedata.normalize("NFD", f) if not unicodedata.combining(x))
    if lower:
        f = f.lower()
    return f if len(f) == 1 else c


class _FoldTable(dict[int, str]):
    """A str.translate table filled on first sight of each character: translating runs in C,
    where a join over _fold_char per character ran a Python call for every one."""

    def __init__(self, lower: bool) -> None:
        super().__init__()
        self.lower = lower

    def __missing__(self, cp: int) -> str:
        f = self[cp] = _fold_char(chr(cp), self.lower)
        return f


_FOLD_TABLES = {True: _FoldTable(True), False: _FoldTable(False)}


def _view(text: str, *, lower: bool) -> str:
    """Diacritics stripped (and lower-cased), one character per character of ``text``."""
    return text.translate(_FOLD_TABLES[lower])


# ----------------------------------------------------------------------------- alias patterns


@dataclass(frozen=True)
class _Alias:
    regex: re.Pattern[str]
    case_sensitive: bool  # abbreviations ("CAT", "BCA") match only as printed
    template: BodyTemplate | None
    central: object | None  # CentralBody
    has_unit: bool
    length: int


def _unit_alternation() -> str:
    words = [key(u.word) for u in unit_kinds()] + list(_UNIT_SYNONYMS)
    words.sort(key=len, reverse=True)
    return "(?i:" + "|".join(_SEP.join(map(re.escape, w.split())) for w in words) + ")"


def _literal(text: str, case_sensitive: bool) -> str:
    folded = _view(unicodedata.normalize("NFC", text), lower=not case_sensitive)
    parts = [p for p in re.split(r"[\s\-–,&./]+", folded.strip()) if p]
    lead = _SEP if parts and folded[:1].isspace() else ""
    tail = _SEP if parts and folded[-1:].isspace() else ""
    return lead + _SEP.join(re.escape(p) for p in parts) + tail if parts else _SEP * bool(text)


def _compile(alias: str) -> tuple[str, bool, bool]:
    """Alias template → (regex source, case-sensitive?, has a unit slot?)."""
    plain = _SLOTS.sub("", alias)
    abbreviation = " " not in alias.strip() and len(plain) <= 6
    case_sensitive = abbreviation or not any(c.islower() for c in plain)
    out: list[str] = []
    pos = 0
    has_unit = False
    for m in _SLOTS.finditer(alias):
        out.append(_literal(alias[pos : m.start()], case_sensitive))
        slot = m.group(1)
        if slot == "unit":
            out.append(rf"(?i:cac\s+)?(?P<unit>{_unit_alternation()})")
        elif slot == "abbr":
            abbrs = sorted((u.abbr for u in unit_kinds()), key=len, reverse=True)
            out.append("(?P<abbr>" + "|".join(map(re.escape, abbrs)) + ")")
        elif slot == "short":
            shorts = sorted((key(u.short) for u in unit_kinds() if u.short), key=len, reverse=True)
            out.append("(?P<short>(?i:" + "|".join(map(re.escape, shorts)) + "))")
        has_unit = has_unit or slot in ("unit", "abbr", "short")
        pos = m.end()
    out.append(_literal(alias[pos:], case_sensitive))
    body = "".join(out)
    if case_sensitive:
        edge = r"(?<![A-Za-z0-9/\-])", r"(?![A-Za-z0-9/\-])"
    else:
        edge = r"(?<![a-z0-9])", r"(?![a-z0-9])"
    return edge[0] + body + edge[1], case_sensitive, has_unit


@cache
def _aliases() -> tuple[_Alias, ...]:
    return tuple(sorted(_aliases_unsorted(), key=lambda a: -a.length))


@cache
def _aliases_unsorted() -> tuple[_Alias, ...]:
    """Every name and alias compiled, in registry order (central bodies, then templates)."""
    out: list[_Alias] = []
    for b in central_bodies():
        for alias in (b.name, *b.aliases):
            src, cs, _ = _compile(alias)
            out.append(_Alias(re.compile(src), cs, None, b, False, len(alias)))
    for t in body_templates():
        for alias in (t.label, *t.alias_templates):
            src, cs, has_unit = _compile(alias)
            out.append(_Alias(re.compile(src), cs, t, None, has_unit, len(alias)))
    return tuple(out)


# ----------------------------------------------------------------------------- units


@cache
def _units() -> dict[str, UnitKind]:
    return {key(u.word): u for u in unit_kinds()}


def _unit_ok(match: re.Match[str], text: str) -> bool:
    """The unit word as written must be one, with its own diacritics or none at all:
    folding makes "quán" (a shop) look like "quận"."""
    if "unit" not in match.re.groupindex or match.start("unit") < 0:
        return True
    written = " ".join(text[match.start("unit") : match.end("unit")].lower().split())
    written = written.replace("uỷ", "ủy")
    return written in _unit_spellings()


@cache
def _unit_spellings() -> frozenset[str]:
    """Every unit word as written with its diacritics or folded (built once, not per match)."""
    words = {u.word for u in unit_kinds()} | set(_UNIT_SYNONYMS)
    return frozenset(words | {key(w) for w in words})


def _unit_from(match: re.Match[str]) -> UnitKind | None:
    groups = match.groupdict()
    if groups.get("unit"):
        k = key(groups["unit"])
        return _units().get(key(_UNIT_SYNONYMS.get(k, k)))
    if groups.get("abbr"):
        return next((u for u in unit_kinds() if u.abbr == groups["abbr"]), None)
    if groups.get("short"):
        k = key(groups["short"])
        return next((u for u in unit_kinds() if u.short and key(u.short) == k), None)
    return None


@lru_cache(maxsize=4096)
def _split_unit(rest: str) -> tuple[UnitKind | None, str]:
    """ "tỉnh Lai Châu" → (tỉnh, "Lai Châu"); "Lai Châu" → (None, "Lai Châu")."""
    rest = rest.strip(" \t\n.,-")
    rx, units = _unit_prefix()
    m = rx.match(_view(rest, lower=True))
    if m:
        return units[m.lastgroup], rest[m.end() :].strip(" .,-")
    return None, rest.strip(" .,-")


@cache
def _unit_prefix() -> tuple[re.Pattern[str], dict[str | None, UnitKind]]:
    """_unit_prefixes() as one pattern, each in a group of its own, with the unit of each
    group: an alternation takes the first branch that matches, as the loop over them did,
    in one call instead of one per unit word (a dozen per mention)."""
    prefixes = _unit_prefixes()
    rx = re.compile("|".join(f"(?P<u{i}>{p.pattern})" for i, (p, _) in enumerate(prefixes)))
    return rx, {f"u{i}": unit for i, (_, unit) in enumerate(prefixes)}


@cache
def _unit_prefixes() -> tuple[tuple[re.Pattern[str], UnitKind], ...]:
    """Each unit word as a pattern for the start of a folded view, longest first."""
    return tuple(
        (
            re.compile(_SEP.join(map(re.escape, k.split())) + r"(?![a-z0-9])[\s.]*"),
            _units()[key(_UNIT_SYNONYMS.get(k, k))],
        )
        for k in sorted([*_units(), *_UNIT_SYNONYMS], key=len, reverse=True)
    )


# ----------------------------------------------------------------------------- naming


def _province_unit(province: str) -> str:
    p = province_by_name(province)
    return "thành phố" if p is not None and p.kind.startswith("thành phố") else "tỉnh"


def _fill(template: str, unit: UnitKind, place: str | None) -> str:
    text = (
        template.replace("{unit}", unit.word)
        .replace("{abbr}", unit.abbr)
        .replace("{short}", unit.short or unit.word.capitalize())
        .replace("{place}", place or "")
    )
    return " ".join(text.split())


def _instance_iri(template_iri: str | None, unit: UnitKind, place: str | None) -> str | None:
    t = _template_by_iri().get(template_iri) if template_iri else None
    if t is None or place is None:
        return None
    return iri.body(_fill(t.name_template, unit, place))


@cache
def _template_by_iri() -> dict[str | None, BodyTemplate]:
    """:func:`kg.reference.body_template` as a table (the first template of each IRI, as its
    search gives): it searched the templates one by one for every body resolved."""
    out: dict[str | None, BodyTemplate] = {}
    for t in body_templates():
        out.setdefault(t.iri, t)
    return out


def _parent(t: BodyTemplate, unit: UnitKind, place: str | None, province: str | None,
            province_tier: bool) -> str | None:
    if t.parent_same:
        same = _instance_iri(t.parent_same, unit, place)
        if same:
            return same
    if province_tier:
        return t.central_parent
    if t.parent_up and province:
        return _instance_iri(t.parent_up, _units()[key(_province_unit(province))], province)
    return None


# ----------------------------------------------------------------------------- resolving


_KHOA = re.compile(r"\s*\(?\s*kh[oó]a\s+[IVXLC0-9]+\s*\)?\s*$", re.IGNORECASE)


def _clean(mention: str) -> str:
    text = " ".join(unicodedata.normalize("NFC", mention).split())
    text = _KHOA.sub("", text)
    text = _LEAD_PARTICLE.sub("", text)
    return text.strip(" .,;:-–")


_LEAD_PARTICLE = re.compile(r"^(?:các|của)\s+", re.IGNORECASE)  # compiled once, not per mention


@cache
def _aliases_by_first() -> tuple[tuple[_Alias, str], ...]:
    """_aliases() with the character a match must open with, where the pattern opens with a
    plain letter or digit ("" where it may open otherwise: a slot, a separator): trying
    every one of the ~400 patterns on every mention was most of the cost of resolving it."""
    out = []
    for a in _aliases():
        body = a.regex.pattern.split(")", 1)[1]  # after the opening look-behind (_compile)
        first = body[0] if body and body[0].isalnum() and body[0].isascii() else ""
        out.append((a, first))
    return tuple(out)


@cache
def _alias_index() -> tuple[dict[tuple[bool, str], tuple[int, ...]], tuple[int, ...]]:
    """Positions in _aliases_by_first() by (case-sensitive, first character), and those of
    the aliases with no fixed first character: a mention is tried against the few that can
    match it instead of a loop over all of them."""
    by_first: dict[tuple[bool, str], list[int]] = {}
    anywhere: list[int] = []
    for i, (a, first) in enumerate(_aliases_by_first()):
        if first:
            by_first.setdefault((a.case_sensitive, first), []).append(i)
        else:
            anywhere.append(i)
    return {k: tuple(v) for k, v in by_first.items()}, tuple(anywhere)


@lru_cache(maxsize=4096)
def _match_whole_all(text: str) -> tuple[tuple[_Alias, re.Match[str]], ...]:
    """Every alias matching ``text`` from its start, in _aliases() order; the same mention
    is resolved again for every place it is read in."""
    views = {False: _view(text, lower=True), True: _view(text, lower=False)}
    by_first, anywhere = _alias_index()
    aliases = _aliases_by_first()
    # the aliases that may match: those opening with the text's first character (in its
    # view of their case) and those that may open otherwise, in _aliases() order
    order = sorted([*by_first.get((False, views[False][:1]), ()), *by_first.get((True, views[True][:1]), ()), *anywhere])
    hits = []
    for i in order:
        a = aliases[i][0]
        m = a.regex.match(views[a.case_sensitive])
        if m and _unit_ok(m, text):
            hits.append((a, m))
    return tuple(hits)


def _match_whole(text: str, *, start_only: bool) -> list[tuple[_Alias, re.Match[str]]]:
    return [
        (a, m)
        for a, m in _match_whole_all(text)
        if not start_only or m.end() == len(text) or a.template is not None
    ]


def resolve_body(
    mention: str, *, province: str | None, level: str | None = "tỉnh", place: str | None = None
) -> BodyRef:
    """The body a mention names, in a document of ``province`` issued at ``level``/``place``.

    ``level``/``place`` describe the document's own body ("thành phố", "Lai Châu" for a report
    of thành phố Lai Châu); a place written in the mention wins over the document's.
    """
    text = _clean(mention)
    if province:
        found = province_by_name(province)
        province = found.name if found else province
    # central bodies: the whole mention is a name or alias
    for a, m in _match_whole(text, start_only=True):
        if a.central is not None and m.end() == len(text):
            b = a.central
            return BodyRef(b.iri, b.name, b.name, None, CENTRAL, b.parent_iri, True)
    best: tuple[_Alias, re.Match[str]] | None = None
    for a, m in _match_whole(text, start_only=False):
        if a.template is None:
            continue
        rest_unit, rest_place = _split_unit(text[m.end() :])
        if rest_place and not rest_place[0].isupper() and not rest_place[0].isdigit():
            continue  # the mention goes on with more words: a different body
        if best is None or m.end() > best[1].end():
            best = (a, m)
    if best is not None:
        return _from_template(best[0].template, best[1], text, province, level, place)
    return _unknown(text, province, level, place)


def _from_template(
    t: BodyTemplate,
    m: re.Match[str],
    text: str,
    province: str | None,
    level: str | None,
    place: str | None,
) -> BodyRef:
    units = _units()
    unit = _unit_from(m)
    rest_unit, explicit = _split_unit(text[m.end() :])
    unit = unit or rest_unit
    province_unit = units[key(_province_unit(province))] if province else units["tinh"]
    at: str | None = None
    province_tier = False
    if explicit:
        as_province = province_by_name(explicit)
        if as_province is not None and (
            unit is None
            or unit.word == "tỉnh"
            or (unit.word == "thành phố" and as_province.kind.startswith("thành phố"))
        ):
            province = at = as_province.name
            unit, province_tier = units[key(_province_unit(province))], True
        else:
            at = explicit
            if unit is None and level and key(level) in units:
                unit = units[key(level)]
    elif unit is None:
        # no unit written: the template's own tier decides (Sở … → the province)
        if "province" in t.tiers and province:
            unit, at, province_tier = province_unit, province, True
        elif level and key(level) in units and place:
            unit, at = units[key(level)], place
    elif level and key(unit.word) == key(level) and place and unit.word != "tỉnh":
        at = place  # "Công an thành phố" in a report of thành phố Lai Châu
        province_tier = key(place) == key(province or "") and province_unit.word == unit.word
    elif province and (unit.word == "tỉnh" or unit.word == province_unit.word == "thành phố"):
        unit, at, province_tier = province_unit, province, True
    unit = unit or province_unit
    generic = t.label if unit.word == "tỉnh" else _fill(t.name_template, unit, None)
    if at:
        name = _fill(t.name_template, unit, at)
    elif province:  # "Công an huyện" with no huyện named: unspecified, inside the province
        name = f"{generic}, {province_unit.word} {province}"
    else:
        name = generic
    parent = _parent(t, unit, at, province, province_tier)
    return BodyRef(iri.body(name), name, generic, province, unit.word, parent, True)


def _unknown(text: str, province: str | None, level: str | None, place: str | None) -> BodyRef:
    """A body not in the registry: its own words, completed with the place it is relative to."""
    name = text
    parent = None
    unit, rest = _split_unit(text.split()[-1]) if text.split() else (None, "")
    if unit is not None and not rest:  # "Ban Dân tộc tỉnh" → "… tỉnh Lai Châu"
        if unit.word == "tỉnh" and province:
            name = f"{text} {province}"
        elif level and key(level) == key(unit.word) and place:
            name = f"{text} {place}"
    elif re.match(r"(?i)^sở\s", text) and province and not _has_unit(text):
        # a department not in the registry is still a department of the province
        name = f"{text} {_province_unit(province)} {province}"
        parent = _instance_iri(_ubnd_template(), _units()[key(_province_unit(province))], province)
    found_unit = unit.word if unit is not None and not rest else None
    return BodyRef(iri.body(name), name, name, province, found_unit, parent, False)


def _has_unit(text: str) -> bool:
    low = f" {key(text)} "
    return any(f" {k} " in low for k in _units())


def _ubnd_template() -> str | None:
    return next((t.iri for t in body_templates() if key(t.label) == "uy ban nhan dan tinh"), None)


# ----------------------------------------------------------------------------- finding


_PLACE_WORD = re.compile(r"[ \t]*\n?[ \t]*([^\W\d_][\w]*|\d+)")
_GENERIC_HEADS = ("Sở", "Phòng", "Cục", "Chi cục", "Ban Chỉ đạo", "Ban Quản lý")
_STOP = {
    key(w)
    for w in (
        "chủ trì", "phối hợp", "đã", "đang", "sẽ", "tổ chức", "thực hiện", "triển khai", "có",
        "được", "là", "tham mưu", "báo cáo", "ban hành", "tiếp tục", "chỉ đạo",
        "hướng dẫn", "theo", "của", "với", "tại", "trong", "về", "năm", "tháng", "ngày", "và các",
        "cùng", "để", "nhằm", "trên", "kiểm tra", "tuyên truyền", "phát hiện", "bắt", "xử lý",
    )
}


def _extend_place(text: str, end: int, max_words: int = 4) -> int:
    """Grow a span over a following place name: capitalised words or a number ("Quận 1")."""
    pos = end
    for n in range(max_words):
        m = _PLACE_WORD.match(text, pos)
        if not m:
            break
        word = m.group(1)
        if not (word[0].isupper() or (word.isdigit() and n == 0)):
            break
        pos = m.end()
    return pos


@cache
def _unit_after() -> re.Pattern[str]:
    """A unit word after spaces, at the start of a folded view (compiled once)."""
    return re.compile(r"[ \t]+(?:\n[ \t]*)?(?P<unit>" + _unit_alternation() + r")(?![a-z0-9])")


def _extend_unit_place(text: str, end: int) -> int:
    """After a name without a unit ("Sở Tư pháp"), take " tỉnh Lai Châu" when it follows."""
    low = _view(text[end : end + 40], lower=True)
    m = _unit_after().match(low)
    if not m or not _unit_ok(m, text[end : end + 40]):
        return end
    after = end + m.end()
    grown = _extend_place(text, after)
    return grown if grown > after else end


def _heads(alias: str) -> set[str]:
    """The first two folded letters any match of ``alias`` starts with."""
    m = _SLOTS.match(alias)
    if m is None:
        return {key(alias)[:2]}
    if m.group(1) == "short":
        return {key(u.short)[:2] for u in unit_kinds() if u.short}
    if m.group(1) == "unit":
        return {key(u.word)[:2] for u in unit_kinds()} | {w[:2] for w in _UNIT_SYNONYMS}
    return {key(u.abbr)[:2] for u in unit_kinds()}


@cache
def _by_head() -> dict[str, tuple[_Alias, ...]]:
    """Aliases indexed by their first two letters, so a text is scanned once, word by word."""
    table: dict[str, list[_Alias]] = {}
    sources = [(b.name, b.aliases) for b in central_bodies()]
    sources += [(t.label, t.alias_templates) for t in body_templates()]
    compiled = iter(_aliases_unsorted())
    for label, aliases in sources:
        for alias in (label, *aliases):
            a = next(compiled)
            for head in _heads(alias):
                table.setdefault(head, []).append(a)
    return {k: tuple(sorted(v, key=lambda a: -a.length)) for k, v in table.items()}


_WORD_START = re.compile(r"(?<![^\W_])[^\W\d_]")


def _registry_spans(text: str, until: int | None = None) -> list[tuple[int, int]]:
    """Registry names and aliases at word starts (up to ``until``, when given)."""
    views = {False: _view(text, lower=True), True: _view(text, lower=False)}
    low = views[False]
    index = _by_head()
    spans = []
    for w in _WORD_START.finditer(text):
        start = w.start()
        if until is not None and start > until:
            break
        if not text[start].isupper():
            continue  # names start with a capital; "lực lượng công an tỉnh" is no body
        for a in index.get(low[start : start + 2], ()):
            m = a.regex.match(views[a.case_sensitive], start)
            if not m or not _unit_ok(m, text):
                continue
            end = m.end()
            if a.template is not None:
                end = _extend_place(text, end) if a.has_unit else _extend_unit_place(text, end)
            spans.append((start, end))
            break  # the longest alias at this start
    return spans


_WORD = re.compile(r"[ \t]*\n?[ \t]*(,[ \t]*)?([^\W_]\w*)")
_GENERIC_HEAD = re.compile(
    r"(?<!\w)(?:"
    + "|".join(re.escape(h) for h in sorted(_GENERIC_HEADS, key=len, reverse=True))
    + r")[ \t]+(?=[^\W\d_])"
)


def _generic_spans(text: str, until: int | None = None) -> list[tuple[int, int]]:
    """Names the registry lacks, by their head word ("Sở Ngoại vụ", "Ban Chỉ đạo Đề án …"),
    starting up to ``until`` when given.

    A name runs on to the end of its clause: punctuation, a verb-like stop word ("chủ trì",
    "phối hợp" …), or a unit word with its place ("… thành phố Lai Châu").
    """
    spans = []
    for m in _GENERIC_HEAD.finditer(text):
        if until is not None and m.start() > until:
            break
        if not text[m.end()].isupper():
            continue
        pos, words = m.end(), 0
        while words < 12:
            w = _WORD.match(text, pos)
            if not w or (w.group(1) and not w.group(2)[0].islower()):
                break
            word = key(w.group(2))
            nxt = _WORD.match(text, w.end())
            pair = f"{word} {key(nxt.group(2))}" if nxt and not nxt.group(1) else ""
            if words and (word in _STOP or pair in _STOP):
                break
            if words and word in _units():
                grown = _extend_place(text, w.end())
                pos = grown if grown > w.end() else w.end()
                break
            pos, words = w.end(), words + 1
        if words:
            spans.append((m.start(), pos))
    return spans


def find_bodies(text: str) -> list[tuple[int, int, str]]:
    """Spans of body mentions: registry names, aliases and templates (with the place that follows),
    then generic "Sở …", "Phòng …", "Ban Chỉ đạo …" names where no registry name starts.

    Overlaps resolve to the earliest start, then the longest span; at one start a registry name
    beats a generic guess.
    """
    return _chosen(text, _registry_spans(text), _generic_spans(text))


def first_body(text: str, within: int) -> tuple[int, int, str] | None:
    """``find_bodies(text)[0]`` when there is one and it starts at or before ``within``, else
    None: a subject is a body named at the start of its words, and finding every body in
    them cost most of reading the subject. The first body find_bodies returns is the first
    candidate (by start, then longest) whose span is not empty once trimmed, so the
    candidates starting after ``within`` need not be found."""
    found = _chosen(text, _registry_spans(text, within), _generic_spans(text, within), first=True)
    return found[0] if found and found[0][0] <= within else None


def _chosen(
    text: str, registry: list[tuple[int, int]], generic_all: list[tuple[int, int]], first: bool = False
) -> list[tuple[int, int, str]]:
    """The non-overlapping spans of :func:`find_bodies` (only the first with ``first``)."""
    starts = {s for s, _ in registry}
    generic = [(s, e) for s, e in generic_all if s not in starts]
    candidates = sorted({*registry, *generic}, key=lambda se: (se[0], -(se[1] - se[0])))
    chosen: list[tuple[int, int]] = []
    for start, end in candidates:
        end = len(text[:end].rstrip(" \t\n.,;:-"))
        if end <= start:
            continue
        if chosen and start < chosen[-1][1]:
            continue
        chosen.append((start, end))
        if first:
            break
    return [(s, e, text[s:e]) for s, e in chosen]
