"""A risk score per enterprise from its alerts: severity weights, scaled by case status.

score = sum over the enterprise's alerts of weight(severity) x factor(status), where the
weights are high 10, medium 4, low 1 and the factors are confirmed 2, open and under review 1,
dismissed and resolved (its cause gone) 0. The level is high from 30, medium from 10, low above
0. docs/rules.md explains it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rareledger.domain.detection.model import SEVERITY_WEIGHT

STATUS_FACTOR = {"open": 1, "under_review": 1, "confirmed": 2, "dismissed": 0, "resolved": 0}
LEVELS = ((30, "high"), (10, "medium"), (1, "low"))


@dataclass
class Risk:
    enterprise_id: str
    score: int = 0
    alerts: int = 0
    by_severity: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    codes: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def level(self) -> str:
        return next((name for bound, name in LEVELS if self.score >= bound), "none")

    def as_dict(self) -> dict[str, Any]:
        return {
            "enterprise_id": self.enterprise_id,
            "score": self.score,
            "level": self.level,
            "alerts": self.alerts,
            "high": self.by_severity.get("high", 0),
            "medium": self.by_severity.get("medium", 0),
            "low": self.by_severity.get("low", 0),
            "codes": dict(sorted(self.codes.items())),
        }


def risk_scores(alerts: Iterable[Mapping[str, Any]]) -> list[Risk]:
    """Scores of every enterprise named by an alert, highest first."""
    scores: dict[str, Risk] = {}
    for alert in alerts:
        points = SEVERITY_WEIGHT.get(alert["severity"], 0) * STATUS_FACTOR.get(alert["status"], 1)
        for firm in alert["enterprise_ids"]:
            risk = scores.setdefault(firm, Risk(firm))
            risk.score += points
            if alert["status"] not in ("dismissed", "resolved"):
                risk.alerts += 1
                risk.by_severity[alert["severity"]] += 1
                risk.codes[alert["code"]] += 1
    return sorted(scores.values(), key=lambda r: (-r.score, r.enterprise_id))
