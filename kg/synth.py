"""A synthetic national corpus: documents with known facts, and their RDF, at any scale.

Why: the five seed documents cannot show whether extraction holds up over thousands of
documents, nor how the store behaves at 10^6–10^7 triples. The generator reproduces the shape
of the real corpus — central directives → provincial programmes and plans → district plans →
activities of bodies → reported figures — in the language patterns the extractor is built for,
and writes, for every document:

- the text (``documents/<name>.txt``), laid out like PDF-extracted reports: header block,
  hard line breaks about every 80 characters with blank lines between, notations sometimes
  split over a line break ("36-" / "CT/TW");
- its truth (``truth/<name>.json``) in the gold format of ``shared/eval/GOLD_FORMAT.md``, so
  :func:`kg.evaluate.evaluate` scores extraction at scale;
- its triples, as N-Quads in the document's named graph, written as strings (no rdflib graph),
  with exactly the IRIs and terms :func:`kg.build.build_graph` writes for the same facts (the
  tests check the two are isomorphic).

Identity follows DESIGN.md: central notations are nationwide; local numbering restarts every
year in every body, so the same "…/KH-UBND" recurs across provinces and years as different
instruments (different IRIs). Because :func:`kg.iri.instrument` scopes a local notation by
province and year only, the generator never lets two bodies of one province print the same
notation in one year (a district's "12/KH-UBND" and the province's would otherwise merge).

Determinism: only ``random.Random(seed)`` draws; no clock, no ``hash()``, no set iteration
order reaches the output, so the same arguments give byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import IO

from kg import build as _build
from kg import iri
from kg.model import (
    Activity,
    DocumentHeader,
    Evidence,
    Extraction,
    Instrument,
    Observation,
    Relation,
    SourceDocument,
    Span,
)

# Approximate triple totals per scale; "small" is for tests and quick looks.
SCALES: dict[str, int] = {"small": 20_000, "1e5": 100_000, "1e6": 1_000_000, "1e7": 10_000_000}
LAST_YEAR = 2024  # the corpus ends before the 2025 reorganisation abolished districts
LINE_WIDTH = 80

# The 34 provincial-level units from 1 July 2025 (Nghị quyết 202/2025/QH15): name, unit word.
PROVINCES: tuple[tuple[str, str], ...] = (
    ("An Giang", "tỉnh"), ("Bắc Ninh", "tỉnh"), ("Cà Mau", "tỉnh"), ("Cần Thơ", "thành phố"),
    ("Cao Bằng", "tỉnh"), ("Đà Nẵng", "thành phố"), ("Đắk Lắk", "tỉnh"), ("Điện Biên", "tỉnh"),
    ("Đồng Nai", "tỉnh"), ("Đồng Tháp", "tỉnh"), ("Gia Lai", "tỉnh"), ("Hà Nội", "thành phố"),
    ("Hà Tĩnh", "tỉnh"), ("Hải Phòng", "thành phố"), ("Hồ Chí Minh", "thành phố"),
    ("Huế", "thành phố"), ("Hưng Yên", "tỉnh"), ("Khánh Hòa", "tỉnh"), ("Lai Châu", "tỉnh"),
    ("Lâm Đồng", "tỉnh"), ("Lạng Sơn", "tỉnh"), ("Lào Cai", "tỉnh"), ("Nghệ An", "tỉnh"),
    ("Ninh Bình", "tỉnh"), ("Phú Thọ", "tỉnh"), ("Quảng Ngãi", "tỉnh"), ("Quảng Ninh", "tỉnh"),
    ("Quảng Trị", "tỉnh"), ("Sơn La", "tỉnh"), ("Tây Ninh", "tỉnh"), ("Thái Nguyên", "tỉnh"),
    ("Thanh Hóa", "tỉnh"), ("Tuyên Quang", "tỉnh"), ("Vĩnh Long", "tỉnh"),
)
# Provinces without a land border or coast have no Bộ đội Biên phòng command.
_NO_BORDER_GUARD = frozenset({"Hà Nội", "Bắc Ninh", "Phú Thọ", "Thái Nguyên"})

# District names are composed, so there are enough distinct ones for every province.
_DISTRICT_HEADS = ("Tân", "Phú", "Bình", "Thanh", "Vĩnh", "Hòa", "An", "Long", "Mỹ", "Đông",
                   "Tây", "Hưng", "Thuận", "Lạc", "Yên", "Quảng", "Kim", "Như", "Hải", "Sơn",
                   "Văn", "Cẩm", "Đức", "Ninh")
_DISTRICT_TAILS = ("Sơn", "Lâm", "Bình", "Hòa", "Phú", "Thạnh", "Yên", "Xuân", "Hưng", "Lộc",
                   "Thành", "Đức", "Phong", "Lợi", "Tiến", "Khánh", "Trung", "Long", "Điền",
                   "Quang", "Hà", "Giang", "Mỹ", "Châu")

_SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Lò", "Giàng")
_MIDDLES = ("Văn", "Thị", "Đức", "Minh", "Hữu", "Quốc", "Thanh", "Tiến", "Ngọc", "Xuân")
_GIVENS = ("Dũng", "Hùng", "Lan", "Tuấn", "Hà", "Sơn", "Bình", "Thắng", "Hương", "Long", "Nam",
           "Phong", "Tâm", "Hải", "Quang", "Thảo", "Cường", "Vinh")

# Subjects ("về …") of instruments. None holds a trigger word, a type word or a number, so a
# subject never reads as a link or a citation.
_SUBJECTS = (
    "tăng cường sự lãnh đạo của Đảng đối với công tác phòng, chống tội phạm trong tình hình mới",
    "tăng cường, nâng cao hiệu quả công tác phòng, chống và kiểm soát ma túy",
    "tăng cường công tác phòng ngừa, đấu tranh với tội phạm và vi phạm pháp luật liên quan đến tín dụng đen",
    "tăng cường phòng ngừa, xử lý hoạt động lừa đảo chiếm đoạt tài sản",
    "tăng cường công tác phòng, chống mua bán người",
    "xây dựng phong trào toàn dân bảo vệ an ninh Tổ quốc",
    "tăng cường công tác bảo đảm an ninh, trật tự trong tình hình mới",
    "phòng, chống tội phạm sử dụng công nghệ cao",
    "đẩy mạnh công tác phòng ngừa xã hội trong phòng, chống tội phạm",
    "bảo đảm trật tự, an toàn giao thông và phòng, chống tội phạm trên địa bàn",
)


@dataclass(frozen=True)
class _Pattern:
    """A central notation pattern: what it is, who issues it, how it is numbered."""

    fmt: str  # "{n}-CT/TW", "{n}/{y}/NĐ-CP" …
    type_word: str  # as printed before the notation
    type_label: str  # the label the extractor files it under
    issuers: tuple[str, ...]
    party: bool
    max_number: int


_CENTRAL_PATTERNS: tuple[_Pattern, ...] = (
    _Pattern("{n}-CT/TW", "Chỉ thị", "Chỉ thị", ("Bộ Chính trị", "Ban Bí thư"), True, 60),
    _Pattern("{n}-NQ/TW", "Nghị quyết", "Nghị quyết", ("Bộ Chính trị",), True, 60),
    _Pattern("{n}-KL/TW", "Kết luận", "Kết luận", ("Bộ Chính trị", "Ban Bí thư"), True, 150),
    _Pattern("{n}/CT-TTg", "Chỉ thị", "Chỉ thị", ("Thủ tướng Chính phủ",), False, 40),
    _Pattern("{n}/{y}/NĐ-CP", "Nghị định", "Nghị định", ("Chính phủ",), False, 180),
    _Pattern("{n}/QĐ-TTg", "Quyết định", "Quyết định", ("Thủ tướng Chính phủ",), False, 2200),
    _Pattern("{n}/{y}/TT-BCA", "Thông tư", "Thông tư", ("Bộ Công an",), False, 130),
    _Pattern("{n}/QĐ-BCA-V05", "Quyết định", "Quyết định", ("Bộ Công an",), False, 9000),
)


@dataclass
class _Inst:
    """An instrument of the synthetic world (not yet a citation in any document)."""

    notation: str
    type_word: str  # printed before the notation ("Chương trình hành động")
    type_label: str  # "Chương trình"
    issuer: str  # canonical full name: "Ủy ban nhân dân tỉnh Lai Châu"
    issuer_text: str  # how documents of the same province name it: "UBND tỉnh"
    day: date
    subject: str
    local: bool
    jurisdiction: str | None
    parent: _Inst | None = None
    party: bool = False

    @property
    def year(self) -> int:
        return self.day.year


@dataclass(frozen=True)
class _Body:
    """A reporting body of a province or district."""

    name: str  # canonical full name
    short: str  # as named inside documents of its own province
    caps: str  # header line
    report_code: str  # "{n}/BC-CAT" …
    kinds: tuple[str, ...]  # activity templates it performs
    signer_role: tuple[str, ...]


@dataclass
class _Province:
    name: str
    unit: str  # "tỉnh" | "thành phố"
    districts: list[str]
    bodies: list[_Body]


@dataclass
class SynthReport:
    """What :func:`generate` wrote."""

    out_dir: Path
    documents: int
    triples: int
    seconds: float
    citations: int = 0  # instruments cited, counted once per citing document
    activities: int = 0
    observations: int = 0
    documents_dir: Path | None = None
    truth_dir: Path | None = None
    rdf_path: Path | None = None


# ----------------------------------------------------------------------------- public API


def target_triples(scale: str) -> int:
    """The triple total a scale aims at (the generator lands within a few per cent)."""
    try:
        return SCALES[scale]
    except KeyError:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}") from None


def generate(
    out_dir: Path,
    *,
    seed: int = 0,
    provinces: int = 34,
    years: int = 10,
    scale: str = "small",
    write_documents: bool = True,
    write_rdf: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> SynthReport:
    """Write a synthetic corpus under ``out_dir``; the same arguments give the same bytes.

    Layout: ``documents/*.txt``, ``truth/*.json`` (when ``write_documents``) and
    ``corpus.nq`` (when ``write_rdf``). The triple total follows ``scale`` whatever the
    number of provinces and years: fewer units means more documents per unit.
    """
    started = time.perf_counter()
    if not 1 <= provinces <= len(PROVINCES):
        raise ValueError(f"provinces must be between 1 and {len(PROVINCES)}")
    if years < 1:
        raise ValueError("years must be at least 1")
    target = target_triples(scale)
    out_dir = Path(out_dir)
    docs_dir, truth_dir = out_dir / "documents", out_dir / "truth"
    rdf_path = out_dir / "corpus.nq"
    if write_documents:
        docs_dir.mkdir(parents=True, exist_ok=True)
        truth_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)

    world = _World(random.Random(seed), provinces, years)
    report = SynthReport(out_dir, 0, 0, 0.0)
    rdf: IO[str] | None = open(rdf_path, "w", encoding="utf-8", newline="\n") if write_rdf else None  # noqa: SIM115
    try:
        units = [(y, p) for y in world.years for p in world.provinces]
        for done, (year, prov) in enumerate(units):
            remaining = len(units) - done
            budget = (target - report.triples) / remaining
            spent = 0
            for doc in world.province_year(prov, year):
                text = doc.text
                data = text.encode("utf-8")
                sha = hashlib.sha256(data).hexdigest()
                ex = doc.extraction(sha)
                lines = nquads(ex)
                report.triples += len(lines)
                report.documents += 1
                report.citations += len(doc.cited)
                report.activities += len(ex.activities)
                report.observations += len(ex.observations)
                if rdf is not None:
                    rdf.write("".join(lines))
                if write_documents:
                    (docs_dir / doc.name).write_bytes(data)
                    (truth_dir / (doc.name[:-4] + ".json")).write_text(_dump(doc.truth(ex)), encoding="utf-8")
                spent += len(lines)
                if spent >= budget or budget - spent < 0.5 * report.triples / report.documents:
                    break  # the next document would overshoot more than it fills
            if progress is not None:
                progress(done + 1, len(units))
    finally:
        if rdf is not None:
            rdf.close()
    report.seconds = time.perf_counter() - started
    report.documents_dir = docs_dir if write_documents else None
    report.truth_dir = truth_dir if write_documents else None
    report.rdf_path = rdf_path if write_rdf else None
    return report


def _dump(gold: dict) -> str:
    """Readable JSON, one list item per line, with the C encoder (``indent`` is 5× slower)."""
    out = ["{"]
    for n, (key, value) in enumerate(gold.items()):
        comma = "," if n < len(gold) - 1 else ""
        if isinstance(value, list) and value:
            items = ",\n  ".join(json.dumps(v, ensure_ascii=False) for v in value)
            out.append(f' {json.dumps(key)}: [\n  {items}\n ]{comma}')
        else:
            out.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    return "\n".join(out) + "\n}\n"


# ----------------------------------------------------------------------------- the world


def _province_names() -> set[str]:
    """Every provincial name, old and new: a district must not share one ("Hòa Bình")."""
    names = {p for p, _ in PROVINCES}
    try:
        from kg.reference import provinces

        names |= {p.name for p in provinces()}
    except Exception:  # noqa: BLE001 - reference data is optional here
        pass
    return names


def _district_names(rng: random.Random, count: int) -> list[str]:
    taken = _province_names()
    names = [f"{h} {t}" for h in _DISTRICT_HEADS for t in _DISTRICT_TAILS if h != t and f"{h} {t}" not in taken]
    rng.shuffle(names)
    return names[:count]


def _province_bodies(name: str, unit: str) -> list[_Body]:
    """The bodies that report on crime prevention, named the way kg.bodies names them."""
    short_unit = "Thành" if unit == "thành phố" else "Tỉnh"
    cat = "CATP" if unit == "thành phố" else "CAT"
    up = f"{unit} {name}".upper()
    bodies = [
        _Body(f"Công an {unit} {name}", f"Công an {unit}", f"CÔNG AN {up}", "{n}/BC-" + cat,
              ("tuyen_truyen", "ma_tuy", "truy_na", "xu_phat"), ("GIÁM ĐỐC",)),
        _Body(f"Sở Tư pháp {unit} {name}", "Sở Tư pháp", "SỞ TƯ PHÁP", "{n}/BC-STP",
              ("pho_bien", "to_gap"), ("GIÁM ĐỐC",)),
        _Body(f"{short_unit} Đoàn {name}", f"{short_unit} Đoàn", f"{short_unit.upper()} ĐOÀN {name.upper()}",
              "{n}-BC/TĐTN", ("tuyen_truyen", "mo_hinh"), ("BÍ THƯ",)),
        _Body(f"Hội Liên hiệp Phụ nữ {unit} {name}", f"Hội Liên hiệp Phụ nữ {unit}",
              f"HỘI LIÊN HIỆP PHỤ NỮ {up}", "{n}/BC-HLHPN", ("tuyen_truyen", "ho_tro"), ("CHỦ TỊCH",)),
        _Body(f"Sở Lao động - Thương binh và Xã hội {unit} {name}", "Sở Lao động - Thương binh và Xã hội",
              "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "{n}/BC-SLĐTBXH", ("cai_nghien", "to_gap"), ("GIÁM ĐỐC",)),
    ]
    if name not in _NO_BORDER_GUARD:
        bodies.insert(1, _Body(
            f"Bộ Chỉ huy Bộ đội Biên phòng {unit} {name}", f"Bộ Chỉ huy Bộ đội Biên phòng {unit}",
            f"BỘ CHỈ HUY BỘ ĐỘI BIÊN PHÒNG {up}", "{n}/BC-BĐBP", ("tuan_tra", "ma_tuy", "tuyen_truyen"),
            ("CHỈ HUY TRƯỞNG",)))
    return bodies


class _Numbering:
    """Local numbering: each body's register restarts on 1 January and grows with the date."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: dict[tuple[str, str, int], set[int]] = {}
        self.volume: dict[tuple[str, str], int] = {}

    def number(self, register: str, code: str, day: date, typical: int, scope: str) -> int:
        """The next number of ``register`` for ``code``, unique within ``scope`` that year.

        ``scope`` is the province: instrument IRIs (kg.iri.instrument) tell local instruments
        apart by province and year only, so two bodies of one province must not print the
        same notation in one year, or their instruments would merge.
        """
        vol = self.volume.setdefault((register, code), max(5, int(typical * self.rng.uniform(0.5, 1.5))))
        used = self.used.setdefault((scope, code, day.year), set())
        n = max(1, int(vol * day.timetuple().tm_yday / 366) + self.rng.randint(0, 3))
        while n in used:
            n += 1
        used.add(n)
        return n


class _World:
    """The synthetic country: central instruments, provinces, and what each issues per year."""

    def __init__(self, rng: random.Random, provinces: int, years: int) -> None:
        self.rng = rng
        self.years = list(range(LAST_YEAR - years + 1, LAST_YEAR + 1))
        self.numbering = _Numbering(rng)
        self.centrals = self._central_instruments()
        names = _district_names(rng, provinces * 14)
        chosen = sorted(rng.sample(range(len(PROVINCES)), provinces))
        self.provinces: list[_Province] = []
        for k, i in enumerate(chosen):
            name, unit = PROVINCES[i]
            n_districts = rng.randint(6, 14)
            self.provinces.append(
                _Province(name, unit, names[k * 14 : k * 14 + n_districts], _province_bodies(name, unit))
            )
        self.implemented: dict[str, set[str]] = {}  # province → party directives it carried out
        self.serial = 0

    # -- central level

    def _central_instruments(self) -> list[_Inst]:
        first = self.years[0] - 4
        count = 6 + 3 * (self.years[-1] - first + 1)
        taken: set[str] = set()
        out: list[_Inst] = []
        while len(out) < count:
            pat = self.rng.choice(_CENTRAL_PATTERNS)
            day = _random_day(self.rng, self.rng.randint(first, self.years[-1]))
            n = self.rng.randint(1, pat.max_number)
            notation = pat.fmt.format(n=_pad(self.rng, n), y=day.year)
            if notation in taken:
                continue
            taken.add(notation)
            issuer = self.rng.choice(pat.issuers)
            subjects = [s for s in _SUBJECTS if pat.party or "Đảng" not in s]
            out.append(_Inst(notation, pat.type_word, pat.type_label, issuer, issuer, day,
                             self.rng.choice(subjects), False, None, party=pat.party))
        out.sort(key=lambda i: (i.day, i.notation))
        return out

    def _central_before(self, day: date, *, party: bool | None = None) -> list[_Inst]:
        return [c for c in self.centrals if c.day < day and (party is None or c.party == party)]

    # -- one province in one year

    def province_year(self, prov: _Province, year: int) -> Iterator[_Document]:
        """The documents of one province-year, most important first; the caller stops it.

        Plans come first (the provincial plan, a report on it, the party programme, the
        steering committee's plan), then district plans, body reports and district reports in
        turn, so a small budget still gets the top of the hierarchy and a large one its fan-out.
        """
        plans: list[_Inst] = []
        district_plans: dict[str, _Inst] = {}
        makers: list[Callable[[], _Document | None]] = [
            lambda: self._provincial_plan(prov, year, plans, "UBND"),
            lambda: self._body_report(prov, year, plans, 0),
            lambda: self._party_programme(prov, year, plans),
            lambda: self._provincial_plan(prov, year, plans, "BCĐ"),
        ]
        for k in range(10_000):
            if k < len(makers):
                doc = makers[k]()
            else:
                step = k - len(makers)
                which, i = step % 3, step // 3
                if which == 0:
                    doc = self._district_plan(prov, year, plans, district_plans, i)
                elif which == 1:
                    doc = self._body_report(prov, year, plans, 1 + i)
                else:
                    doc = self._district_report(prov, year, plans, district_plans, i)
            if doc is not None:
                yield doc

    def _new_name(self, prov: _Province, year: int, kind: str) -> str:
        self.serial += 1
        return f"{year}-{iri.slug(prov.name)}-{self.serial:06d}-{kind}.txt"

    def _party_programme(self, prov: _Province, year: int, plans: list[_Inst]) -> _Document | None:
        """Tỉnh ủy's action programme for a party directive it has not yet carried out."""
        done = self.implemented.setdefault(prov.name, set())
        day = _random_day(self.rng, year, lo=20, hi=300)
        todo = [c for c in self._central_before(day - timedelta(days=20), party=True) if c.notation not in done]
        if not todo:
            return None
        parent = todo[-1] if self.rng.random() < 0.7 else self.rng.choice(todo)
        done.add(parent.notation)
        unit = "Thành" if prov.unit == "thành phố" else "Tỉnh"
        n = self.numbering.number(f"{prov.name}/ĐẢNG", "CTr/TU", day, 60, prov.name)
        inst = _Inst(f"{n:02d}-CTr/TU", "Chương trình hành động", "Chương trình", f"{unit} ủy {prov.name}",
                     f"{unit} ủy", day, parent.subject, True, prov.name, parent=parent)
        plans.append(inst)
        header = (f"{unit.upper()} ỦY {prov.name.upper()}", "CHƯƠNG TRÌNH HÀNH ĐỘNG", ("T/M BAN THƯỜNG VỤ", "BÍ THƯ"))
        return _plan_document(self, prov, inst, header, self._new_name(prov, year, "ctr"), None)

    def _provincial_plan(self, prov: _Province, year: int, plans: list[_Inst], body: str) -> _Document:
        rng = self.rng
        day = _random_day(rng, year, lo=15, hi=350)
        u = prov.unit
        candidates = [p for p in plans if p.day < day - timedelta(days=5)]
        if candidates and rng.random() < 0.75:
            parent = rng.choice(candidates)
        else:
            parent = rng.choice(self._central_before(day - timedelta(days=10), party=False)[-12:] or self.centrals[:1])
        if body == "UBND":
            n = self.numbering.number(f"{prov.name}/UBND", "KH-UBND", day, 4000, prov.name)
            inst = _Inst(f"{n}/KH-UBND", "Kế hoạch", "Kế hoạch", f"Ủy ban nhân dân {u} {prov.name}",
                         f"UBND {u}", day, parent.subject, True, prov.name, parent=parent)
            header = (f"ỦY BAN NHÂN DÂN {u.upper()} {prov.name.upper()}", "KẾ HOẠCH", ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"))
        else:
            n = self.numbering.number(f"{prov.name}/BCĐ", "KH-BCĐ", day, 300, prov.name)
            full = f"Ban Chỉ đạo phòng, chống tội phạm {u} {prov.name}"
            inst = _Inst(f"{n:02d}/KH-BCĐ", "Kế hoạch", "Kế hoạch", full, f"Ban Chỉ đạo phòng, chống tội phạm {u}",
                         day, parent.subject, True, prov.name, parent=parent)
            header = (f"BAN CHỈ ĐẠO PHÒNG, CHỐNG TỘI PHẠM {u.upper()} {prov.name.upper()}", "KẾ HOẠCH", ("TRƯỞNG BAN",))
        plans.append(inst)
        return _plan_document(self, prov, inst, header, self._new_name(prov, year, "kh"), None)

    def _district_plan(self, prov: _Province, year: int, plans: list[_Inst],
                       district_plans: dict[str, _Inst], k: int) -> _Document | None:
        rng = self.rng
        district = prov.districts[k % len(prov.districts)]
        day = _random_day(rng, year, lo=30, hi=355)
        candidates = [p for p in plans if p.day < day - timedelta(days=5) and p.issuer.startswith("Ủy ban")]
        if not candidates:
            return None
        parent = rng.choice(candidates)
        n = self.numbering.number(f"{prov.name}/{district}", "KH-UBND", day, 400, prov.name)
        notation = f"{n:02d}/KH-UBND"
        inst = _Inst(notation, "Kế hoạch", "Kế hoạch", f"Ủy ban nhân dân huyện {district}", "UBND huyện",
                     day, parent.subject, True, prov.name, parent=parent)
        district_plans[district] = inst
        header = (f"ỦY BAN NHÂN DÂN HUYỆN {district.upper()}", "KẾ HOẠCH", ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"))
        return _plan_document(self, prov, inst, header, self._new_name(prov, year, "kh-huyen"), district)

    def _body_report(self, prov: _Province, year: int, plans: list[_Inst], k: int) -> _Document | None:
        if not plans:
            return None
        body = prov.bodies[k % len(prov.bodies)]
        return _report_document(self, prov, year, body, plans, None, self._new_name(prov, year, "bc"))

    def _district_report(self, prov: _Province, year: int, plans: list[_Inst],
                         district_plans: dict[str, _Inst], k: int) -> _Document | None:
        district = prov.districts[k % len(prov.districts)]
        own = district_plans.get(district)
        drivers = [own] if own else [p for p in plans if p.issuer.startswith("Ủy ban")]
        if not drivers:
            return None
        body = _Body(f"Ủy ban nhân dân huyện {district}", "UBND huyện", f"ỦY BAN NHÂN DÂN HUYỆN {district.upper()}",
                     "{n}/BC-UBND", ("tuyen_truyen", "xu_phat", "cai_nghien", "mo_hinh"), ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"))
        return _report_document(self, prov, year, body, drivers, district, self._new_name(prov, year, "bc-huyen"))


def _pad(rng: random.Random, n: int) -> str:
    return f"{n:02d}" if n < 10 and rng.random() < 0.5 else str(n)


def _random_day(rng: random.Random, year: int, lo: int = 1, hi: int = 360) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randint(lo - 1, hi - 1))


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLES)} {rng.choice(_GIVENS)}"


def _date_text(rng: random.Random, d: date) -> str:
    if rng.random() < 0.5:
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    return f"{d.day}/{d.month}/{d.year}"


def _vn_number(value: float, decimals: int = 0) -> str:
    """Vietnamese number format: "." groups thousands, "," marks decimals."""
    if decimals:
        whole, frac = f"{value:.{decimals}f}".split(".")
        return f"{int(whole):,}".replace(",", ".") + "," + frac
    return f"{int(value):,}".replace(",", ".")


# ----------------------------------------------------------------------------- text with facts


class _Text:
    """Text under construction: logical lines (paragraphs) plus the spans of the facts in them.

    Spans are recorded on the unwrapped text; :meth:`finish` inserts the line breaks and moves
    every span with them, so evidence offsets index the final text exactly.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.parts: list[str] = []
        self.pos = 0
        self.splittable: list[tuple[int, int]] = []  # notations that may break at their hyphen

    def add(self, s: str) -> tuple[int, int]:
        start = self.pos
        self.parts.append(s)
        self.pos += len(s)
        return start, self.pos

    def notation(self, s: str) -> tuple[int, int]:
        span = self.add(s)
        if "-" in s:
            self.splittable.append(span)
        return span

    def end_paragraph(self) -> None:
        self.add("\n\n")

    def finish(self) -> tuple[str, list[int]]:
        """The wrapped text, and the (sorted) logical offsets where line breaks went in."""
        logical = "".join(self.parts)
        out: list[str] = []
        inserts: list[int] = []  # logical offsets where "\n\n" was inserted
        starts = sorted(a for a, _ in self.splittable)
        line_start = 0
        for line in logical.split("\n"):
            _wrap_line(line, line_start, starts, self.rng, inserts)
            line_start += len(line) + 1
        cursor = 0
        for p in inserts:
            out.append(logical[cursor:p])
            out.append("\n\n")
            cursor = p
        out.append(logical[cursor:])
        return "".join(out), inserts


def _wrap_line(line: str, offset: int, starts: list[int], rng: random.Random, inserts: list[int]) -> None:
    """Break a long line near every ``LINE_WIDTH`` characters, as PDF text extraction does.

    A notation that reaches the end of a line is often split after its hyphen ("36-" /
    "CT/TW"), as in the seeds, so the extractor's repair of such splits is exercised.
    """
    start = 0
    while len(line) - start > LINE_WIDTH + 5:
        limit = start + LINE_WIDTH
        cut = line.rfind(" ", start + 20, limit)
        if cut < 0:
            return
        brk = cut + 1  # the space stays at the end of the line, as in the seeds
        i = bisect_left(starts, offset + start + 20)
        if i < len(starts) and starts[i] <= offset + limit + 3 and rng.random() < 0.25:
            hyphen = line.find("-", starts[i] - offset, limit + 10)
            if hyphen > 0 and line[hyphen + 1 : hyphen + 2].strip():
                brk = hyphen + 1
        inserts.append(offset + brk)
        start = brk


def _shift(inserts: list[int], start: int, end: int) -> tuple[int, int]:
    return start + 2 * bisect_right(inserts, start), end + 2 * bisect_left(inserts, end)


@dataclass
class _Cited:
    inst: _Inst
    spans: list[tuple[int, int]] = field(default_factory=list)
    dated: bool = False


@dataclass
class _Link:
    source: str
    target: str
    type: str
    span: tuple[int, int]


@dataclass
class _Act:
    agent: str
    agent_text: str
    description: str
    kind: str
    span: tuple[int, int]
    drivers: list[str]
    obs: list[tuple[float, str, str, tuple[int, int]]]


class _Document:
    """One synthetic document: its text and every fact it states, with spans."""

    def __init__(self, world: _World, prov: _Province, name: str) -> None:
        self.rng = world.rng
        self.prov = prov
        self.name = name
        self.t = _Text(world.rng)
        self.cited: dict[str, _Cited] = {}
        self.links: list[_Link] = []
        self.doc_links: list[_Link] = []
        self.acts: list[_Act] = []
        self.header = DocumentHeader()
        self.own: _Inst | None = None
        self.period: str | None = None
        self._text: str | None = None
        self._inserts: list[int] = []

    # -- writing

    def line(self, s: str) -> None:
        self.t.add(s)
        self.t.end_paragraph()

    def cite(self, inst: _Inst, *, full: bool, trailing_subject: bool = True) -> tuple[int, int]:
        """Print a citation; a full one gives date, issuer and subject (the first one always)."""
        rng = self.rng
        entry = self.cited.setdefault(inst.notation, _Cited(inst))
        full = full or not entry.spans
        start, _ = self.t.add(f"{inst.type_word} số ")
        span = self.t.notation(inst.notation)
        entry.spans.append(span)
        end = span[1]
        if full:
            sep = ", " if rng.random() < 0.3 else " "
            self.t.add(f"{sep}ngày {_date_text(rng, inst.day)} của {self._issuer_text(inst)}")
            entry.dated = True
            if trailing_subject:
                self.t.add(f" về {inst.subject}")
        return start, end

    def _issuer_text(self, inst: _Inst) -> str:
        if not inst.local:
            return inst.issuer
        if inst.jurisdiction == self.prov.name and self.header.level != "huyện":
            return inst.issuer_text  # "UBND tỉnh" inside the province's own documents
        return inst.issuer

    def chain(self, inst: _Inst, depth: int) -> tuple[int, int]:
        """"A … về triển khai thực hiện B … về thực hiện C …": a citation and its parents."""
        start, end = self.cite(inst, full=True, trailing_subject=inst.parent is None or depth == 0)
        node = inst
        while depth > 0 and node.parent is not None:
            parent = node.parent
            self.t.add(" về " + self.rng.choice(("triển khai thực hiện ", "thực hiện ", "tiếp tục thực hiện ")))
            p_start, p_end = self.cite(parent, full=True, trailing_subject=parent.parent is None or depth == 1)
            self.links.append(_Link(node.notation, parent.notation, "implements", (start, p_end)))
            node, start, depth = parent, p_start, depth - 1
        return start, end

    def finish(self) -> None:
        self._text, self._inserts = self.t.finish()

    @property
    def text(self) -> str:
        if self._text is None:
            self.finish()
        assert self._text is not None
        return self._text

    def span(self, s: tuple[int, int]) -> tuple[int, int]:
        return _shift(self._inserts, *s)

    # -- facts

    def extraction(self, sha256: str) -> Extraction:
        """The document's facts as the pipeline's data types (what a perfect extractor returns)."""
        text = self.text
        src = SourceDocument(self.name, self.name, text, sha256, "text/plain")

        def ev(s: tuple[int, int]) -> Evidence:
            a, b = self.span(s)
            return Evidence(a, b, text[a:b])

        instruments: list[Instrument] = []
        if self.own is not None:
            instruments.append(_instrument(self.own, [], dated=True))
        for c in self.cited.values():
            instruments.append(_instrument(c.inst, [Span(*self.span(s)) for s in c.spans], c.dated))
        own_key = self.header.notation or "#document"
        relations = [Relation(k.source, k.target, k.type, ev(k.span)) for k in self.links]
        relations += [Relation(own_key, k.target, k.type, ev(k.span)) for k in self.doc_links]
        linked = {k.target for k in self.doc_links}
        for key, c in self.cited.items():
            if key not in linked:
                relations.append(Relation(own_key, key, "cites", ev(c.spans[0])))
        activities: list[Activity] = []
        observations: list[Observation] = []
        for n, a in enumerate(self.acts, start=1):
            aid = f"a{n}"
            ids = []
            for value, unit, measure, s in a.obs:
                oid = len(observations) + 1
                ids.append(f"o{oid}")
                observations.append(Observation(value, unit, measure, ev(s), period=self.period,
                                                agent=a.agent, activity=aid))
            activities.append(Activity(aid, a.agent, a.description, a.kind, ev(a.span), list(a.drivers),
                                       period=self.period, observations=ids))
        return Extraction(src, self.header, instruments, relations, activities, observations)

    def truth(self, ex: Extraction) -> dict:
        """The gold annotation (shared/eval/GOLD_FORMAT.md) of this document."""
        h = self.header
        own = h.notation or "#document"

        def quote(e: Evidence) -> str:
            return " ".join(e.text.split())

        return {
            "doc": self.name,
            "document": {"type": h.type, "notation": h.notation, "issuer": h.issuer, "province": h.province,
                         "date": h.date, "year": h.year, "signer": h.signer, "title": h.title},
            "instruments": [
                {"notation": c.inst.notation, "type": c.inst.type_label,
                 "date": c.inst.day.isoformat() if c.dated else None,
                 "issuer": c.inst.issuer, "local": c.inst.local}
                for c in self.cited.values()
            ],
            "named_instruments": [],
            "links": [{"source": r.source, "target": r.target, "relation": r.type, "evidence": quote(r.evidence)}
                      for r in ex.relations if r.source != own and r.type in ("implements", "based_on")],
            "document_links": [{"source": r.source, "target": r.target, "relation": r.type,
                                "evidence": quote(r.evidence)} for r in ex.relations if r.source == own],
            "drivers": [{"instrument": d, "agent": a.agent, "activity": a.description, "evidence": quote(a.evidence)}
                        for a in ex.activities for d in a.drivers],
            "observations": [{"value": int(o.value) if o.value == int(o.value) else o.value, "unit": o.unit, "measure": o.measure, "agent": o.agent,
                              "period": o.period, "evidence": quote(o.evidence)} for o in ex.observations],
        }


@lru_cache(maxsize=4096)
def _type_code(notation: str) -> str | None:
    from kg.notation import parse

    n = parse(notation)
    return n.type_code if n else None


def _instrument(inst: _Inst, mentions: list[Span], dated: bool) -> Instrument:
    return Instrument(
        key=inst.notation, notation=inst.notation, type=inst.type_label, type_code=_type_code(inst.notation),
        date=inst.day.isoformat() if dated else None, year=inst.year, issuer=inst.issuer,
        local=inst.local, jurisdiction=inst.jurisdiction, subject=inst.subject, mentions=mentions,
    )


# ----------------------------------------------------------------------------- document kinds


def _head(doc: _Document, caps: str, notation: str, place: str, day: date, type_line: str) -> None:
    doc.line(caps)
    doc.line(f"Số: {notation}")
    doc.line(f"{place}, ngày {day.day} tháng {day.month} năm {day.year}")
    doc.line(type_line)


def _set_header(doc: _Document, prov: _Province, doc_type: str, notation: str, issuer: str, day: date,
                title: str, level: str, signer: str, period: str | None) -> None:
    doc.header = DocumentHeader(type=doc_type, notation=notation, issuer=issuer, province=prov.name,
                                date=day.isoformat(), year=day.year, signer=signer, title=title,
                                period=period, level=level)


def _basis(doc: _Document, world: _World, day: date, exclude: set[str]) -> None:
    """0–2 "Căn cứ …;" lines citing central legal instruments (the document's legal basis)."""
    rng = world.rng
    pool = [c for c in world._central_before(day) if not c.party and c.notation not in exclude]
    for inst in rng.sample(pool, min(len(pool), rng.randint(0, 2))):
        exclude.add(inst.notation)
        start, _ = doc.t.add("Căn cứ ")
        _, end = doc.cite(inst, full=True)
        doc.doc_links.append(_Link("", inst.notation, "based_on", (start, end)))
        doc.t.add(";")
        doc.t.end_paragraph()


def _plan_document(world: _World, prov: _Province, inst: _Inst, header: tuple, name: str,
                   district: str | None) -> _Document:
    rng = world.rng
    doc = _Document(world, prov, name)
    caps, type_line, roles = header
    level = "huyện" if district else prov.unit
    place = district or prov.name
    parent = inst.parent
    assert parent is not None
    signer = _person(rng)
    title = f"Triển khai thực hiện {parent.type_word} số {parent.notation} năm {inst.year}"
    doc_type = "Chương trình" if inst.type_label == "Chương trình" else "Kế hoạch"
    _set_header(doc, prov, doc_type, inst.notation, inst.issuer, inst.day, title, level, signer, f"năm {inst.year}")
    doc.own = inst
    _head(doc, caps, inst.notation, place, inst.day, type_line)
    doc.t.add("Triển khai thực hiện ")
    # The title: "Triển khai thực hiện Chỉ thị số 99-CT/TW năm 2020" (no date: the preamble has it).
    doc.t.add(f"{parent.type_word} số ")
    tspan = doc.t.notation(parent.notation)
    doc.t.add(f" năm {inst.year}")
    doc.t.end_paragraph()
    exclude = {parent.notation}
    node = parent
    while node.parent is not None:
        exclude.add(node.parent.notation)
        node = node.parent
    _basis(doc, world, inst.day, exclude)
    p_start, _ = doc.t.add("Thực hiện ")
    c_start, c_end = doc.chain(parent, depth=2)
    doc.doc_links.append(_Link("", parent.notation, "implements", (p_start, c_end)))
    # the title's mention counts as the first mention of the parent
    doc.cited[parent.notation].spans.insert(0, tspan)
    who = "UBND huyện" if district else inst.issuer_text
    doc.t.add(f", {who} ban hành {type_line.capitalize()} thực hiện như sau:")
    doc.t.end_paragraph()
    doc.line("I. MỤC ĐÍCH, YÊU CẦU")
    doc.line("1. Quán triệt sâu sắc, đầy đủ mục tiêu, nhiệm vụ, giải pháp phòng, chống tội phạm đến cán bộ, "
             "đảng viên và Nhân dân; nâng cao vai trò, trách nhiệm của cấp ủy, chính quyền các cấp trong "
             "lãnh đạo, chỉ đạo công tác bảo đảm an ninh, trật tự trên địa bàn.")
    doc.line("2. Xác định rõ nhiệm vụ trọng tâm, phân công cụ thể cho từng cơ quan, đơn vị, địa phương; "
             "bảo đảm sự phối hợp chặt chẽ, đồng bộ giữa các lực lượng.")
    doc.line("II. NHIỆM VỤ, GIẢI PHÁP")
    units = _DISTRICT_UNITS if district else tuple(b.short for b in prov.bodies)
    tasks = rng.sample(units, min(len(units), rng.randint(2, 4)))
    for i, b in enumerate(tasks, start=1):
        doc.line(f"{i}. {b}: chủ trì, phối hợp với các cơ quan liên quan tăng cường công tác tuyên "
                 f"truyền, phòng ngừa, đấu tranh với các loại tội phạm thuộc lĩnh vực được giao; định kỳ "
                 f"báo cáo kết quả về cơ quan thường trực.")
    extra = [c for c in world._central_before(inst.day) if c.notation not in exclude and c.notation not in doc.cited]
    if extra and rng.random() < 0.5:
        c = rng.choice(extra[-10:])
        doc.t.add(f"{len(tasks) + 1}. Tiếp tục quán triệt nghiêm túc ")
        doc.cite(c, full=True)
        doc.t.add(" đến các cơ quan, đơn vị.")
        doc.t.end_paragraph()
    doc.line("III. TỔ CHỨC THỰC HIỆN")
    doc.line("Các cơ quan, đơn vị, địa phương căn cứ nhiệm vụ được giao xây dựng kế hoạch cụ thể để tổ chức "
             "triển khai; định kỳ báo cáo kết quả trước ngày 15 tháng 12 hằng năm.")
    _signature(doc, roles, signer)
    doc.finish()
    return doc


_DISTRICT_UNITS = ("Công an huyện", "Phòng Tư pháp huyện", "Huyện Đoàn", "Hội Liên hiệp Phụ nữ huyện",
                   "Phòng Lao động - Thương binh và Xã hội huyện", "Phòng Văn hóa và Thông tin huyện")


def _signature(doc: _Document, roles: tuple[str, ...], signer: str) -> None:
    doc.line("Nơi nhận:")
    doc.line("- Như trên;")
    doc.line("- Lưu: VT.")
    for r in roles:
        doc.line(r)
    doc.line(signer)


def _report_document(world: _World, prov: _Province, year: int, body: _Body, plans: list[_Inst],
                     district: str | None, name: str) -> _Document:
    rng = world.rng
    doc = _Document(world, prov, name)
    day = min(date(year, 12, 31), max(p.day for p in plans) + timedelta(days=rng.randint(5, 60)))
    register = f"{prov.name}/{district or body.name}"
    n = world.numbering.number(register, body.report_code, day, 250, prov.name)
    notation = body.report_code.format(n=f"{n:02d}")
    main = rng.choice(plans)
    signer = _person(rng)
    period = f"năm {year}"
    title = f"Kết quả thực hiện {main.type_word} số {main.notation} {period}"
    level = "huyện" if district else prov.unit
    _set_header(doc, prov, "Báo cáo", notation, body.name, day, title, level, signer, period)
    doc.own = _Inst(notation, "Báo cáo", "Báo cáo", body.name, body.short, day, title, True, prov.name)
    _head(doc, body.caps, notation, district or prov.name, day, "BÁO CÁO")
    doc.t.add(f"Kết quả thực hiện {main.type_word} số ")
    tspan = doc.t.notation(main.notation)
    doc.t.add(f" {period}")
    doc.t.end_paragraph()
    p_start, _ = doc.t.add("Thực hiện ")
    _, c_end = doc.chain(main, depth=rng.randint(1, 2))
    doc.doc_links.append(_Link("", main.notation, "implements", (p_start, c_end)))
    doc.cited[main.notation].spans.insert(0, tspan)
    doc.t.add(f", {body.short} báo cáo kết quả {period} như sau:")
    doc.t.end_paragraph()
    doc.line("I. KẾT QUẢ ĐẠT ĐƯỢC")
    drivers = [p for p in plans if p.notation in doc.cited] or [main]
    for i in range(1, rng.randint(4, 14) + 1):
        kind = rng.choice(body.kinds)
        driver = rng.choice(drivers) if rng.random() < 0.8 else None
        _activity(doc, i, body, kind, driver)
    doc.line("II. TỒN TẠI, HẠN CHẾ")
    doc.line("Công tác phối hợp giữa các lực lượng có lúc chưa chặt chẽ; nguồn lực bảo đảm cho công tác "
             "phòng, chống tội phạm còn hạn chế.")
    _signature(doc, body.signer_role, signer)
    doc.period = period
    doc.finish()
    return doc


# Activity templates: kind label, description, sentence with {n},{m},{x} slots, observations.
_ACTIVITIES: dict[str, tuple[str, str, str, tuple[tuple[str, str, str, str], ...]]] = {
    "tuyen_truyen": ("tuyên truyền", "tổ chức tuyên truyền về phòng, chống tội phạm và ma túy",
                     "tổ chức {n} buổi tuyên truyền về phòng, chống tội phạm và ma túy, thu hút hơn {m} lượt người tham gia",
                     (("n", "buổi", "buổi tuyên truyền", "buổi"), ("m", "lượt người", "lượt người tham gia", "lượt người"))),
    "pho_bien": ("tuyên truyền", "tổ chức phổ biến, giáo dục pháp luật về phòng, chống tội phạm",
                 "tổ chức {n} buổi tuyên truyền, phổ biến, giáo dục pháp luật cho hơn {m} lượt người tham gia",
                 (("n", "buổi", "buổi tuyên truyền", "buổi"), ("m", "lượt người", "lượt người tham gia", "lượt người"))),
    "to_gap": ("tuyên truyền", "phát hành tài liệu tuyên truyền phòng, chống tội phạm",
               "phát hành {n} tờ gấp và đăng tải {m} tin bài tuyên truyền phòng, chống tội phạm",
               (("n", "tờ", "tờ gấp", "tờ gấp"), ("m", "tin bài", "tin bài", "tin bài"))),
    "ma_tuy": ("đấu tranh trấn áp", "phát hiện, bắt giữ các vụ phạm tội về ma túy",
               "phát hiện, bắt giữ {n} vụ, {m} đối tượng phạm tội về ma túy, thu giữ {x} kg heroin",
               (("n", "vụ", "vụ phạm tội về ma túy", "vụ"), ("m", "đối tượng", "đối tượng bị bắt", "đối tượng"),
                ("x", "kg", "kg heroin", "kg"))),
    "truy_na": ("đấu tranh trấn áp", "truy bắt, vận động đầu thú đối tượng truy nã",
                "bắt, vận động đầu thú {n} đối tượng truy nã",
                (("n", "đối tượng", "đối tượng truy nã", "đối tượng"),)),
    "xu_phat": ("điều tra xử lý", "kiểm tra, xử phạt vi phạm hành chính",
                "kiểm tra, xử phạt vi phạm hành chính {n} trường hợp, thu nộp ngân sách {x} triệu đồng",
                (("n", "trường hợp", "trường hợp bị xử phạt", "trường hợp"), ("x", "triệu đồng", "tiền phạt", "triệu đồng"))),
    "tuan_tra": ("tuần tra kiểm soát", "tổ chức tuần tra, kiểm soát khu vực biên giới",
                 "tổ chức {n} lượt tuần tra, kiểm soát với {m} lượt cán bộ, chiến sĩ tham gia",
                 (("n", "lượt", "lượt tuần tra", "lượt"), ("m", "lượt cán bộ", "lượt cán bộ, chiến sĩ tham gia", "lượt cán bộ"))),
    "cai_nghien": ("cai nghiện", "tổ chức cai nghiện ma túy",
                   "lập hồ sơ đưa {n} người nghiện ma túy đi cai nghiện bắt buộc",
                   (("n", "người", "người nghiện ma túy", "người"),)),
    "mo_hinh": ("xây dựng phong trào", "xây dựng mô hình tự quản về an ninh, trật tự",
                "duy trì và xây dựng mới {n} mô hình tự quản về an ninh, trật tự",
                (("n", "mô hình", "mô hình tự quản về an ninh, trật tự", "mô hình"),)),
    "ho_tro": ("hỗ trợ", "hỗ trợ nạn nhân bị mua bán trở về",
               "tiếp nhận, hỗ trợ {n} nạn nhân bị mua bán trở về tái hòa nhập cộng đồng",
               (("n", "nạn nhân", "nạn nhân bị mua bán được hỗ trợ", "nạn nhân"),)),
}


def _values(rng: random.Random, key: str) -> dict[str, float]:
    """Plausible magnitudes: people per session, suspects per case, fines per case."""
    n = rng.randint(2, 60)
    values: dict[str, float] = {"n": n, "m": n * rng.randint(40, 150), "x": round(rng.uniform(0.2, 40), 2)}
    if key == "ma_tuy":
        values["m"] = rng.randint(n, 2 * n + 3)
        values["x"] = round(n * rng.uniform(0.01, 0.4), 2)
    elif key == "xu_phat":
        values["x"] = round(n * rng.uniform(1.5, 7.5), 1)
    elif key == "tuan_tra":
        values["m"] = n * rng.randint(3, 8)
    elif key == "to_gap":
        values["n"], values["m"] = n * rng.randint(20, 200), rng.randint(5, 120)
    return values


def _activity(doc: _Document, i: int, body: _Body, key: str, driver: _Inst | None) -> None:
    """One numbered item: "2. Thực hiện Kế hoạch số …, Công an tỉnh đã tổ chức 26 buổi …"."""
    rng = doc.rng
    kind, description, sentence, slots = _ACTIVITIES[key]
    values = _values(rng, key)
    doc.t.add(f"{i}. ")
    start = doc.t.pos
    drivers: list[str] = []
    if driver is not None:
        doc.t.add("Thực hiện ")
        doc.cite(driver, full=False)
        doc.t.add(", ")
        drivers.append(driver.notation)
    doc.t.add(f"{body.short} đã ")
    obs: list[tuple[float, str, str, tuple[int, int]]] = []
    # Fill the sentence slot by slot, recording where each number is printed.
    rest = sentence
    spans: dict[str, tuple[int, int]] = {}
    while "{" in rest:
        a = rest.index("{")
        doc.t.add(rest[:a])
        slot = rest[a + 1]
        v = values[slot]
        s = doc.t.add(_vn_number(v, 2 if v != int(v) else 0) if slot == "x" else _vn_number(v))
        spans[slot] = s
        rest = rest[a + 3 :]
    doc.t.add(rest + ".")
    end = doc.t.pos
    for slot, unit, measure, _word in slots:
        value = float(values[slot])
        obs.append((value, unit, measure, (start, end)))
    doc.acts.append(_Act(body.name, body.short, description, kind, (start, end), drivers, obs))
    doc.t.end_paragraph()


# ----------------------------------------------------------------------------- N-Quads


_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_PROV = "http://www.w3.org/ns/prov#"
_ELI = "http://data.europa.eu/eli/ontology#"
_DCT = "http://purl.org/dc/terms/"
_ORG = "http://www.w3.org/ns/org#"
_QB = "http://purl.org/linked-data/cube#"
_KGO = iri.ONTOLOGY

_TYPE = f"<{_RDF}type>"
_TRUE = f'"true"^^<{_XSD}boolean>'
_FALSE = f'"false"^^<{_XSD}boolean>'
_RELATION_PROPERTY = {
    "implements": f"<{_KGO}implements>",
    "based_on": f"<{_ELI}based_on>",
    "reviews": f"<{_KGO}reviews>",
    "cites": f"<{_ELI}cites>",
}


def _k(term: str) -> str:
    return f"<{_KGO}{term}>"


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def _lit(s: str) -> str:
    return f'"{_esc(s)}"'


def _vi(s: str) -> str:
    return f'"{_esc(s)}"@vi'


def _int(n: int) -> str:
    return f'"{n}"^^<{_XSD}integer>'


def _bool(b: bool) -> str:
    return _TRUE if b else _FALSE


def _dec(v: float) -> str:
    return f'"{Decimal(repr(float(v)))}"^^<{_XSD}decimal>'


class _Quads:
    """Collects one document's statements as N-Quads lines, once each (a graph is a set)."""

    def __init__(self, graph: str) -> None:
        self.g = f" <{graph}> .\n"
        self.seen: set[str] = set()
        self.lines: list[str] = []

    def add(self, s: str, p: str, o: str) -> None:
        self.raw(f"{s} {p} {o}")

    def raw(self, spo: str) -> None:
        line = spo + self.g
        if line not in self.seen:
            self.seen.add(line)
            self.lines.append(line)


def nquads(ex: Extraction) -> list[str]:
    """The N-Quads lines of one document's named graph: the statements of
    :func:`kg.build.build_graph` for the same extraction, written as strings for speed.

    Bodies and type concepts come from kg.build's own helpers (cached: a corpus names few
    distinct bodies), so the writer follows the builder's naming rules instead of copying them.
    """
    src = ex.source
    doc_iri = iri.document(src.sha256)
    doc = f"<{doc_iri}>"
    q = _Quads(doc_iri)
    add = q.add
    add(doc, _TYPE, _k("SourceDocument"))
    add(doc, _k("fileName"), _lit(src.name))
    add(doc, _k("sha256"), _lit(src.sha256))
    add(doc, _k("mediaType"), _lit(src.media_type))
    add(doc, _k("textLength"), _int(len(src.text)))
    add(doc, _k("text"), _lit(src.text))

    header = ex.document
    here = (header.province, header.level)
    self_keys = {"#document"} | ({header.notation} if header.notation else set())
    by_key = {i.key: _instrument_iri(i) for i in ex.instruments}
    own = next((i for i in ex.instruments if i.key == header.notation), None) if header.notation else None

    def resolve(key: str) -> str:
        if key in self_keys:
            return doc
        if key in by_key:
            return by_key[key]
        if key.startswith("name:"):
            return f"<{iri.instrument(None, name=key[5:])}>"
        return f"<{iri.instrument(key)}>"

    alias = None
    if header.type or header.notation or _refers_to_itself(ex, self_keys):
        _header_quads(q, doc, header, own)
        if header.notation:
            local = own.local if own is not None else bool(header.province)
            jurisdiction = (own.jurisdiction if own else None) or header.province
            year = (own.year if own else None) or header.year
            issuer = _build.issuer_scope(header.issuer, jurisdiction) if local else None
            alias = f"<{iri.instrument(header.notation, local=local, jurisdiction=jurisdiction, year=year, issuer=issuer)}>"
            if alias != doc:
                add(doc, f"<{_PROV}alternateOf>", alias)
                _header_quads(q, alias, header, own)

    evidence = [0]
    text = src.text

    def mint(start: int, end: int, quote: str) -> str:
        evidence[0] += 1
        node = f"<{iri.fact(doc_iri, 'evidence', evidence[0])}>"
        inside = 0 <= start <= end <= len(text)
        add(node, _TYPE, _k("Evidence"))
        add(node, _k("inDocument"), doc)
        add(node, _k("start"), _int(start))
        add(node, _k("end"), _int(end))
        add(node, _k("quote"), _lit(text[start:end] if inside else quote))
        return node

    merged: dict[str, Instrument] = {}
    for inst in ex.instruments:  # one description per IRI, first seen wins (as kg.build)
        merged.setdefault(_instrument_iri(inst), inst)
    for subject, inst in merged.items():
        if inst.key in self_keys:
            continue
        if subject != alias:
            _instrument_quads(q, subject, inst, here)
        add(subject, _k("mentionedIn"), doc)
        for span in inst.mentions:
            add(subject, _k("evidence"), mint(span.start, span.end, ""))

    for n, r in enumerate(ex.relations, start=1):
        source, target = resolve(r.source), resolve(r.target)
        prop = _RELATION_PROPERTY.get(r.type)
        link = f"<{iri.fact(doc_iri, 'link', n)}>"
        if prop is not None:
            add(source, prop, target)
        add(source, _k("qualifiedLink"), link)
        add(link, _TYPE, _k("Link"))
        add(link, _k("source"), source)
        add(link, _k("target"), target)
        add(link, _k("relation"), prop if prop is not None else _k(iri.slug(r.type)))
        add(link, _k("evidence"), mint(r.evidence.start, r.evidence.end, r.evidence.text))

    activity_iris = {a.id: f"<{iri.fact(doc_iri, 'activity', n)}>" for n, a in enumerate(ex.activities, start=1)}
    for n, a in enumerate(ex.activities, start=1):
        node = f"<{iri.fact(doc_iri, 'activity', n)}>"
        add(node, _TYPE, f"<{_PROV}Activity>")
        add(node, f"<{_DCT}description>", _vi(a.description))
        add(node, _k("reportedIn"), doc)
        if a.kind:
            _concept(add, node, _k("activityKind"), iri.activity_kind(a.kind), a.kind)
        if a.period:
            add(node, _k("period"), _vi(a.period))
        if a.place:
            _place(add, node, f"<{_PROV}atLocation>", a.place)
        plans = [resolve(d) for d in dict.fromkeys(a.drivers)]
        for plan in plans:
            add(node, f"<{_PROV}wasInfluencedBy>", plan)
        if a.agent:
            body = _body(q, a.agent, here)
            add(node, f"<{_PROV}wasAssociatedWith>", body)
            for j, plan in enumerate(plans or [None], start=1):
                assoc = f"<{iri.fact(doc_iri, 'association', f'{n}-{j}')}>"
                add(node, f"<{_PROV}qualifiedAssociation>", assoc)
                add(assoc, _TYPE, f"<{_PROV}Association>")
                add(assoc, f"<{_PROV}agent>", body)
                if plan is not None:
                    add(assoc, f"<{_PROV}hadPlan>", plan)
        add(node, _k("evidence"), mint(a.evidence.start, a.evidence.end, a.evidence.text))

    for n, o in enumerate(ex.observations, start=1):
        node = f"<{iri.fact(doc_iri, 'observation', n)}>"
        add(node, _TYPE, f"<{_QB}Observation>")
        add(node, _TYPE, f"<{_PROV}Entity>")
        add(node, _k("value"), _dec(o.value))
        add(node, _k("unit"), _lit(o.unit))
        _concept(add, node, _k("measure"), iri.measure(o.measure), o.measure)
        add(node, _k("reportedIn"), doc)
        if o.period:
            add(node, _k("period"), _vi(o.period))
        if o.place:
            _place(add, node, f"<{_PROV}atLocation>", o.place)
        if o.agent:
            add(node, f"<{_PROV}wasAttributedTo>", _body(q, o.agent, here))
        if o.activity is not None:
            dangling = f"<{iri.fact(doc_iri, 'activity', 'unknown-' + iri.slug(o.activity))}>"
            add(node, f"<{_PROV}wasGeneratedBy>", activity_iris.get(o.activity, dangling))
        if o.change is not None:
            add(node, _k("change"), _dec(o.change))
        if o.change_rate is not None:
            add(node, _k("changeRate"), _dec(o.change_rate))
        if o.compared_to:
            add(node, _k("comparedTo"), _vi(o.compared_to))
        add(node, _k("evidence"), mint(o.evidence.start, o.evidence.end, o.evidence.text))
    return q.lines


Add = Callable[[str, str, str], None]
Here = tuple[str | None, str | None]  # (province, level) a document speaks from


def _refers_to_itself(ex: Extraction, self_keys: set[str]) -> bool:
    referenced = [r.source for r in ex.relations] + [r.target for r in ex.relations]
    referenced += [d for a in ex.activities for d in a.drivers]
    return any(k in self_keys for k in referenced)


def _instrument_iri(inst: Instrument) -> str:
    return f"<{_build.instrument_iri(inst)}>"


def _label(type_name: str | None, notation: str | None, name: str | None) -> str:
    if name:
        return name
    if type_name and notation:
        return f"{type_name} {notation}"
    return notation or type_name or "?"


@lru_cache(maxsize=4096)
def _type_concept(type_name: str | None, type_code: str | None) -> str | None:
    from kg import build

    concept = build._type_concept(type_name, type_code)
    return None if concept is None else concept.n3()


@lru_cache(maxsize=65536)
def _body_statements(name: str, province: str | None, level: str | None) -> tuple[str, tuple[str, ...]]:
    """A body's IRI and description exactly as kg.build resolves them (kg.bodies rules)."""
    from kg.build import Here as BuildHere
    from kg.build import body_iri, body_triples

    here = BuildHere(province, level)
    lines = tuple(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in body_triples(name, here))
    return body_iri(name, here).n3(), lines


def _body(q: _Quads, name: str, here: Here) -> str:
    node, lines = _body_statements(name, *here)
    for line in lines:
        q.raw(line)
    return node


def _type_quads(add: Add, subject: str, type_name: str | None, type_code: str | None) -> None:
    if type_name:
        add(subject, _k("typeName"), _vi(type_name))
    concept = _type_concept(type_name, type_code)
    if concept is not None:
        add(subject, f"<{_ELI}type_document>", concept)


def _instrument_quads(q: _Quads, s: str, inst: Instrument, here: Here) -> None:
    add = q.add
    add(s, _TYPE, _k("Instrument"))
    add(s, _TYPE, f"<{_ELI}LegalResource>")
    add(s, f"<{_RDFS}label>", _vi(_label(inst.type, inst.notation, inst.name)))
    add(s, _k("isLocal"), _bool(inst.local))
    if inst.notation:
        add(s, f"<{_ELI}id_local>", _lit(inst.notation))
    _type_quads(add, s, inst.type, inst.type_code)
    if inst.date:
        add(s, f"<{_ELI}date_document>", f'"{inst.date}"^^<{_XSD}date>')
    year = inst.year if inst.year is not None else (int(inst.date[:4]) if inst.date else None)
    if year is not None:
        add(s, _k("year"), _int(year))
        add(s, _k("yearInferred"), _bool(inst.year_inferred))
    if inst.issuer:
        add(s, f"<{_ELI}passed_by>", _body(q, inst.issuer, (inst.jurisdiction or here[0], None)))
        add(s, _k("issuerInferred"), _bool(inst.issuer_inferred))
    if inst.jurisdiction:
        _place(add, s, _k("jurisdiction"), inst.jurisdiction)
    if inst.subject:
        add(s, _k("subject"), _vi(inst.subject))


def _header_quads(q: _Quads, s: str, h: DocumentHeader, own: Instrument | None) -> None:
    add = q.add
    local = own.local if own is not None else bool(h.province)
    add(s, _TYPE, _k("Instrument"))
    add(s, _TYPE, f"<{_ELI}LegalResource>")
    label = _label(h.type, h.notation, None)
    if not (h.type or h.notation):
        label = h.title or label
    add(s, f"<{_RDFS}label>", _vi(label))
    add(s, _k("isLocal"), _bool(local))
    if h.notation:
        add(s, f"<{_ELI}id_local>", _lit(h.notation))
    _type_quads(add, s, h.type, own.type_code if own else None)
    if h.date:
        add(s, f"<{_ELI}date_document>", f'"{h.date}"^^<{_XSD}date>')
    year = h.year if h.year is not None else (int(h.date[:4]) if h.date else None)
    if year is not None:
        add(s, _k("year"), _int(year))
        add(s, _k("yearInferred"), _FALSE)
    if h.issuer:
        add(s, f"<{_ELI}passed_by>", _body(q, h.issuer, (h.province, None)))
        add(s, _k("issuerInferred"), _FALSE)
    if h.province and local:
        _place(add, s, _k("jurisdiction"), h.province)
    if h.signer:
        add(s, _k("signer"), _lit(h.signer))
    if h.title:
        add(s, _k("subject"), _vi(h.title))
    if h.period:
        add(s, _k("period"), _vi(h.period))


def _place(add: Add, s: str, p: str, name: str) -> None:
    place = f"<{iri.place(name)}>"
    add(s, p, place)
    add(place, _TYPE, f"<{_DCT}Location>")
    add(place, _TYPE, f"<{_SKOS}Concept>")
    add(place, f"<{_SKOS}prefLabel>", _vi(name))


def _concept(add: Add, s: str, p: str, concept: str, label: str) -> None:
    c = f"<{concept}>"
    add(s, p, c)
    add(c, _TYPE, f"<{_SKOS}Concept>")
    add(c, f"<{_SKOS}prefLabel>", _vi(label))
