"""A citizens' panel drawn by lot (Stadtgremium): invitations, volunteers, quotas, runs, draw.

Stage 1 sends invitations to addresses drawn from a register; stage 2 selects the panel from
the volunteers by a lottery over quota-satisfying panels (sortition/algorithms). Personal data
(names, contact, addresses) is kept only until the draw has been made and the period for
replacements has passed; then only the anonymised features remain for the report.
"""

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gemeinsam.core.models import recorded_by


def _new_secret() -> str:
    return secrets.token_hex(32)


class Panel(models.Model):
    """One panel to be drawn, with its quotas, its invitation lottery and its volunteers."""

    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    size = models.PositiveSmallIntegerField(
        _("panel size"), validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    household_rule = models.BooleanField(
        _("at most one person per household"),
        default=True,
        help_text=_("People with the same address and postcode are never drawn together."),
    )
    public = models.BooleanField(
        _("transparency page public"),
        default=True,
        help_text=_("Quotas, method, commitment, seed and the panel's make-up, never names."),
    )
    registration_open = models.BooleanField(
        _("online registration with invitation code open"), default=False
    )
    delete_after_days = models.PositiveSmallIntegerField(
        _("delete personal data of people not selected after (days)"),
        default=90,
        validators=[MaxValueValidator(3650)],
        help_text=_("Counted from the draw. Until then, replacements can be drawn."),
    )
    # Stage 1: the invitation lottery (its register is kept with its seed announcement).
    invitation_seed = models.CharField(_("invitation seed"), max_length=200, blank=True)
    stratum_column = models.CharField(
        _("stratify invitations by column"), max_length=80, default="district"
    )
    register_sha256 = models.CharField(max_length=64, blank=True)
    register_size = models.PositiveIntegerField(null=True, blank=True)
    register_strata = models.JSONField(default=dict, blank=True)  # stratum -> addresses
    invitations_drawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = recorded_by()
    personal_data_deleted_at = models.DateTimeField(null=True, blank=True)
    # Key of the household hashes: equal addresses match within this panel only, and the
    # published hashes cannot be looked up in an address list.
    secret = models.CharField(max_length=64, default=_new_secret, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("citizens' panel")
        verbose_name_plural = _("citizens' panels")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sortition:panel", args=[self.slug])

    @property
    def features(self) -> list[str]:
        return list(dict.fromkeys(q.feature for q in self.quotas.all()))

    def drawn_run(self) -> "SelectionRun | None":
        return self.runs.filter(drawn_at__isnull=False).first()


class Quota(models.Model):
    """How many panel members have `value` of `feature` (e.g. district = Pankow): min to max."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="quotas")
    feature = models.CharField(_("feature"), max_length=80)
    value = models.CharField(_("value"), max_length=120)
    min = models.PositiveSmallIntegerField(_("minimum"))
    max = models.PositiveSmallIntegerField(_("maximum"))
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "feature", "value"], name="sortition_one_quota_per_value"
            ),
            models.CheckConstraint(
                condition=Q(min__lte=models.F("max")), name="sortition_quota_min_le_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.feature} = {self.value}: {self.min}–{self.max}"


class Invitation(models.Model):
    """An address drawn in stage 1, with the code printed in its letter.

    The code is kept in clear (unlike voting codes) so the letter merge can be downloaded
    again; it only lets someone volunteer for this panel, and goes with the addresses."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="invitations")
    register_id = models.CharField(_("register id"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    stratum = models.CharField(_("stratum"), max_length=120)
    extra = models.JSONField(default=dict, blank=True)
    code = models.CharField(_("invitation code"), max_length=32, unique=True)
    position = models.PositiveIntegerField(default=0)  # the draw order within the panel
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.panel} #{self.position}"


class Source(models.TextChoices):
    ONLINE = "online", _("Registered online")
    PAPER = "paper", _("Paper reply")
    IMPORTED = "imported", _("Imported")


class Status(models.TextChoices):
    POOL = "pool", _("In the pool")
    SELECTED = "selected", _("Selected")
    REPLACEMENT = "replacement", _("Selected as replacement")
    DROPPED = "dropped", _("Dropped out")
    WITHDRAWN = "withdrawn", _("Withdrew")


SEATED = (Status.SELECTED, Status.REPLACEMENT)


class Volunteer(models.Model):
    """Someone who answered an invitation (or came in an imported pool).

    `number` is the pseudonymous id used in every published file; the contact fields are
    personal data and are blanked by `services.privacy.delete_personal_data`."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="volunteers")
    number = models.PositiveIntegerField(_("number"))
    invitation = models.OneToOneField(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="volunteer"
    )
    source = models.CharField(_("source"), max_length=16, choices=Source)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.POOL)
    features = models.JSONField(_("features"), default=dict)  # feature -> value
    external_id = models.CharField(_("id in the imported file"), max_length=120, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    # A keyed hash of the normalised address and postcode: equal for one household, and
    # kept after the address is deleted so that published draws can still be verified.
    household = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        constraints = [
            models.UniqueConstraint(fields=["panel", "number"], name="sortition_volunteer_number"),
            models.UniqueConstraint(
                fields=["panel", "external_id"],
                condition=~Q(external_id=""),
                name="sortition_volunteer_external_id",
            ),
        ]

    def __str__(self) -> str:
        return self.ref

    @property
    def ref(self) -> str:
        """The public id: V and the number, e.g. V0042."""
        return f"V{self.number:04d}"


class Algorithm(models.TextChoices):
    LEXIMIN = "leximin", _("LEXIMIN (fairest: the smallest chances as large as possible)")
    LEGACY = "legacy", _("LEGACY greedy draw (for comparison only)")


class RunState(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class SelectionRun(models.Model):
    """One computation over a frozen copy of the pool: the lottery over panels, published as
    a commitment before the seed is known, then (LEXIMIN only) drawn with the seed."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="runs")
    algorithm = models.CharField(
        _("algorithm"), max_length=16, choices=Algorithm, default=Algorithm.LEXIMIN
    )
    state = models.CharField(_("state"), max_length=16, choices=RunState, default=RunState.QUEUED)
    progress = models.CharField(_("progress"), max_length=300, blank=True)
    requested_by = recorded_by()
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    # The inputs exactly as published (pseudonymous ids, household hashes), so that
    # `gemeinsam sortition verify` on the downloaded files repeats the draw.
    features_csv = models.TextField(blank=True)
    people_csv = models.TextField(blank=True)
    volunteers = models.PositiveIntegerField(default=0)
    distribution = models.TextField(blank=True)  # canonical JSON (algorithms/distribution.py)
    commitment = models.CharField(_("commitment (SHA-256)"), max_length=64, blank=True)
    probabilities = models.JSONField(default=dict, blank=True)  # ref -> probability
    estimated = models.BooleanField(default=False)  # LEGACY: from repeated draws
    min_probability = models.FloatField(null=True, blank=True)
    gini = models.FloatField(null=True, blank=True)
    panels_in_support = models.PositiveIntegerField(null=True, blank=True)
    seed = models.CharField(_("seed"), max_length=200, blank=True)
    seed_source = models.CharField(_("where the seed came from"), max_length=300, blank=True)
    drawn_panel = models.JSONField(default=list, blank=True)  # refs, sorted
    drawn_at = models.DateTimeField(null=True, blank=True)
    drawn_by = recorded_by()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("selection run")
        verbose_name_plural = _("selection runs")
        constraints = [
            models.UniqueConstraint(
                fields=["panel"],
                condition=Q(state__in=["queued", "running"]),
                name="sortition_one_pending_run",
            ),
            models.UniqueConstraint(
                fields=["panel"], condition=Q(drawn_at__isnull=False), name="sortition_one_draw"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.panel} #{self.pk} ({self.get_algorithm_display()})"


class SeedKind(models.TextChoices):
    PUBLIC_EVENT = "event", _("A public random event announced in advance")
    WITNESSES = "witnesses", _("Secrets of named witnesses, committed by their hashes")
    LEGACY = "legacy", _("Legacy free seed, typed in at the draw (not fixed in advance)")


class ValueFormat(models.TextChoices):
    NUMBERS = "numbers", _("A given count of whole numbers within a range")
    PATTERN = "pattern", _("Text matching a regular expression")


class SeedPurpose(models.TextChoices):
    DRAW = "draw", _("The draw of the panel")
    REPLACEMENT = "replacement", _("A replacement draw")
    INVITATIONS = "invitations", _("The invitation lottery")


class SeedAnnouncement(models.Model):
    """Where a draw's seed will come from, published with the commitment and before the seed
    can be known (algorithms/seed.py): a public random event with the moment it becomes known
    and the form of its value, or two or more witnesses' hashes of their secrets. At the draw
    the revealed values are recorded with the seed derived from them. The invitation lottery
    has no run: its announcement is bound to the register's SHA-256 and kept register."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="announcements")
    run = models.ForeignKey(
        SelectionRun,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="announcements",
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=SeedPurpose)
    kind = models.CharField(_("seed procedure"), max_length=16, choices=SeedKind)
    source = models.CharField(_("source of the seed"), max_length=300, blank=True)
    known_at = models.DateTimeField(_("the seed becomes known at"), null=True, blank=True)
    value_format = models.CharField(
        _("form of the value"), max_length=16, choices=ValueFormat, blank=True
    )
    value_count = models.PositiveSmallIntegerField(null=True, blank=True)
    value_min = models.IntegerField(null=True, blank=True)
    value_max = models.IntegerField(null=True, blank=True)
    value_pattern = models.CharField(max_length=300, blank=True)
    witnesses = models.JSONField(default=list, blank=True)  # [{"name", "sha256"}], in order
    dropped = models.JSONField(default=list, blank=True)  # replacements: refs, fixed in advance
    # Invitations: the register as uploaded (personal data, deleted with it), its SHA-256,
    # how many to draw and the stratum column, all fixed before the seed is known.
    register = models.TextField(blank=True)
    register_sha256 = models.CharField(max_length=64, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    stratum_column = models.CharField(max_length=80, blank=True)
    context = models.TextField(blank=True)  # what the seed is bound to (algorithms/seed.py)
    announced_at = models.DateTimeField(_("announced at"))
    announced_by = recorded_by()
    revealed = models.JSONField(default=list, blank=True)  # the raw values as entered
    seed = models.CharField(_("derived seed"), max_length=200, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("seed announcement")
        verbose_name_plural = _("seed announcements")
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "purpose"],
                condition=Q(used_at__isnull=True, superseded_at__isnull=True),
                name="sortition_one_open_announcement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.panel} {self.purpose} seed #{self.pk}"

    @property
    def legacy(self) -> bool:
        return self.kind == SeedKind.LEGACY

    @property
    def witness_names(self) -> list[str]:
        return [w["name"] for w in self.witnesses]


class Replacement(models.Model):
    """Seats refilled after drop-outs, with the quotas that could not be kept."""

    run = models.ForeignKey(SelectionRun, on_delete=models.CASCADE, related_name="replacements")
    announcement = models.OneToOneField(
        SeedAnnouncement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replacement",
    )
    # The inputs of the replacement draw, so that it can be repeated (None: recorded before).
    seated_before = models.JSONField(null=True, blank=True)
    excluded = models.JSONField(null=True, blank=True)
    seed = models.CharField(_("seed"), max_length=200)
    dropped = models.JSONField(default=list)  # refs
    added = models.JSONField(default=list)  # refs
    unkept = models.JSONField(default=list)  # [{feature, value, min, max, count}]
    shortfall = models.PositiveSmallIntegerField(default=0)  # seats left empty
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = recorded_by()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("replacement")
        verbose_name_plural = _("replacements")

    def __str__(self) -> str:
        return f"{self.run} replacement #{self.pk}"
