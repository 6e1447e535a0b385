"""Stage 2, the runs: the lottery over quota-satisfying panels computed by the worker from a
frozen copy of the pool, published as a commitment before the seed is known."""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gemeinsam.core import audit, leases
from gemeinsam.core.predicates import require
from gemeinsam.sortition.algorithms.distribution import gini
from gemeinsam.sortition.exports import features_file, inputs_bytes, people_file
from gemeinsam.sortition.models import Algorithm, Panel, RunState, SelectionRun
from gemeinsam.sortition.selectors import instance_for, problems
from gemeinsam.sortition.services.panels import refuse_after_draw

logger = logging.getLogger(__name__)

LEGACY_DRAWS = 2000


def stuck_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "SORTITION_RUN_TIMEOUT", 3 * 3600))


def _new_run(user, panel: Panel, algorithm: str) -> SelectionRun:
    selection = SelectionRun.objects.create(panel=panel, algorithm=algorithm, requested_by=user)
    audit.record(user, "sortition.request_run", panel, run=selection.pk, algorithm=algorithm)
    return selection


def request_run(user, panel: Panel, algorithm: str = Algorithm.LEXIMIN) -> SelectionRun:
    """Queue a run for the worker; joins the one already waiting or running."""
    require(user, "sortition.manage_panel", panel)
    if algorithm not in Algorithm.values:
        raise ValidationError(_("Unknown algorithm."))
    refuse_after_draw(panel)
    found = problems(panel)
    if found:
        raise ValidationError(found)
    _fail_stuck(panel)
    try:
        with transaction.atomic():
            run = _new_run(user, panel, algorithm)
    except IntegrityError:
        return panel.runs.get(state__in=[RunState.QUEUED, RunState.RUNNING])
    transaction.on_commit(lambda: _enqueue(run))
    return run


def _fail_stuck(panel: Panel) -> None:
    """A run whose worker died no longer blocks: it is queued again at once (core/leases.py)
    and failed when its attempts are used up or it ran far longer than any should."""
    from gemeinsam.sortition.tasks import select_panel

    leases.fail_stuck(
        panel.runs.filter(state=RunState.RUNNING),
        select_panel,
        "run_id",
        stuck_after(),
        "The run did not finish in time; its worker may have stopped.",
        RunState.FAILED,
    )


def _enqueue(run: SelectionRun) -> None:
    from gemeinsam.sortition.tasks import select_panel

    select_panel.enqueue(run_id=run.pk)


def _progress(run_id: int):
    last = [0.0]

    def report(message: str) -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0:  # at most one write a second
            last[0] = now
            SelectionRun.objects.filter(pk=run_id).update(progress=message[:300])

    return report


def _compute(selection: SelectionRun) -> None:
    """Fill the run's published inputs and its probabilities (and, for LEXIMIN, the
    distribution and its commitment)."""
    panel = selection.panel
    instance = instance_for(panel)
    selection.features_csv = features_file(panel)
    selection.people_csv = people_file(panel, instance)
    selection.volunteers = len(instance.people)
    started = time.perf_counter()
    if selection.algorithm == Algorithm.LEGACY:
        from gemeinsam.sortition.algorithms.legacy import legacy_probabilities

        estimate = legacy_probabilities(instance, LEGACY_DRAWS, f"run-{selection.pk}")
        selection.probabilities = estimate.probabilities
        selection.estimated = True
    else:
        from gemeinsam.sortition.algorithms.leximin import leximin

        distribution = leximin(instance, progress=_progress(selection.pk))
        selection.distribution = distribution.to_json()
        selection.commitment = distribution.commitment(inputs_bytes(selection))
        selection.probabilities = distribution.person_probabilities()
        selection.panels_in_support = len(distribution.panels)
    selection.seconds = time.perf_counter() - started


def run(run_id: int, *, resume: bool = False) -> str:
    """Compute a queued run (the worker's task); returns what happened, for the task log.

    `resume`: a later attempt of the task, whose first worker was lost, takes the run over.
    Its start time is the run's fencing token: only the attempt that set it may finish the
    run, so a run is done (and audited) exactly once.
    """
    token = timezone.now()
    claimable = [RunState.QUEUED, RunState.RUNNING] if resume else [RunState.QUEUED]
    claimed = SelectionRun.objects.filter(pk=run_id, state__in=claimable).update(
        state=RunState.RUNNING, started_at=token, progress=_("Reading the pool")
    )
    if not claimed:
        return "not queued"
    selection = SelectionRun.objects.select_related("panel").get(pk=run_id)
    facts = {"run": run_id, "algorithm": selection.algorithm}
    mine = SelectionRun.objects.filter(pk=run_id, state=RunState.RUNNING, started_at=token)
    try:
        _compute(selection)
    except (OperationalError, InterfaceError):
        raise  # the worker waits for the database and runs the task again
    except Exception as error:
        logger.exception("Sortition run %s failed", run_id)
        with transaction.atomic():
            failed = {"finished_at": timezone.now(), "error": f"{type(error).__name__}: {error}"}
            if mine.update(state=RunState.FAILED, **failed):
                audit.record(None, "sortition.run_failed", selection.panel, **facts)
        return "failed"
    values = list(selection.probabilities.values())
    selection.min_probability = min(values, default=0.0)
    selection.gini = gini(values)
    selection.state, selection.finished_at, selection.progress = RunState.DONE, timezone.now(), ""
    with transaction.atomic():
        if not mine.select_for_update().exists():
            return "taken over by a later attempt"
        selection.save()
        audit.record(
            None, "sortition.run_done", selection.panel, **facts, commitment=selection.commitment
        )
    return "done"


def run_now(panel: Panel, algorithm: str = Algorithm.LEXIMIN, user=None) -> SelectionRun:
    """Compute in this process, not the worker (commands, the demo)."""
    with transaction.atomic():
        selection = _new_run(user, panel, algorithm)
    run(selection.pk)
    selection.refresh_from_db()
    return selection
