"""A lottery over panels, its fairness figures, a stable JSON form and a reproducible draw.

The draw needs no random generator: anyone holding the published JSON and the seed can repeat it.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

ALGORITHM_VERSION = "gemeinsam-sortition/1"
FORMAT = "gemeinsam-sortition-distribution/1"
# Probabilities are rounded to integer weights summing to GRID before a draw, so that the
# choice is made in exact integer arithmetic and floating point never decides it.
GRID = 10**9


@dataclass
class Distribution:
    """Panels (tuples of sorted person ids) with their probabilities, which sum to 1."""

    panels: list[tuple[str, ...]]
    probabilities: list[float]
    algorithm: str
    people: list[str]  # the whole pool, including people no panel contains

    def person_probabilities(self) -> dict[str, float]:
        """Each person's selection probability; the values sum to the panel size k."""
        result = dict.fromkeys(self.people, 0.0)
        for panel, probability in zip(self.panels, self.probabilities, strict=True):
            for person in panel:
                result[person] += probability
        return result

    @property
    def min_probability(self) -> float:
        return min(self.person_probabilities().values(), default=0.0)

    @property
    def gini(self) -> float:
        """Gini coefficient of the person probabilities (0: everyone has the same chance)."""
        return gini(self.person_probabilities().values())

    def never_selected(self) -> list[str]:
        """People in no panel of the support (for LEXIMIN: in no feasible panel at all)."""
        members = {person for panel in self.panels for person in panel}
        return [person for person in self.people if person not in members]

    def canonical(self) -> list[tuple[tuple[str, ...], float]]:
        """Panels with their probabilities, each panel's ids sorted, panels sorted."""
        return sorted(
            (tuple(sorted(panel)), probability)
            for panel, probability in zip(self.panels, self.probabilities, strict=True)
        )

    def grid_weights(self) -> list[int]:
        """Integer weights summing to GRID for the canonical panels, by largest remainder.

        Each float is converted exactly (Fraction), so every machine gets the same integers;
        remainder ties go to the earlier canonical panel.
        """
        exact = [Fraction(probability) for _, probability in self.canonical()]
        total = sum(exact)
        if total <= 0:
            raise ValueError("the probabilities sum to zero")
        shares = [value * GRID / total for value in exact]
        weights = [share.numerator // share.denominator for share in shares]
        missing = GRID - sum(weights)
        order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - weights[i]), i))
        for i in order[:missing]:
            weights[i] += 1
        return weights

    def draw(self, seed: str) -> tuple[str, ...]:
        """The panel for `seed`: SHA-256 of the seed's UTF-8 bytes read as an integer u in
        [0, 2^256); the first canonical panel whose cumulative grid weight exceeds
        u · GRID / 2^256. A panel whose probability rounds to weight 0 is never drawn."""
        u = int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest(), "big")
        target = u * GRID  # compared with cumulative · 2^256, all in integers
        cumulative = 0
        panels = self.canonical()
        for (panel, _), weight in zip(panels, self.grid_weights(), strict=True):
            cumulative += weight
            if target < cumulative << 256:
                return panel
        raise AssertionError("grid weights sum to GRID, so some panel is drawn")

    def to_dict(self) -> dict:
        panels = self.canonical()
        return {
            "format": FORMAT,
            "algorithm": self.algorithm,
            "people": list(self.people),
            "grid": GRID,
            "panels": [
                {"members": list(panel), "probability": probability, "weight": weight}
                for (panel, probability), weight in zip(panels, self.grid_weights(), strict=True)
            ],
        }

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no spaces, canonical panel order, floats by repr."""
        return canonical_json(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> "Distribution":
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} document")
        return cls(
            panels=[tuple(panel["members"]) for panel in data["panels"]],
            probabilities=[float(panel["probability"]) for panel in data["panels"]],
            algorithm=data["algorithm"],
            people=list(data["people"]),
        )

    def commitment(self, inputs_bytes: bytes) -> str:
        """SHA-256 (hex) of the canonical JSON of the inputs' hash, this distribution and the
        algorithm version: published before the seed is known, it fixes the lottery."""
        document = {
            "algorithm_version": ALGORITHM_VERSION,
            "distribution": self.to_dict(),
            "inputs_sha256": hashlib.sha256(inputs_bytes).hexdigest(),
        }
        return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def gini(probabilities: Iterable[float]) -> float:
    """Gini coefficient of selection probabilities (0: everyone has the same chance)."""
    values = sorted(probabilities)
    n, total = len(values), sum(values)
    if n == 0 or total <= 0:
        return 0.0
    weighted = sum((rank + 1) * value for rank, value in enumerate(values))
    return max(0.0, 2 * weighted / (n * total) - (n + 1) / n)


def inputs_bytes(
    features: bytes, people: bytes, size: int, id_column: str | None, household_columns
) -> bytes:
    """What a commitment fixes about the inputs: the two files' hashes and the settings
    they are read with (the platform and `gemeinsam sortition verify` both use this)."""
    document = {
        "features_sha256": hashlib.sha256(features).hexdigest(),
        "people_sha256": hashlib.sha256(people).hexdigest(),
        "size": size,
        "id_column": id_column,
        "household_columns": list(household_columns),
    }
    return canonical_json(document).encode("utf-8")
