"""Users, organisations, actor groups and Berlin's districts (Bezirke).

A Bezirk is one of Berlin's twelve boroughs; each has its own administration and
district assembly, so most participation is tagged with the Bezirk it concerns.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.db.models.functions import Lower
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


def recorded_by(verbose_name=None, *, blank: bool = False) -> models.ForeignKey:
    """Who created, entered or decided something: kept as a link that becomes empty when the
    account is deleted (the record stays), with no reverse accessor on the user."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=blank,
        related_name="+",
    )


class ActorGroup(models.TextChoices):
    """The five actor groups of Gemeinsam Digital: Berlin."""

    SCIENCE = "science", _("Science")
    BUSINESS = "business", _("Business")
    ADMINISTRATION_POLITICS = "administration_politics", _("Administration and politics")
    CIVIL_SOCIETY = "civil_society", _("Organised civil society")
    QUIET_GROUPS = "quiet_groups", _("Quiet groups")


class Language(models.TextChoices):
    GERMAN = "de", _("German")
    ENGLISH = "en", _("English")


class DistrictManager(models.Manager):
    def get_queryset(self):
        # A boundary is hundreds of kilobytes of JSON: load it only where it is used
        # (the lookup index, the boundary endpoint), not for every name on a page.
        return super().get_queryset().defer("geometry")


class District(models.Model):
    """A Bezirk with its boundary as a GeoJSON geometry in WGS84 (longitude, latitude)."""

    code = models.CharField(
        _("official key"),
        max_length=20,
        unique=True,
        help_text=_("The district key of the official register, e.g. 004."),
    )
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("short name"), max_length=100, unique=True)
    geometry = models.JSONField(_("boundary"), help_text=_("GeoJSON Polygon or MultiPolygon"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DistrictManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=200, unique=True)
    actor_group = models.CharField(_("actor group"), max_length=32, choices=ActorGroup)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person using the platform; logs in with an e-mail address, not a user name."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(
        _("public name"),
        max_length=80,
        blank=True,
        help_text=_("Shown next to your contributions. Leave empty to appear as a resident."),
    )
    actor_group = models.CharField(
        _("actor group"),
        max_length=32,
        choices=ActorGroup,
        blank=True,
        help_text=_("Optional. Helps us see whether all groups of the city take part."),
    )
    district = models.ForeignKey(
        District,
        verbose_name=_("district"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="residents",
        help_text=_("Optional. The district you live or work in."),
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=Language,
        default=Language.GERMAN,
        help_text=_("Language of the pages and of the e-mails we send you."),
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="core_user_email_ci_unique"),
        ]
        permissions = [
            ("moderate_content", _("Can moderate contributions")),
            ("manage_processes", _("Can run participation processes and measures")),
            ("view_statistics", _("Can see participation statistics")),
        ]

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        return self.display_name or str(_("Resident"))

    def has_role(self, role: str) -> bool:
        return self.is_active and role in self.role_names

    @cached_property
    def role_names(self) -> frozenset[str]:
        """The user's groups, read once per loaded user (i.e. once per request)."""
        return frozenset(self.groups.values_list("name", flat=True))


class AuditEvent(models.Model):
    """One write that matters: who did what to which object, and when (pretix's log_action).

    Written by `core.audit.record` from the services. `data` holds the facts of the change
    (a version number, a count, a seed), never personal data: the target is referenced by
    type and id, so that erasing a person's data leaves nothing of it here.
    """

    actor = recorded_by(_("actor"), blank=True)
    verb = models.CharField(_("action"), max_length=60)
    target_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.CharField(max_length=64)
    target = GenericForeignKey("target_type", "target_id")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.verb} {self.target_type_id}:{self.target_id}"


class WorkerHeartbeat(models.Model):
    """A running `gemeinsam worker`: it renews `seen_at` while it lives (core/leases.py).

    A task whose worker has not been seen for TASK_LEASE_SECONDS is queued again.
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"
