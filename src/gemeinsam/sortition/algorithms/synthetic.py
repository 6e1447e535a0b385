"""Berlin-like volunteer pools for the demo, tests and the benchmark (no real people).

Who answers an invitation is skewed: older, better educated people without a migration
background reply more often. `berlin_pool` draws volunteers with those propensities;
`berlin_quotas` asks for each value's population share of the panel, give or take 15 %.
Shares are rounded figures of the Amt für Statistik Berlin-Brandenburg (2023).
"""

import random
from collections.abc import Mapping

from .instance import Instance, Quota

DISTRICTS = [
    "Mitte", "Friedrichshain-Kreuzberg", "Pankow", "Charlottenburg-Wilmersdorf", "Spandau",
    "Steglitz-Zehlendorf", "Tempelhof-Schöneberg", "Neukölln", "Treptow-Köpenick",
    "Marzahn-Hellersdorf", "Lichtenberg", "Reinickendorf",
]  # fmt: skip

# feature -> value -> (population share, volunteering propensity)
BERLIN: dict[str, dict[str, tuple[float, float]]] = {
    "district": {name: (1 / 12, 1.0) for name in DISTRICTS},
    "age": {"16-24": (0.11, 0.6), "25-34": (0.18, 0.9), "35-49": (0.25, 1.0),
            "50-64": (0.23, 1.3), "65+": (0.23, 1.1)},
    "gender": {"female": (0.505, 1.0), "male": (0.49, 1.0), "diverse": (0.005, 1.5)},
    "education": {"low": (0.25, 0.5), "medium": (0.40, 0.9), "high": (0.35, 1.6)},
    "migration": {"yes": (0.38, 0.6), "no": (0.62, 1.2)},
    "employment": {"employed": (0.55, 1.0), "unemployed": (0.07, 0.7),
                   "retired": (0.23, 1.2), "in education": (0.15, 0.8)},
    "household": {"single": (0.31, 1.1), "couple": (0.33, 1.0), "family": (0.36, 0.9)},
    "citizenship": {"German": (0.76, 1.1), "EU": (0.08, 0.7), "non-EU": (0.16, 0.5)},
}  # fmt: skip


def berlin_quotas(size: int, features: Mapping[str, Mapping[str, tuple[float, float]]] = BERLIN):
    """Each value's population share of the panel, 15 % either way (at least 0 to 1)."""
    quotas = []
    for feature, options in features.items():
        for name, (share, _) in options.items():
            target = share * size
            quotas.append(Quota(feature, name, int(target * 0.85), max(1, int(target * 1.15) + 1)))
    return quotas


def berlin_pool(
    count: int, rng: random.Random, features: Mapping[str, Mapping[str, tuple[float, float]]]
) -> list[dict[str, str]]:
    """`count` volunteers' feature values, drawn with the skewed propensities."""
    pool = []
    for _ in range(count):
        person = {}
        for feature, options in features.items():
            weights = [share * propensity for share, propensity in options.values()]
            person[feature] = rng.choices(list(options), weights)[0]
        pool.append(person)
    return pool


def berlin_instance(
    pool: int = 10_000,
    size: int = 60,
    seed: int = 1,
    features: Mapping[str, Mapping[str, tuple[float, float]]] = BERLIN,
    shared_households: float = 0.03,
) -> Instance:
    """A Berlin-like instance: 8 categories by default; a share of the volunteers lives
    with another volunteer (one household)."""
    rng = random.Random(seed)
    people = [f"b{i:05d}" for i in range(pool)]
    values = dict(zip(people, berlin_pool(pool, rng, features), strict=True))
    households = {person: f"address {i}" for i, person in enumerate(people)}
    for person in rng.sample(people, int(pool * shared_households)):
        households[person] = households[rng.choice(people)]
    return Instance(people, values, berlin_quotas(size, features), size, households)
