"""App configuration for budgeting: the API router, the process page link, the labels of its
audit events, and the final count queued whenever a process's phases change."""

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _

# Filled from each event's facts (services/): never what anyone voted, only how many.
AUDIT_VERBS = {
    "budgeting.proposal_feasible": _("Proposal %(proposal)s reviewed: feasible"),
    "budgeting.proposal_not_feasible": _("Proposal %(proposal)s reviewed: not feasible"),
    "budgeting.proposal_pending": _("Proposal %(proposal)s set back to review pending"),
    "budgeting.generate_codes": _("Voting codes generated: batch %(batch)s, %(count)s codes"),
    "budgeting.enter_paper_ballot": _("Paper ballot entered (%(count)s paper ballots in all)"),
    "budgeting.import_ballots": _(
        "Pabulib election imported: %(proposals)s proposals, %(ballots)s ballots"
    ),
    "budgeting.count_provisional": _(
        "Provisional count %(count)s: %(ballots)s ballots counted by the rule %(rule)s"
    ),
    "budgeting.publish_result": _(
        "Result published: count %(count)s, %(ballots)s ballots counted by the rule %(rule)s"
    ),
}


class BudgetingConfig(AppConfig):
    name = "gemeinsam.budgeting"
    label = "budgeting"
    verbose_name = _("Participatory budgeting")

    def ready(self) -> None:
        from gemeinsam.budgeting.api import router
        from gemeinsam.core.api import api
        from gemeinsam.core.hooks import (
            phases_changed,
            register_audit_verbs,
            register_process_link,
        )

        api.add_router("/budgeting", router)
        register_process_link(budgeting_link)
        register_audit_verbs(AUDIT_VERBS)
        post_save.connect(
            _refresh_process_page,
            sender="budgeting.BudgetingProcess",
            dispatch_uid="budgeting-refresh-process-page",
        )
        phases_changed.connect(_schedule_count, dispatch_uid="budgeting-schedule-count")


def _refresh_process_page(sender, instance, **kwargs) -> None:
    from gemeinsam.participation import visitor_cache

    visitor_cache.bump(instance.process.slug)  # the page's budgeting link appears at once


def _schedule_count(sender, process, **kwargs) -> None:
    """New phases, new end of voting: queue the final count for it."""
    from gemeinsam.budgeting.models import BudgetingProcess
    from gemeinsam.budgeting.services import results

    budgeting = BudgetingProcess.objects.filter(process=process).first()
    if budgeting is not None:
        budgeting.process = process
        results.schedule_final(budgeting)


def budgeting_link(process) -> tuple[str, str] | None:
    """The participation process page links to the budget, proposals and ballot."""
    from django.urls import reverse

    from gemeinsam.budgeting.models import BudgetingProcess

    if not BudgetingProcess.objects.filter(process=process).exists():
        return None
    return str(_("Citizen budget: proposals and voting")), reverse(
        "budgeting:process", args=[process.slug]
    )
