"""Files of sortition: for the organisers the letter merge and the drawn panel (CSV with
personal data), for everyone the published inputs, distribution and commitment of a run,
with which `gemeinsam sortition verify` repeats the draw."""

import csv
import io
import shlex
from collections.abc import Iterable, Sequence

from gemeinsam.sortition.algorithms.distribution import inputs_bytes as committed_inputs
from gemeinsam.sortition.algorithms.instance import Instance
from gemeinsam.sortition.algorithms.invitations import spreadsheet_safe
from gemeinsam.sortition.models import Panel, SeedAnnouncement, SelectionRun
from gemeinsam.sortition.selectors import panel_members, shown_code
from gemeinsam.sortition.services.seeds import canonical_values

# The published people file: this column holds the keyed household hash.
HOUSEHOLD_COLUMN = "household"
ID_COLUMN = "id"
# A run's published files: the run's field and the content type.
PUBLISHED_FILES = {
    "features.csv": ("features_csv", "text/csv; charset=utf-8"),
    "people.csv": ("people_csv", "text/csv; charset=utf-8"),
    "distribution.json": ("distribution", "application/json"),
    "commitment.txt": ("commitment", "text/plain; charset=utf-8"),
}


def _spreadsheet_csv(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A CSV file for spreadsheet programs: no cell of the rows can start a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_safe(str(cell)) for cell in row])
    return out.getvalue()


def letters_csv(panel: Panel) -> str:
    """The letter merge: one row per invitation with its address and printed code. Extra
    register columns keep their names unless they clash with ours (then `register_...`)."""
    invitations = list(panel.invitations.all())
    fixed = ["id", "address", panel.stratum_column or "stratum", "code"]
    extra = list(dict.fromkeys(key for inv in invitations for key in inv.extra))
    shown = [f"register_{key}" if key in fixed else key for key in extra]
    rows = (
        [
            inv.register_id,
            inv.address,
            inv.stratum,
            *(inv.extra.get(k, "") for k in extra),
            shown_code(inv.code),
        ]
        for inv in invitations
    )
    return _spreadsheet_csv([*fixed[:3], *shown, fixed[3]], rows)


def panel_csv(panel: Panel) -> str:
    """The drawn panel with contact details, for the organisers (staff only)."""
    features = panel.features
    header = ["id", "status", *features, "name", "email", "phone", "address", "postcode", "source"]
    rows = (
        [
            v.ref,
            v.get_status_display(),
            *(v.features.get(f, "") for f in features),
            *(v.name, v.email, v.phone, v.address, v.postcode, v.get_source_display()),
        ]
        for v in panel_members(panel)
    )
    return _spreadsheet_csv(header, rows)


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


SEED_SCRIPT = (
    "import hashlib, sys\n"
    "lp = lambda s: len(s.encode()).to_bytes(8, 'big') + s.encode()\n"
    "print(hashlib.sha256(b'gemeinsam-seed/1' + b''.join(map(lp, sys.argv[1:]))).hexdigest())"
)


def seed_command(announcement: SeedAnnouncement) -> str:
    """A command anyone can run to derive the seed from the reveal (algorithms/seed.py): the
    context, then the values in their one spelling (numbers sorted, single spaces)."""
    values = canonical_values(announcement, announcement.revealed)
    arguments = " ".join(shlex.quote(part) for part in (announcement.context, *values))
    return f"python3 -c {shlex.quote(SEED_SCRIPT)} {arguments}"


def published_file(run: SelectionRun, filename: str) -> tuple[bytes, str]:
    """A published file of a run (one of PUBLISHED_FILES) as its bytes and content type,
    exactly as the commitment covers it: no byte order mark, since it hashes the bytes."""
    field, content_type = PUBLISHED_FILES[filename]
    body = getattr(run, field)
    if filename == "commitment.txt":
        body += "\n"
    return body.encode("utf-8"), content_type
