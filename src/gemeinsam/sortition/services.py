"""Sortition actions: quotas, the invitation lottery, volunteers, runs, the draw, replacements
and the deletion of personal data. Each action checks its permission and runs in one
transaction; the computation itself is in sortition/algorithms (no Django there)."""

import csv
import hashlib
import hmac
import io
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from gemeinsam.core.predicates import require
from gemeinsam.lib import codes
from gemeinsam.lib.messages import format_message
from gemeinsam.sortition.algorithms import invitations as invitation_lottery
from gemeinsam.sortition.algorithms.checks import Problem, check_instance, conflicting_quotas
from gemeinsam.sortition.algorithms.distribution import ALGORITHM_VERSION, Distribution, gini
from gemeinsam.sortition.algorithms.distribution import inputs_bytes as committed_inputs
from gemeinsam.sortition.algorithms.instance import Instance
from gemeinsam.sortition.algorithms.instance import Quota as QuotaSpec
from gemeinsam.sortition.algorithms.io import (
    SortitionInputError,
    household_key,
    read_features,
    read_people,
)
from gemeinsam.sortition.models import (
    SEATED,
    Algorithm,
    Invitation,
    Panel,
    Quota,
    Replacement,
    RunState,
    SelectionRun,
    Source,
    Status,
    Volunteer,
)

logger = logging.getLogger(__name__)

# Invitation codes are typed from a letter: no 0/O, 1/I/L. 10 of 31 symbols are ~50 bits.
CODE_LENGTH = 10
MAX_INVITATIONS = 100_000
LEGACY_DRAWS = 2000
# The published people file: this column holds the keyed household hash.
HOUSEHOLD_COLUMN = "household"
ID_COLUMN = "id"


def _locked(panel: Panel) -> Panel:
    """The panel row, locked until the transaction ends: serialises numbering and draws."""
    return Panel.objects.select_for_update().get(pk=panel.pk)


def _refuse_after_draw(panel: Panel) -> None:
    if panel.runs.filter(drawn_at__isnull=False).exists():
        raise ValidationError(_("The panel has been drawn; this can no longer change."))


def _with_file(uploaded, suffix: str, read):
    """Run a reader that takes a path on an uploaded file; errors name the uploaded file."""
    name = Path(getattr(uploaded, "name", "") or f"upload{suffix}").name or f"upload{suffix}"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        with path.open("wb") as handle:
            for chunk in uploaded.chunks() if hasattr(uploaded, "chunks") else [uploaded.read()]:
                handle.write(chunk)
        try:
            return read(path), path.read_bytes()
        except UnicodeDecodeError:
            raise ValidationError(
                _("%(file)s: the file is not UTF-8 text (save it as CSV UTF-8).") % {"file": name}
            ) from None
        except SortitionInputError as error:
            raise ValidationError(describe(error)) from None


def describe(error: SortitionInputError) -> str:
    """The error of an input file in the active language: file, line, column and message
    (the English `str(error)` is what the command line prints)."""
    where = [error.path.name]
    if error.line is not None:
        where.append(_("line %(line)s") % {"line": error.line})
    if error.column is not None:
        where.append(_("column '%(column)s'") % {"column": error.column})
    return f"{', '.join(where)}: {format_message(_(error.template), error.params)}"


# Quotas ----------------------------------------------------------------------------------


@transaction.atomic
def set_quotas(user, panel: Panel, quotas: Sequence[QuotaSpec]) -> list[Quota]:
    """Replace the panel's quota table."""
    require(user, "sortition.manage_panel", panel)
    panel = _locked(panel)
    _refuse_after_draw(panel)
    if not quotas:
        raise ValidationError(_("The quota table is empty."))
    panel.quotas.all().delete()
    return Quota.objects.bulk_create(
        Quota(panel=panel, feature=q.feature, value=q.value, min=q.min, max=q.max, position=n)
        for n, q in enumerate(quotas)
    )


def upload_quotas(user, panel: Panel, uploaded) -> list[Quota]:
    """A quota file: feature,value,min,max (or the older and the paper's headers)."""
    quotas, _content = _with_file(uploaded, ".csv", read_features)
    return set_quotas(user, panel, quotas)


def quota_specs(panel: Panel) -> list[QuotaSpec]:
    return [QuotaSpec(q.feature, q.value, q.min, q.max) for q in panel.quotas.all()]


def feature_choices(panel: Panel) -> dict[str, list[str]]:
    """Feature -> its values in the quota table's order (the registration form's choices)."""
    choices: dict[str, list[str]] = {}
    for quota in panel.quotas.all():
        choices.setdefault(quota.feature, []).append(quota.value)
    return choices


# Stage 1: the invitation lottery --------------------------------------------------------


def shown_code(code: str) -> str:
    """A code as printed: groups of five, e.g. ABCDE-FGHJK."""
    return codes.grouped(code, 5)


@transaction.atomic
def draw_invitations(
    user, panel: Panel, uploaded, count: int, seed: str, *, stratum_column: str | None = None
) -> list[Invitation]:
    """Draw `count` addresses from the uploaded register, stratified proportionally by the
    stratum column, reproducibly from `seed`. Addresses invited in an earlier round of this
    panel are left out, so a second round reaches new people."""
    require(user, "sortition.manage_panel", panel)
    panel = _locked(panel)
    _refuse_after_draw(panel)
    seed = seed.strip()
    if not seed:
        raise ValidationError(_("Enter a seed for the invitation lottery."))
    if not 1 <= count <= MAX_INVITATIONS:
        raise ValidationError(
            _("Draw between 1 and %(max)s invitations.")
            % {"max": formats.number_format(MAX_INVITATIONS, force_grouping=True)}
        )
    column = (stratum_column or panel.stratum_column or "district").strip()
    register, content = _with_file(
        uploaded, ".csv", lambda path: invitation_lottery.read_register(path, stratum_column=column)
    )
    invited = set(panel.invitations.values_list("register_id", flat=True))
    available = [address for address in register if address.id not in invited]
    if count > len(available):
        raise ValidationError(
            _(
                "Requested: %(count)s invitations. Addresses in the register not invited yet: "
                "%(available)s."
            )
            % {"available": len(available), "count": count}
        )
    chosen = invitation_lottery.draw_invitations(available, count, seed)
    start = panel.invitations.aggregate(last=Max("position"))["last"] or 0
    created = []
    for offset, address in enumerate(chosen, start=1):
        created.append(
            Invitation(
                panel=panel,
                register_id=address.id,
                address=address.address,
                stratum=address.stratum,
                extra=dict(address.extra),
                code=codes.new_code(CODE_LENGTH),
                position=start + offset,
            )
        )
    Invitation.objects.bulk_create(created)
    panel.invitation_seed = seed
    panel.stratum_column = column
    panel.register_sha256 = hashlib.sha256(content).hexdigest()
    panel.register_size = len(register)
    panel.register_strata = dict(sorted(Counter(a.stratum for a in register).items()))
    panel.invitations_drawn_at = timezone.now()
    panel.save(
        update_fields=[
            "invitation_seed",
            "stratum_column",
            "register_sha256",
            "register_size",
            "register_strata",
            "invitations_drawn_at",
        ]
    )
    return created


def letters_csv(panel: Panel) -> str:
    """The letter merge: one row per invitation with its address and printed code. Extra
    register columns keep their names unless they clash with ours (then `register_...`)."""
    invitations = list(panel.invitations.all())
    fixed = ["id", "address", panel.stratum_column or "stratum", "code"]
    extra = list(dict.fromkeys(key for inv in invitations for key in inv.extra))
    shown = [f"register_{key}" if key in fixed else key for key in extra]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*fixed[:3], *shown, fixed[3]])
    for inv in invitations:
        row = [inv.register_id, inv.address, inv.stratum, *(inv.extra.get(k, "") for k in extra)]
        row = [invitation_lottery.spreadsheet_safe(str(cell)) for cell in row]
        writer.writerow([*row, shown_code(inv.code)])
    return out.getvalue()


# Volunteers -------------------------------------------------------------------------------


def household_hash(panel: Panel, address: str, postcode: str) -> str:
    """Equal for one address and postcode (compared loosely), empty without an address."""
    key = household_key([address, postcode])
    if not key:
        return ""
    return hmac.new(panel.secret.encode(), key.encode("utf-8"), hashlib.sha256).hexdigest()


def _next_number(panel: Panel) -> int:
    return (panel.volunteers.aggregate(last=Max("number"))["last"] or 0) + 1


def _clean_features(panel: Panel, features: Mapping[str, str]) -> dict[str, str]:
    choices = feature_choices(panel)
    if not choices:
        raise ValidationError(_("The panel has no quotas yet."))
    cleaned, errors = {}, []
    for feature, values in choices.items():
        value = (features.get(feature) or "").strip()
        match = next((v for v in values if v.casefold() == value.casefold()), None)
        if match is None:
            errors.append(
                _("%(feature)s: choose one of %(values)s.")
                % {"feature": feature, "values": ", ".join(values)}
            )
        cleaned[feature] = match
    if errors:
        raise ValidationError(errors)
    return cleaned


@dataclass
class Contact:
    name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    postcode: str = ""


def _create_volunteer(
    panel: Panel,
    features: dict[str, str],
    contact: Contact,
    source: str,
    *,
    invitation: Invitation | None = None,
    external_id: str = "",
) -> Volunteer:
    return Volunteer.objects.create(
        panel=panel,
        number=_next_number(panel),
        invitation=invitation,
        source=source,
        features=features,
        external_id=external_id,
        name=contact.name.strip(),
        email=contact.email.strip(),
        phone=contact.phone.strip(),
        address=contact.address.strip(),
        postcode=contact.postcode.strip(),
        household=household_hash(panel, contact.address, contact.postcode),
    )


def invitation_for(panel: Panel, code: str) -> Invitation | None:
    """The unused invitation of this panel with this code, or None."""
    code = codes.normalise(code)
    if not code:
        return None
    return panel.invitations.filter(code=code, used_at__isnull=True).first()


@transaction.atomic
def register_volunteer(
    panel: Panel, code: str, features: Mapping[str, str], contact: Contact
) -> Volunteer:
    """Online registration with the code from the letter; each code works once."""
    panel = _locked(panel)
    if not panel.registration_open:
        raise ValidationError(_("Registration for this panel is closed."))
    _refuse_after_draw(panel)
    invitation = invitation_for(panel, code)
    if invitation is None:
        raise ValidationError(_("This invitation code is not valid or has been used already."))
    cleaned = _clean_features(panel, features)
    # The conditional update claims the code: of two simultaneous registrations one wins.
    claimed = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not claimed:
        raise ValidationError(_("This invitation code is not valid or has been used already."))
    return _create_volunteer(panel, cleaned, contact, Source.ONLINE, invitation=invitation)


@transaction.atomic
def add_paper_reply(
    user, panel: Panel, code: str, features: Mapping[str, str], contact: Contact
) -> Volunteer:
    """Staff enter a reply that came by post or phone; the code is used if given."""
    require(user, "sortition.manage_panel", panel)
    panel = _locked(panel)
    _refuse_after_draw(panel)
    invitation = None
    if code.strip():
        invitation = invitation_for(panel, code)
        if invitation is None:
            raise ValidationError(_("This invitation code is not valid or has been used already."))
        Invitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
    cleaned = _clean_features(panel, features)
    return _create_volunteer(panel, cleaned, contact, Source.PAPER, invitation=invitation)


# Columns of an imported pool taken as contact details (the rest is ignored).
CONTACT_COLUMNS = {
    "name": ("name", "full_name"),
    "first_name": ("first_name", "firstname", "vorname"),
    "last_name": ("last_name", "lastname", "nachname"),
    "email": ("email", "e-mail", "primary_email"),
    "phone": ("phone", "mobile_number", "telefon"),
    "address": ("address", "primary_address1", "adresse", "anschrift"),
    "postcode": ("postcode", "zip", "primary_zip", "plz"),
}


def _detail(details: Mapping[str, str], role: str) -> str:
    folded = {key.casefold(): value for key, value in details.items()}
    return next((folded[name] for name in CONTACT_COLUMNS[role] if folded.get(name)), "")


@transaction.atomic
def import_volunteers(
    user, panel: Panel, uploaded, *, id_column: str | None = None
) -> list[Volunteer]:
    """A pool file as practitioners keep it (an id column, one column per feature, address
    columns); contact and address columns are recognised by their usual names."""
    require(user, "sortition.manage_panel", panel)
    panel = _locked(panel)
    _refuse_after_draw(panel)
    quotas = quota_specs(panel)
    if not quotas:
        raise ValidationError(_("Upload the quotas first: they name the features to read."))
    people, _content = _with_file(
        uploaded, ".csv", lambda path: read_people(path, quotas, id_column=id_column)
    )
    existing = set(panel.volunteers.exclude(external_id="").values_list("external_id", flat=True))
    clash = [person for person in people.ids if person in existing]
    if clash:
        raise ValidationError(_("Already in the pool: %(ids)s.") % {"ids": ", ".join(clash[:10])})
    number = _next_number(panel)
    created = []
    for offset, person in enumerate(people.ids):
        details = people.details.get(person, {})
        name = _detail(details, "name") or " ".join(
            part for part in (_detail(details, "first_name"), _detail(details, "last_name")) if part
        )
        address, postcode = _detail(details, "address"), _detail(details, "postcode")
        created.append(
            Volunteer(
                panel=panel,
                number=number + offset,
                source=Source.IMPORTED,
                features=people.values[person],
                external_id=person if people.id_column else "",
                name=name,
                email=_detail(details, "email"),
                phone=_detail(details, "phone"),
                address=address,
                postcode=postcode,
                household=household_hash(panel, address, postcode),
            )
        )
    return Volunteer.objects.bulk_create(created)


@transaction.atomic
def set_withdrawn(user, volunteer: Volunteer, withdrawn: bool = True) -> Volunteer:
    """Someone in the pool withdraws before the draw (or comes back)."""
    require(user, "sortition.manage_panel", volunteer.panel)
    _locked(volunteer.panel)
    _refuse_after_draw(volunteer.panel)
    volunteer.status = Status.WITHDRAWN if withdrawn else Status.POOL
    volunteer.save(update_fields=["status"])
    return volunteer


# Stage 2: the instance, checks and runs -------------------------------------------------


def pool(panel: Panel) -> list[Volunteer]:
    """The volunteers who take part in a run: all but those who withdrew."""
    return list(panel.volunteers.exclude(status=Status.WITHDRAWN).order_by("number"))


def instance_for(panel: Panel, volunteers: Sequence[Volunteer] | None = None) -> Instance:
    volunteers = pool(panel) if volunteers is None else volunteers
    people = [v.ref for v in volunteers]
    households = {}
    if panel.household_rule:
        households = {v.ref: v.household for v in volunteers if v.household}
    return Instance(
        people=people,
        values={v.ref: dict(v.features) for v in volunteers},
        quotas=quota_specs(panel),
        size=panel.size,
        households=households,
    )


def features_file(panel: Panel) -> str:
    """The quota table as sortition-algorithms reads it: feature,value,min,max."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["feature", "value", "min", "max"])
    for quota in panel.quotas.all():
        writer.writerow([quota.feature, quota.value, quota.min, quota.max])
    return out.getvalue()


def people_file(panel: Panel, instance: Instance) -> str:
    """The pool as published: pseudonymous id, the features, the household hash."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    features = instance.features
    writer.writerow([ID_COLUMN, *features, HOUSEHOLD_COLUMN])
    for person in instance.people:
        values = instance.values[person]
        writer.writerow([person, *(values[f] for f in features), instance.households.get(person)])
    return out.getvalue()


def inputs_bytes(run: SelectionRun) -> bytes:
    """What the commitment fixes about the inputs, exactly as `gemeinsam sortition verify`
    computes it from the published files and options."""
    return committed_inputs(
        run.features_csv.encode("utf-8"),
        run.people_csv.encode("utf-8"),
        run.panel.size,
        ID_COLUMN,
        [HOUSEHOLD_COLUMN],
    )


def verify_command(run: SelectionRun) -> str:
    """The command that repeats the draw from the published files."""
    return (
        f"gemeinsam sortition verify --features features.csv --people people.csv "
        f"--size {run.panel.size} --id-column {ID_COLUMN} --household-columns "
        f"{HOUSEHOLD_COLUMN} --distribution distribution.json --commitment {run.commitment} "
        f'--seed "{run.seed or "SEED"}"'
    )


def problems(panel: Panel) -> list[str]:
    """Why no run can start: counting checks first, then the quotas that conflict."""
    if not panel.quotas.exists():
        return [_("The panel has no quotas yet.")]
    instance = instance_for(panel)
    if not instance.people:
        return [_("There are no volunteers yet.")]
    found: list[Problem] = check_instance(instance)
    if found:
        return [format_message(_(problem.template), problem.params) for problem in found]
    conflict = conflicting_quotas(instance)
    if conflict:
        names = "; ".join(f"{q.feature} = {q.value} ({q.min}–{q.max})" for q in conflict)
        return [_("No panel meets these quotas together: %(quotas)s.") % {"quotas": names}]
    return []


def stuck_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "SORTITION_RUN_TIMEOUT", 3 * 3600))


def request_run(user, panel: Panel, algorithm: str = Algorithm.LEXIMIN) -> SelectionRun:
    """Queue a run for the worker; joins the one already waiting or running."""
    require(user, "sortition.manage_panel", panel)
    if algorithm not in Algorithm.values:
        raise ValidationError(_("Unknown algorithm."))
    _refuse_after_draw(panel)
    found = problems(panel)
    if found:
        raise ValidationError(found)
    panel.runs.filter(state=RunState.RUNNING, started_at__lt=timezone.now() - stuck_after()).update(
        state=RunState.FAILED,
        finished_at=timezone.now(),
        error="The run did not finish in time; its worker may have stopped.",
    )
    try:
        with transaction.atomic():
            run = SelectionRun.objects.create(panel=panel, algorithm=algorithm, requested_by=user)
    except IntegrityError:
        return panel.runs.get(state__in=[RunState.QUEUED, RunState.RUNNING])
    transaction.on_commit(lambda: _enqueue(run))
    return run


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


def run(run_id: int) -> str:
    """Compute a queued run (the worker's task); returns what happened, for the task log."""
    claimed = SelectionRun.objects.filter(pk=run_id, state=RunState.QUEUED).update(
        state=RunState.RUNNING, started_at=timezone.now(), progress=_("Reading the pool")
    )
    if not claimed:
        return "not queued"
    selection = SelectionRun.objects.select_related("panel").get(pk=run_id)
    panel = selection.panel
    try:
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

            distribution = leximin(instance, progress=_progress(run_id))
            selection.distribution = distribution.to_json()
            selection.commitment = distribution.commitment(inputs_bytes(selection))
            selection.probabilities = distribution.person_probabilities()
            selection.panels_in_support = len(distribution.panels)
        selection.seconds = time.perf_counter() - started
    except Exception as error:
        logger.exception("Sortition run %s failed", run_id)
        SelectionRun.objects.filter(pk=run_id).update(
            state=RunState.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}",
        )
        return "failed"
    values = list(selection.probabilities.values())
    selection.min_probability = min(values, default=0.0)
    selection.gini = gini(values)
    selection.state, selection.finished_at, selection.progress = RunState.DONE, timezone.now(), ""
    selection.save()
    return "done"


def run_now(panel: Panel, algorithm: str = Algorithm.LEXIMIN, user=None) -> SelectionRun:
    """Compute in this process, not the worker (commands, the demo)."""
    selection = SelectionRun.objects.create(panel=panel, algorithm=algorithm, requested_by=user)
    run(selection.pk)
    selection.refresh_from_db()
    return selection


def distribution_of(selection: SelectionRun) -> Distribution:
    return Distribution.from_json(selection.distribution)


# The draw ---------------------------------------------------------------------------------


@transaction.atomic
def draw(user, selection: SelectionRun, seed: str, seed_source: str = "") -> SelectionRun:
    """Draw the panel from a finished LEXIMIN run with the public seed."""
    require(user, "sortition.manage_panel", selection.panel)
    panel = _locked(selection.panel)
    selection = SelectionRun.objects.select_for_update().get(pk=selection.pk)
    if selection.algorithm != Algorithm.LEXIMIN or selection.state != RunState.DONE:
        raise ValidationError(_("Only a finished LEXIMIN run can be drawn."))
    _refuse_after_draw(panel)
    seed = seed.strip()
    if not seed:
        raise ValidationError(_("Enter the public seed."))
    refs = {v.ref: v for v in pool(panel)}
    if set(refs) != set(selection.probabilities):
        raise ValidationError(_("The pool changed after this run: start a new run."))
    distribution = distribution_of(selection)
    # The published files and the commitment must describe the panel as it is now.
    if (
        selection.features_csv != features_file(panel)
        or selection.people_csv != people_file(panel, instance_for(panel))
        or any(len(members) != panel.size for members in distribution.panels)
    ):
        raise ValidationError(
            _("The quotas or the panel settings changed after this run: start a new run.")
        )
    members = distribution.draw(seed)
    selection.seed, selection.seed_source = seed, seed_source.strip()[:300]
    selection.drawn_panel = sorted(members)
    selection.drawn_at, selection.drawn_by = timezone.now(), user
    selection.save(update_fields=["seed", "seed_source", "drawn_panel", "drawn_at", "drawn_by"])
    seated = [refs[ref].pk for ref in members]
    panel.volunteers.filter(pk__in=seated).update(status=Status.SELECTED)
    transaction.on_commit(lambda: schedule_deletion(panel))
    return selection


def panel_members(panel: Panel) -> list[Volunteer]:
    return list(panel.volunteers.filter(status__in=SEATED).order_by("number"))


def panel_csv(panel: Panel) -> str:
    """The drawn panel with contact details, for the organisers (staff only)."""
    features = panel.features
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["id", "status", *features, "name", "email", "phone", "address", "postcode", "source"]
    )
    for v in panel_members(panel):
        row = [v.ref, v.get_status_display(), *(v.features.get(f, "") for f in features)]
        row += [v.name, v.email, v.phone, v.address, v.postcode, v.get_source_display()]
        writer.writerow([invitation_lottery.spreadsheet_safe(str(cell)) for cell in row])
    return out.getvalue()


# Replacements -----------------------------------------------------------------------------


@transaction.atomic
def replace_dropouts(user, panel: Panel, dropped: Iterable[str], seed: str) -> Replacement:
    """Mark seated members as dropped out and refill their seats from the pool so that the
    quotas hold where possible; the record says which quotas could not be kept."""
    from gemeinsam.sortition.algorithms.replacements import replace

    require(user, "sortition.manage_panel", panel)
    panel = _locked(panel)
    selection = panel.drawn_run()
    if selection is None:
        raise ValidationError(_("The panel has not been drawn yet."))
    if panel.personal_data_deleted_at is not None:
        raise ValidationError(
            _("The pool's personal data has been deleted; no replacements can be drawn.")
        )
    seed = seed.strip()
    if not seed:
        raise ValidationError(_("Enter a seed for the replacement draw."))
    volunteers = {v.ref: v for v in panel.volunteers.all()}
    seated = [ref for ref, v in volunteers.items() if v.status in SEATED]
    dropped = list(dict.fromkeys(ref.strip().upper() for ref in dropped if ref.strip()))
    unknown = [ref for ref in dropped if ref not in seated]
    if not dropped:
        raise ValidationError(_("Choose who dropped out."))
    if unknown:
        raise ValidationError(_("Not on the panel: %(refs)s.") % {"refs": ", ".join(unknown[:10])})
    # Everyone who was in the run's pool can be asked, except those who left it.
    gone = [ref for ref, v in volunteers.items() if v.status in (Status.DROPPED, Status.WITHDRAWN)]
    candidates = [v for ref, v in volunteers.items() if ref in selection.probabilities]
    instance = instance_for(panel, candidates)
    result = replace(instance, seated, dropped, seed, excluded=gone)
    Volunteer.objects.filter(
        panel=panel, number__in=[volunteers[r].number for r in dropped]
    ).update(status=Status.DROPPED)
    Volunteer.objects.filter(
        panel=panel, number__in=[volunteers[r].number for r in result.added]
    ).update(status=Status.REPLACEMENT)
    return Replacement.objects.create(
        run=selection,
        seed=seed,
        dropped=dropped,
        added=list(result.added),
        unkept=[
            {"feature": s.feature, "value": s.value, "min": s.min, "max": s.max, "count": s.count}
            for s in result.unkept
        ],
        shortfall=result.shortfall,
        created_by=user,
    )


# Data protection --------------------------------------------------------------------------


PERSONAL_FIELDS = {"name": "", "email": "", "phone": "", "address": "", "postcode": ""}


@transaction.atomic
def delete_personal_data(panel: Panel, user=None) -> int:
    """Blank the contact details of everyone not on the panel and the addresses of all
    invitations; features, pseudonymous numbers and household hashes stay for the report
    and for verification. Returns how many volunteers were anonymised. With `user`, the
    permission is checked (the staff action); without, it is the scheduled deletion."""
    if user is not None:
        require(user, "sortition.manage_panel", panel)
    panel = _locked(panel)
    if panel.drawn_run() is None:
        raise ValidationError(_("Personal data is deleted after the draw."))
    now = timezone.now()
    count = (
        panel.volunteers.exclude(status__in=SEATED)
        .filter(anonymised_at__isnull=True)
        .update(**PERSONAL_FIELDS, external_id="", invitation=None, anonymised_at=now)
    )
    panel.invitations.update(address="", register_id="", extra={})
    panel.registration_open = False
    panel.personal_data_deleted_at = now
    panel.save(update_fields=["registration_open", "personal_data_deleted_at"])
    return count


def deletion_due(panel: Panel):
    selection = panel.drawn_run()
    if selection is None or panel.personal_data_deleted_at is not None:
        return None
    return selection.drawn_at + timedelta(days=panel.delete_after_days)


def schedule_deletion(panel: Panel) -> None:
    """Queue the automatic deletion for its due date (the worker waits until then)."""
    from gemeinsam.sortition.tasks import delete_due_personal_data

    due = deletion_due(panel)
    if due is None:
        return
    task = delete_due_personal_data
    if due > timezone.now() and task.get_backend().supports_defer:
        task = task.using(run_after=due)
    elif due > timezone.now():
        return  # `gemeinsam sortition purge` (daily) deletes it when due
    task.enqueue(panel_id=panel.pk)


def purge_due(now=None) -> list[Panel]:
    """Delete the personal data of every panel whose period has passed (the daily job)."""
    now = now or timezone.now()
    done = []
    for panel in Panel.objects.filter(personal_data_deleted_at__isnull=True):
        due = deletion_due(panel)
        if due is not None and due <= now:
            delete_personal_data(panel)
            done.append(panel)
    return done


# Transparency -----------------------------------------------------------------------------


def composition(panel: Panel, refs: Iterable[str] | None = None) -> list[dict]:
    """Per quota: target range, volunteers with the value, and panel members with it."""
    volunteers = list(panel.volunteers.all())
    if refs is None:
        members = [v for v in volunteers if v.status in SEATED]
    else:
        wanted = set(refs)
        members = [v for v in volunteers if v.ref in wanted]
    pool_members = [v for v in volunteers if v.status != Status.WITHDRAWN]
    rows = []
    for quota in panel.quotas.all():
        has = lambda v, q=quota: v.features.get(q.feature) == q.value  # noqa: E731
        count = sum(1 for v in members if has(v))
        rows.append(
            {
                "feature": quota.feature,
                "value": quota.value,
                "min": quota.min,
                "max": quota.max,
                "volunteers": sum(1 for v in pool_members if has(v)),
                "panel": count,
                "kept": quota.min <= count <= quota.max,
            }
        )
    return rows


def histogram(probabilities: Mapping[str, float], bins: int = 20) -> list[dict]:
    """Counts of selection probabilities in equal-width bins from 0 to the largest."""
    values = list(probabilities.values())
    if not values:
        return []
    top = max(values) or 1.0
    width = top / bins
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, int(value / width))] += 1
    return [
        {"low": i * width, "high": (i + 1) * width, "count": count}
        for i, count in enumerate(counts)
    ]


def transparency(panel: Panel) -> dict:
    """What the public page and API show: no names, no contact details, no addresses."""
    selection = panel.drawn_run()
    latest = (
        selection or panel.runs.filter(state=RunState.DONE, algorithm=Algorithm.LEXIMIN).first()
    )
    data = {
        "panel": panel.slug,
        "title": panel.title,
        "size": panel.size,
        "household_rule": panel.household_rule,
        "invitations": panel.invitations.count(),
        "invitation_seed": panel.invitation_seed,
        "register_size": panel.register_size,
        "register_sha256": panel.register_sha256,
        "volunteers": panel.volunteers.exclude(status=Status.WITHDRAWN).count(),
        "algorithm_version": ALGORITHM_VERSION,
        "quotas": composition(panel),
        "run": None,
        "replacements": [],
        "personal_data_deleted_at": panel.personal_data_deleted_at,
    }
    if latest is not None:
        data["run"] = {
            "id": latest.pk,
            "algorithm": latest.algorithm,
            "volunteers": latest.volunteers,
            "min_probability": latest.min_probability,
            "gini": latest.gini,
            "panels_in_support": latest.panels_in_support,
            "commitment": latest.commitment,
            "finished_at": latest.finished_at,
            "seed": latest.seed,
            "seed_source": latest.seed_source,
            "drawn_at": latest.drawn_at,
            "drawn_panel": latest.drawn_panel,
        }
        if selection is not None:
            data["replacements"] = [
                {
                    "dropped": r.dropped,
                    "added": r.added,
                    "unkept": r.unkept,
                    "shortfall": r.shortfall,
                    "seed": r.seed,
                    "created_at": r.created_at,
                }
                for r in selection.replacements.all()
            ]
    return data
