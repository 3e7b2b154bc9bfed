"""Score extraction against hand annotations (format: shared/eval/GOLD_FORMAT.md).

Instruments are matched on their canonical notation; links on the (source, target) pair
of numbered instruments — the annotations hold instrument-to-instrument links only, so the
document's own links ("Căn cứ …", mere citations) are left out of the score and counted
apart. Issuer names are compared loosely (abbreviations expanded, diacritics folded, one
name containing the other), because "Bộ Công an" and "Bộ trưởng Bộ Công an" name one issuer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kg.iri import fold
from kg.model import Extraction

_ABBREVIATIONS = {
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "bcd": "ban chi dao",
    "pctp": "phong chong toi pham",
    "tp": "thanh pho",
    "catp": "cong an thanh pho",
    "cat": "cong an tinh",
    "bch": "bo chi huy",
    "mttq": "mat tran to quoc",
    "uy": "uy",
}


# The annotations define a link as "A was issued to implement / carry out / is based on B";
# a report reviewing B and a mere citation are not such links.
SCORED_RELATIONS = ("implements", "based_on")


def normalise_name(name: str) -> str:
    f = fold(name)
    f = re.sub(r"\((?:khoa|khoá)?\s*[ivxl]+\)|\bkhoa\s+[ivxl]+\b", " ", f)
    f = re.sub(r"[^a-z0-9 ]+", " ", f)
    words = [_ABBREVIATIONS.get(w, w) for w in f.split()]
    return " ".join(" ".join(words).split())


def issuer_matches(predicted: str | None, gold: str | None) -> bool:
    if gold is None:
        return predicted is None
    if predicted is None:
        return False
    p, g = normalise_name(predicted), normalise_name(gold)
    return p == g or p in g or g in p


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Accuracy:
    right: int = 0
    total: int = 0

    @property
    def value(self) -> float:
        return self.right / self.total if self.total else 1.0


@dataclass
class Report:
    instruments: Score = field(default_factory=Score)
    links: Score = field(default_factory=Score)
    type: Accuracy = field(default_factory=Accuracy)
    date: Accuracy = field(default_factory=Accuracy)
    issuer: Accuracy = field(default_factory=Accuracy)
    header: Accuracy = field(default_factory=Accuracy)
    named: Accuracy = field(default_factory=Accuracy)  # recall of instruments cited by name
    drivers: Accuracy = field(default_factory=Accuracy)  # recall of annotated drivers
    observations: Accuracy = field(default_factory=Accuracy)  # value + unit + evidence
    observations_measure: Accuracy = field(default_factory=Accuracy)  # … and the measure too
    problems: list[str] = field(default_factory=list)
    extra: dict[str, float] = field(default_factory=dict)

    def format(self) -> str:
        lines = [
            f"instruments  P={self.instruments.precision:.3f} R={self.instruments.recall:.3f} F1={self.instruments.f1:.3f}"
            f"  (tp={self.instruments.tp} fp={self.instruments.fp} fn={self.instruments.fn})",
            f"links        P={self.links.precision:.3f} R={self.links.recall:.3f} F1={self.links.f1:.3f}"
            f"  (tp={self.links.tp} fp={self.links.fp} fn={self.links.fn})",
            f"type accuracy   {self.type.value:.3f} ({self.type.right}/{self.type.total})",
            f"date accuracy   {self.date.value:.3f} ({self.date.right}/{self.date.total})",
            f"issuer accuracy {self.issuer.value:.3f} ({self.issuer.right}/{self.issuer.total})",
            f"header fields   {self.header.value:.3f} ({self.header.right}/{self.header.total})",
            f"named recall    {self.named.value:.3f} ({self.named.right}/{self.named.total})",
            f"driver recall   {self.drivers.value:.3f} ({self.drivers.right}/{self.drivers.total})",
            f"observation recall (value, unit)          {self.observations.value:.3f}"
            f" ({self.observations.right}/{self.observations.total})",
            f"observation recall (value, unit, measure) {self.observations_measure.value:.3f}"
            f" ({self.observations_measure.right}/{self.observations_measure.total})",
        ]
        lines += [f"{k:15} {v:.3f}" for k, v in self.extra.items()]
        if self.problems:
            lines.append("")
            lines.append("misses and false hits:")
            lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


def score_document(gold: dict, got: Extraction, report: Report) -> None:
    """Add one document's comparison to ``report``."""
    doc = gold["doc"]
    predicted = {i.notation: i for i in got.instruments if i.notation}
    expected = {g["notation"]: g for g in gold["instruments"]}
    for notation, g in expected.items():
        inst = predicted.get(notation)
        if inst is None:
            report.instruments.fn += 1
            report.problems.append(f"{doc}: missed instrument {notation}")
            continue
        report.instruments.tp += 1
        _attribute(report.type, fold(inst.type or "") == fold(g["type"] or ""), doc, notation, "type", inst.type, g["type"], report)
        _attribute(report.date, inst.date == g["date"], doc, notation, "date", inst.date, g["date"], report)
        _attribute(report.issuer, issuer_matches(inst.issuer, g["issuer"]), doc, notation, "issuer", inst.issuer, g["issuer"], report)
    for notation in predicted.keys() - expected.keys():
        report.instruments.fp += 1
        report.problems.append(f"{doc}: false instrument {notation}")

    own = {"#document", got.document.notation}
    got_links = {
        (r.source, r.target)
        for r in got.relations
        if r.source not in own and r.type in SCORED_RELATIONS
    }
    gold_links = {(g["source"], g["target"]) for g in gold["links"]}
    for pair in sorted(gold_links):
        if pair in got_links:
            report.links.tp += 1
        else:
            report.links.fn += 1
            report.problems.append(f"{doc}: missed link {pair[0]} → {pair[1]}")
    for pair in sorted(got_links - gold_links):
        report.links.fp += 1
        report.problems.append(f"{doc}: false link {pair[0]} → {pair[1]}")

    got_names = [normalise_name(i.name) for i in got.instruments if i.notation is None and i.name]
    for g in gold.get("named_instruments", []):
        want = normalise_name(g["name"])
        report.named.total += 1
        report.named.right += any(n == want or n in want or want in n for n in got_names)

    _score_drivers(gold, got, report)
    _score_observations(gold, got, report)

    gd = gold["document"]
    for name in ("type", "notation", "province", "year", "signer", "date"):
        ok = getattr(got.document, name) == gd.get(name)
        report.header.total += 1
        report.header.right += ok
        if not ok:
            report.problems.append(f"{doc}: header {name} {getattr(got.document, name)!r} ≠ {gd.get(name)!r}")


def locate(text: str, quote: str) -> tuple[int, int] | None:
    """Where an annotation's quote sits in the text: whitespace-insensitive, and "…" joins
    quoted parts (the annotations replace line breaks by spaces and elide with "…")."""
    spans = []
    for part in quote.split("…"):
        words = part.split()
        if sum(len(w) for w in words) < 6:
            continue
        m = re.search(r"\s+".join(map(re.escape, words)), text)
        if m is None:
            return None
        spans.append((m.start(), m.end()))
    return (min(a for a, _ in spans), max(b for _, b in spans)) if spans else None


def _overlaps(a_start: int, a_end: int, span: tuple[int, int]) -> bool:
    return a_start < span[1] and span[0] < a_end


def _score_drivers(gold: dict, got: Extraction, report: Report) -> None:
    """A driver is found when an activity overlapping its evidence has that instrument among
    its drivers (a named instrument matches by name)."""
    text = got.source.text
    for d in gold.get("drivers", []):
        report.drivers.total += 1
        span = locate(text, d["evidence"])
        want = normalise_name(d["instrument"])
        keys = {
            i.key
            for i in got.instruments
            if i.notation == d["instrument"]
            or (i.name and (normalise_name(i.name) in want or want in normalise_name(i.name)))
        }
        hit = span is not None and any(
            _overlaps(a.evidence.start, a.evidence.end, span) and keys & set(a.drivers)
            for a in got.activities
        )
        report.drivers.right += hit
        if not hit:
            report.problems.append(f"{gold['doc']}: missed driver {d['instrument']} ← {d['evidence'][:70]}")


def _unit(u: str) -> str:
    u = " ".join(re.sub(r"[^\w%]+", " ", u.lower()).split())
    return {"đ": "đồng", "gam": "g"}.get(u, u)


def _unit_compatible(a: str, b: str) -> bool:
    a, b = _unit(a), _unit(b)
    return a == b or a.startswith(b + " ") or b.startswith(a + " ")


def _measure_compatible(got: str, want: str) -> bool:
    """Measures are phrased freely; half of the predicted words in the annotated phrase will do."""
    g, w = set(normalise_name(got).split()), set(normalise_name(want).split())
    return bool(g) and len(g & w) * 2 >= len(g)


def _score_observations(gold: dict, got: Extraction, report: Report) -> None:
    text = got.source.text
    for g in gold.get("observations", []):
        report.observations.total += 1
        report.observations_measure.total += 1
        span = locate(text, g["evidence"])
        hits = [
            o
            for o in got.observations
            if span is not None
            and abs(o.value - g["value"]) < 1e-6
            and _unit_compatible(o.unit, g["unit"])
            and _overlaps(o.evidence.start, o.evidence.end, span)
        ]
        report.observations.right += bool(hits)
        with_measure = any(_measure_compatible(o.measure, g["measure"]) for o in hits)
        report.observations_measure.right += with_measure
        if not hits:
            report.problems.append(f"{gold['doc']}: missed observation {g['value']} {g['unit']} ← {g['evidence'][:60]}")
        elif not with_measure:
            report.problems.append(
                f"{gold['doc']}: observation {g['value']} {g['unit']} measure {hits[0].measure!r} ≠ {g['measure']!r}"
            )


def _attribute(acc: Accuracy, ok: bool, doc: str, notation: str, name: str, got, want, report: Report) -> None:  # type: ignore[no-untyped-def]
    acc.total += 1
    acc.right += ok
    if not ok:
        report.problems.append(f"{doc}: {notation} {name} {got!r} ≠ {want!r}")


def evaluate(
    gold_dir: Path,
    docs_dir: Path,
    extract: Callable[[Path], Extraction],
) -> Report:
    """Score every annotated document of ``gold_dir`` whose source is in ``docs_dir``."""
    report = Report()
    golds = sorted(gold_dir.glob("*.json"))
    if not golds:
        raise FileNotFoundError(f"no annotation files (*.json) in {gold_dir}")
    for path in golds:
        try:
            gold = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: not a JSON annotation file ({exc})") from exc
        if not isinstance(gold, dict) or not {"doc", "instruments", "links", "document"} <= gold.keys():
            raise ValueError(f"{path}: not an annotation file (needs doc, document, instruments, links)")
        source = docs_dir / gold["doc"]
        if not source.exists():
            raise FileNotFoundError(f"{path.name} annotates {gold['doc']}, which is not in {docs_dir}")
        score_document(gold, extract(source), report)
    return report
