"""Scores the cyber classifier against hand labels: precision, recall, F1, confusion, misclassified symbols.

Gold labels are a CSV (`symbol,cyber_related,sector,hard_negative,reason`): our labels and a short reason in
our own words, never the notification text. Hand-made test cases are JSON lines, each a synthetic
notification (title, description, products, codes, objectives) with what we expect of it; `read_cases`
turns them into `Notification`s under clearly fake symbols (`G/TBT/N/SYN/<line>`).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cyberreg.model.notification import Notification, NotificationSource, SourceKind
from cyberreg.monitor.classify import CYBER_THRESHOLD, Classification, Flag, Sector, classify_all
from cyberreg.monitor.symbols import SymbolError, normalize_symbol
from cyberreg.sources.problems import InputError, Problem

GOLD_COLUMNS = ("symbol", "cyber_related", "sector", "hard_negative", "reason")
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n", ""}


@dataclass(frozen=True)
class GoldLabel:
    symbol: str
    cyber_related: bool
    sector: Sector = Sector.NONE
    hard_negative: bool = False
    reason: str = ""


def _bool(value: str | None, name: str, problems: list[str]) -> bool:
    text = (value or "").strip().casefold()
    if text in _TRUE:
        return True
    if text not in _FALSE:
        problems.append(f"{name}: expected true or false, got {value!r}")
    return False


def read_gold_labels(path: str | Path) -> dict[str, GoldLabel]:
    """Gold labels by canonical symbol; `InputError` names every bad line (all or nothing)."""
    path = Path(path)
    problems: list[Problem] = []
    labels: dict[str, GoldLabel] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in GOLD_COLUMNS[:2] if name not in (reader.fieldnames or [])]
        if missing:
            raise InputError(
                [Problem(path.name, 1, name, "column missing from the header") for name in missing]
            )
        for line, row in enumerate(reader, start=2):
            errors: list[str] = []
            try:
                symbol = normalize_symbol(row.get("symbol") or "")
            except SymbolError as error:
                errors.append(f"symbol: {error}")
                symbol = ""
            cyber = _bool(row.get("cyber_related"), "cyber_related", errors)
            hard = _bool(row.get("hard_negative"), "hard_negative", errors)
            sector_text = (row.get("sector") or "").strip() or Sector.NONE.value
            try:
                sector = Sector(sector_text)
            except ValueError:
                errors.append(f"sector: not one of {', '.join(s.value for s in Sector)}: {sector_text!r}")
                sector = Sector.NONE
            if not cyber and sector is not Sector.NONE:
                errors.append(f"sector: must be none when not cyber-related, got {sector.value}")
            if cyber and hard:
                errors.append("hard_negative: a cyber-related notification cannot be a hard negative")
            if symbol in labels:
                errors.append(f"symbol: {symbol} labelled twice")
            problems += [Problem(path.name, line, *error.split(": ", 1)) for error in errors]
            if not errors:
                labels[symbol] = GoldLabel(symbol, cyber, sector, hard, (row.get("reason") or "").strip())
    if problems:
        raise InputError(problems)
    return labels


# ---------------------------------------------------------------------------------------------------------
# Hand-made cases.


@dataclass(frozen=True)
class Expected:
    cyber_related: bool
    sector: Sector
    national_security: bool = False
    flags: tuple[Flag, ...] = ()
    hard_negative: bool = False
    hard_negative_type: str | None = None


@dataclass(frozen=True)
class Case:
    id: str
    split: str  # `dev` (used while writing the rules) or `holdout` (checked once, not tuned on)
    note: str
    notification: Notification
    expected: Expected

    @property
    def gold(self) -> GoldLabel:
        e = self.expected
        return GoldLabel(self.notification.symbol, e.cyber_related, e.sector, e.hard_negative, self.note)


SYNTHETIC_MEMBER = "Synthetic (hand-made test case)"
SYNTHETIC_DATE = dt.date(2000, 1, 1)


def _case(raw: Any, line: int, file: str) -> Case:
    if not isinstance(raw, dict):
        raise ValueError("a case must be a JSON object")
    expected = raw["expected"]
    notification = Notification(
        symbol=f"G/TBT/N/SYN/{line}",
        area="TBT",
        member=SYNTHETIC_MEMBER,
        member_code="SYN",
        distribution_date=SYNTHETIC_DATE,
        title=raw["title"],
        description=raw.get("description"),
        products=raw.get("products"),
        hs_codes=raw.get("hs_codes", []),
        ics_codes=raw.get("ics_codes", []),
        objectives=raw.get("objectives", []),
        keywords=raw.get("keywords", []),
        source=NotificationSource(kind=SourceKind.MANUAL, file=file, row=line, id=raw["id"]),
    )
    return Case(
        id=raw["id"],
        split=raw.get("split", "dev"),
        note=raw.get("note", ""),
        notification=notification,
        expected=Expected(
            cyber_related=bool(expected["cyber_related"]),
            sector=Sector(expected.get("sector") or "none"),
            national_security=bool(expected.get("national_security", False)),
            flags=tuple(Flag(flag) for flag in expected.get("flags", [])),
            hard_negative=bool(expected.get("hard_negative", False)),
            hard_negative_type=expected.get("hard_negative_type"),
        ),
    )


def read_cases(path: str | Path) -> list[Case]:
    """Hand-made cases from JSON lines; `InputError` names every bad line."""
    path = Path(path)
    cases: list[Case] = []
    problems: list[Problem] = []
    for line, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
            if not isinstance(raw, dict) or raw.get("synthetic") is not True:
                raise ValueError('every case must say `"synthetic": true`')
            cases.append(_case(raw, line, path.name))
        except (ValueError, KeyError, TypeError, ValidationError) as error:
            problems.append(Problem(path.name, line, None, f"{type(error).__name__}: {error}"))
    if problems:
        raise InputError(problems)
    return cases


# ---------------------------------------------------------------------------------------------------------
# Scores.


@dataclass(frozen=True)
class Confusion:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def total(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / self.total if self.total else 0.0

    def __str__(self) -> str:
        return (
            f"precision {self.precision:.3f}, recall {self.recall:.3f}, F1 {self.f1:.3f} "
            f"(TP {self.tp}, FP {self.fp}, FN {self.fn}, TN {self.tn})"
        )


@dataclass(frozen=True)
class Misclassified:
    symbol: str
    gold: bool
    predicted: bool
    score: float
    hard_negative: bool
    reason: str  # the gold label's reason
    evidence: str  # the rules that fired, one line

    def __str__(self) -> str:
        kind = "false positive" if self.predicted else "false negative"
        hard = " (hard negative)" if self.hard_negative else ""
        head = f"{self.symbol}: {kind}{hard}, score {self.score:.2f}"
        return f"{head}; gold: {self.reason}; rules: {self.evidence}"


@dataclass(frozen=True)
class Evaluation:
    confusion: Confusion
    misclassified: list[Misclassified] = field(default_factory=list)
    hard_negatives: int = 0
    hard_negative_false_positives: list[str] = field(default_factory=list)
    sector_correct: int = 0  # among true positives whose gold label names a sector
    sector_total: int = 0
    sector_errors: list[tuple[str, Sector, Sector]] = field(default_factory=list)  # symbol, gold, predicted
    unlabelled: list[str] = field(default_factory=list)  # classified but not in the gold labels
    missing: list[str] = field(default_factory=list)  # in the gold labels but not classified

    def summary(self) -> str:
        lines = [f"cyber-related: {self.confusion}"]
        lines.append(
            f"hard negatives: {self.hard_negatives}, read as cyber: {len(self.hard_negative_false_positives)}"
        )
        if self.sector_total:
            lines.append(f"sector right on {self.sector_correct}/{self.sector_total} true positives")
        lines += [f"  misclassified {item}" for item in self.misclassified]
        lines += [
            f"  wrong sector {s}: gold {g.value}, predicted {p.value}" for s, g, p in self.sector_errors
        ]
        if self.unlabelled:
            lines.append(f"not labelled (not scored): {len(self.unlabelled)}")
        if self.missing:
            lines.append(f"labelled but not classified: {', '.join(self.missing)}")
        return "\n".join(lines)


def _evidence_line(classification: Classification) -> str:
    return "; ".join(f"{e.rule} {e.text!r}" for e in classification.evidence if e.weight) or "none"


def evaluate(classifications: Iterable[Classification], gold: Mapping[str, GoldLabel]) -> Evaluation:
    """Compare classifications with gold labels, by symbol; unlabelled symbols are listed, not scored."""
    tp = fp = fn = tn = 0
    misclassified: list[Misclassified] = []
    hard_fp: list[str] = []
    sector_errors: list[tuple[str, Sector, Sector]] = []
    sector_correct = sector_total = 0
    seen: set[str] = set()
    unlabelled: list[str] = []
    for item in classifications:
        label = gold.get(item.symbol)
        if label is None:
            unlabelled.append(item.symbol)
            continue
        seen.add(item.symbol)
        predicted = item.cyber_related
        if predicted and label.cyber_related:
            tp += 1
            if label.sector is not Sector.NONE:
                sector_total += 1
                if item.sector is label.sector:
                    sector_correct += 1
                else:
                    sector_errors.append((item.symbol, label.sector, item.sector))
        elif predicted:
            fp += 1
            if label.hard_negative:
                hard_fp.append(item.symbol)
        elif label.cyber_related:
            fn += 1
        else:
            tn += 1
        if predicted != label.cyber_related:
            misclassified.append(
                Misclassified(
                    item.symbol,
                    label.cyber_related,
                    predicted,
                    item.cyber_score,
                    label.hard_negative,
                    label.reason,
                    _evidence_line(item),
                )
            )
    return Evaluation(
        confusion=Confusion(tp, fp, fn, tn),
        misclassified=misclassified,
        hard_negatives=sum(1 for s in seen if gold[s].hard_negative),
        hard_negative_false_positives=hard_fp,
        sector_correct=sector_correct,
        sector_total=sector_total,
        sector_errors=sector_errors,
        unlabelled=unlabelled,
        missing=sorted(set(gold) - seen),
    )


def evaluate_notifications(
    notifications: Iterable[Notification],
    gold: Mapping[str, GoldLabel],
    *,
    threshold: float = CYBER_THRESHOLD,
) -> Evaluation:
    """Classify the notifications and compare with the gold labels."""
    return evaluate(classify_all(notifications, threshold=threshold), gold)
