"""Who may do what with the strategy (django-rules): city staff edit drafts, publish, enter
measurements and the team's value-compass ratings; signed-in residents answer open surveys;
everybody reads published versions. Drafts are for staff only.

One place for pages and API alike; tests/strategy/test_rules.py checks the matrix.
"""

import rules

from gemeinsam.core.predicates import is_city_staff, is_participant
from gemeinsam.strategy.models import StrategyVersion


@rules.predicate
def is_published(user, version: StrategyVersion | None) -> bool:
    return version is not None and version.is_frozen


rules.add_perm("strategy.manage_strategy", is_city_staff)
rules.add_perm("strategy.view_version", is_published | is_city_staff)
rules.add_perm("strategy.answer_survey", is_participant)
