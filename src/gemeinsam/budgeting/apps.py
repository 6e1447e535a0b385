"""App configuration for budgeting: permissions, the API router, the process page link, and
the final count queued whenever a process's phases change."""

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class BudgetingConfig(AppConfig):
    name = "gemeinsam.budgeting"
    label = "budgeting"
    verbose_name = _("Participatory budgeting")

    def ready(self) -> None:
        from gemeinsam.budgeting.api import router
        from gemeinsam.core.api import api
        from gemeinsam.core.hooks import phases_changed, register_process_link

        api.add_router("/budgeting", router)
        register_process_link(budgeting_link)
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
