"""sortition-algorithms 0.12.15's MAXIMIN (HiGHS backend) on one of our instances: the
reference of the tests and of bench/sortition.py. Imports nothing of Django or the tests."""

import csv
import io

from gemeinsam.sortition.algorithms.instance import Instance


def sa_maximin_min_probability(instance: Instance) -> float:
    """The smallest probability of sortition-algorithms 0.12.15's MAXIMIN, on its default
    open-source backend (HiGHS via highspy); its LEXIMIN needs Gurobi."""
    from sortition_algorithms.adapters import CSVStringDataSource, SelectionData
    from sortition_algorithms.committee_generation.maximin import find_distribution_maximin
    from sortition_algorithms.settings import Settings

    features_csv, people_csv = io.StringIO(), io.StringIO()
    writer = csv.writer(features_csv)
    writer.writerow(["feature", "value", "min", "max"])
    for quota in instance.quotas:
        writer.writerow([quota.feature, quota.value, quota.min, quota.max])
    writer = csv.writer(people_csv)
    writer.writerow(["id", *instance.features, "household"])
    for person in instance.people:
        row = [instance.values[person][f] for f in instance.features]
        writer.writerow([person, *row, instance.households.get(person, f"alone {person}")])
    data = SelectionData(CSVStringDataSource(features_csv.getvalue(), people_csv.getvalue()))
    features, _ = data.load_features(instance.size)
    settings = Settings(
        id_column="id",
        columns_to_keep=[],
        check_same_address=True,
        check_same_address_columns=["household"],
        solver_backend="highspy",
    )
    people, _ = data.load_people(settings, features)
    committees, probabilities, _ = find_distribution_maximin(
        features, people, instance.size, ["household"], "highspy"
    )
    chance = dict.fromkeys(instance.people, 0.0)
    for committee, probability in zip(committees, probabilities, strict=True):
        for person in committee:
            chance[person] += probability
    return min(chance[p] for p in people)
