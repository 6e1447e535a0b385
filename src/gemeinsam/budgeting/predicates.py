"""Who may do what in budgeting, by role and phase (django-rules predicates).

Not rules.py: budgeting.rules is the package of voting rules.
"""

import rules

from gemeinsam.budgeting.models import Ballot, BudgetingProcess, Proposal
from gemeinsam.core.predicates import is_city_staff
from gemeinsam.participation.models import Action, Process
from gemeinsam.participation.predicates import can_see_process, is_blocked


def process_of(obj) -> Process | None:
    if isinstance(obj, BudgetingProcess):
        return obj.process
    if isinstance(obj, Proposal | Ballot):
        return obj.budgeting.process
    if isinstance(obj, Process):
        return obj
    return None


@rules.predicate
def voting_runs(user, obj) -> bool:
    process = process_of(obj)
    return process is not None and process.allows(Action.VOTE)


@rules.predicate
def collection_runs(user, obj) -> bool:
    process = process_of(obj)
    return process is not None and process.allows(Action.SUBMIT)


@rules.predicate
def can_see(user, obj) -> bool:
    return can_see_process(user, process_of(obj))


@rules.predicate
def not_blocked(user, obj) -> bool:
    return not is_blocked(user, process_of(obj))


@rules.predicate
def codes_enabled(user, obj) -> bool:
    return isinstance(obj, BudgetingProcess) and obj.voting_codes


may_take_part = rules.is_authenticated & rules.is_active & can_see & not_blocked

rules.add_perm("budgeting.view_process", can_see)
rules.add_perm("budgeting.submit_proposal", may_take_part & collection_runs)
rules.add_perm("budgeting.vote", may_take_part & voting_runs)
# A code is the voter's credential: no account, but the voting phase and the process's consent.
rules.add_perm("budgeting.vote_with_code", can_see & codes_enabled & voting_runs)
rules.add_perm("budgeting.review_proposal", is_city_staff)
rules.add_perm("budgeting.manage_codes", is_city_staff & codes_enabled)
rules.add_perm("budgeting.enter_paper_ballot", is_city_staff & voting_runs)
rules.add_perm("budgeting.import_ballots", is_city_staff)
# Counting: anyone who sees the process sees the published result; staff count on demand
# and see provisional counts while voting runs.
rules.add_perm("budgeting.count_results", is_city_staff)
rules.add_perm("budgeting.view_provisional_results", is_city_staff)
