"""The SensorThings API 1.1 data model (OGC 18-088 section 8, with the 1.1 `properties`).

Thing, Location, HistoricalLocation, Datastream, Sensor, ObservedProperty, Observation and
FeatureOfInterest of the sensing core, MultiDatastream of the extension, and the access
tokens that let devices and services write. JSON names map onto fields in `entities.py`.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Thing(models.Model):
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    properties = models.JSONField(_("properties"), null=True, blank=True)
    private = models.BooleanField(
        _("private"),
        default=False,
        help_text=_("Only staff and holders of a token see a private Thing and its data."),
    )
    locations = models.ManyToManyField(
        "Location", related_name="things", blank=True, verbose_name=_("locations")
    )

    class Meta:
        verbose_name = _("Thing")
        verbose_name_plural = _("Things")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    encoding_type = models.CharField(_("encoding type"), max_length=100)
    location = models.JSONField(_("location"), help_text=_("A GeoJSON geometry or feature."))
    properties = models.JSONField(_("properties"), null=True, blank=True)

    class Meta:
        verbose_name = _("Location")
        verbose_name_plural = _("Locations")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class HistoricalLocation(models.Model):
    time = models.DateTimeField(_("time"))
    thing = models.ForeignKey(
        Thing, models.CASCADE, related_name="historical_locations", verbose_name=_("Thing")
    )
    locations = models.ManyToManyField(
        Location, related_name="historical_locations", blank=True, verbose_name=_("locations")
    )

    class Meta:
        verbose_name = _("historical location")
        verbose_name_plural = _("historical locations")
        ordering = ["id"]
        indexes = [models.Index(fields=["thing", "time"])]

    def __str__(self) -> str:
        return f"{self.thing_id} @ {self.time:%Y-%m-%d %H:%M}"


class Sensor(models.Model):
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    encoding_type = models.CharField(_("encoding type"), max_length=100)
    metadata = models.JSONField(_("metadata"), help_text=_("A link or the description itself."))
    properties = models.JSONField(_("properties"), null=True, blank=True)

    class Meta:
        verbose_name = _("Sensor")
        verbose_name_plural = _("Sensors")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ObservedProperty(models.Model):
    name = models.CharField(_("name"), max_length=255)
    definition = models.CharField(_("definition"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    properties = models.JSONField(_("properties"), null=True, blank=True)

    class Meta:
        verbose_name = _("observed property")
        verbose_name_plural = _("observed properties")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class FeatureOfInterest(models.Model):
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    encoding_type = models.CharField(_("encoding type"), max_length=100)
    feature = models.JSONField(_("feature"), help_text=_("A GeoJSON geometry or feature."))
    properties = models.JSONField(_("properties"), null=True, blank=True)
    # The Location this feature was made from, so that the next Observation reuses it.
    from_location = models.ForeignKey(
        Location, models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("feature of interest")
        verbose_name_plural = _("features of interest")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class _DatastreamBase(models.Model):
    """What Datastream and MultiDatastream share; the time extents follow the observations."""

    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    observed_area = models.JSONField(_("observed area"), null=True, blank=True)
    phenomenon_time_start = models.DateTimeField(null=True, blank=True, editable=False)
    phenomenon_time_end = models.DateTimeField(null=True, blank=True, editable=False)
    result_time_start = models.DateTimeField(null=True, blank=True, editable=False)
    result_time_end = models.DateTimeField(null=True, blank=True, editable=False)
    properties = models.JSONField(_("properties"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class Datastream(_DatastreamBase):
    observation_type = models.CharField(_("observation type"), max_length=200)
    unit_of_measurement = models.JSONField(_("unit of measurement"))
    thing = models.ForeignKey(
        Thing, models.CASCADE, related_name="datastreams", verbose_name=_("Thing")
    )
    sensor = models.ForeignKey(
        Sensor, models.CASCADE, related_name="datastreams", verbose_name=_("Sensor")
    )
    observed_property = models.ForeignKey(
        ObservedProperty,
        models.CASCADE,
        related_name="datastreams",
        verbose_name=_("observed property"),
    )

    class Meta:
        verbose_name = _("Datastream")
        verbose_name_plural = _("Datastreams")
        ordering = ["id"]


class MultiDatastream(_DatastreamBase):
    """Several observed properties measured together (SensorThings 1.1 section 14.2)."""

    observation_type = models.CharField(
        _("observation type"),
        max_length=200,
        default="http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_ComplexObservation",
    )
    multi_observation_data_types = models.JSONField(_("data types of the results"))
    unit_of_measurements = models.JSONField(_("units of measurement"))
    thing = models.ForeignKey(
        Thing, models.CASCADE, related_name="multi_datastreams", verbose_name=_("Thing")
    )
    sensor = models.ForeignKey(
        Sensor, models.CASCADE, related_name="multi_datastreams", verbose_name=_("Sensor")
    )
    observed_properties = models.ManyToManyField(
        ObservedProperty,
        through="MultiDatastreamProperty",
        related_name="multi_datastreams",
        verbose_name=_("observed properties"),
    )

    class Meta:
        verbose_name = _("MultiDatastream")
        verbose_name_plural = _("MultiDatastreams")
        ordering = ["id"]


class MultiDatastreamProperty(models.Model):
    """The observed properties of a MultiDatastream in the order of its result array."""

    multi_datastream = models.ForeignKey(MultiDatastream, models.CASCADE)
    observed_property = models.ForeignKey(ObservedProperty, models.CASCADE)
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["multi_datastream", "rank"], name="mds_property_rank")
        ]

    def __str__(self) -> str:
        return f"{self.multi_datastream_id}[{self.rank}]"


class Observation(models.Model):
    """One measurement: the big table, read by (datastream, phenomenon time).

    The result is kept by kind so that `$filter` compares numbers as numbers and strings as
    strings in SQL: exactly one of result_number, result_string and result_json is used
    (result_json also for booleans, arrays, objects and an explicit null).
    On PostgreSQL the table is partitioned by phenomenon_time_start (migration 0002).
    """

    datastream = models.ForeignKey(
        Datastream, models.CASCADE, null=True, blank=True, related_name="observations"
    )
    multi_datastream = models.ForeignKey(
        MultiDatastream, models.CASCADE, null=True, blank=True, related_name="observations"
    )
    feature_of_interest = models.ForeignKey(
        FeatureOfInterest, models.CASCADE, related_name="observations"
    )
    phenomenon_time_start = models.DateTimeField(_("phenomenon time"))
    phenomenon_time_end = models.DateTimeField(null=True, blank=True)
    result_time = models.DateTimeField(_("result time"), null=True, blank=True)
    result_number = models.FloatField(null=True, blank=True)
    result_string = models.TextField(null=True, blank=True)  # noqa: DJ001 - null: not a string
    result_json = models.JSONField(null=True, blank=True)
    result_quality = models.JSONField(_("result quality"), null=True, blank=True)
    valid_time_start = models.DateTimeField(null=True, blank=True)
    valid_time_end = models.DateTimeField(null=True, blank=True)
    parameters = models.JSONField(_("parameters"), null=True, blank=True)

    class Meta:
        verbose_name = _("Observation")
        verbose_name_plural = _("Observations")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["datastream", "phenomenon_time_start"], name="obs_ds_time"),
            models.Index(fields=["multi_datastream", "phenomenon_time_start"], name="obs_mds_time"),
            models.Index(fields=["feature_of_interest"], name="obs_foi"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(datastream__isnull=False, multi_datastream__isnull=True)
                | models.Q(datastream__isnull=True, multi_datastream__isnull=False),
                name="obs_one_datastream",
            )
        ]

    def __str__(self) -> str:
        return f"{self.phenomenon_time_start:%Y-%m-%d %H:%M}: {self.result}"

    @property
    def result(self):
        if self.result_number is not None:
            number = self.result_number
            return int(number) if number.is_integer() and abs(number) < 2**53 else number
        if self.result_string is not None:
            return self.result_string
        return self.result_json

    @result.setter
    def result(self, value) -> None:
        self.result_number = self.result_string = self.result_json = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.result_number = float(value)
        elif isinstance(value, str):
            self.result_string = value
        else:
            self.result_json = value


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class AccessToken(models.Model):
    """A bearer token that lets a device or service write to the SensorThings API.

    Only the SHA-256 of the secret is stored; the secret is shown once when it is made.
    """

    name = models.CharField(_("name"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="sensor_tokens",
        verbose_name=_("issued to"),
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(cls, user, name: str) -> tuple["AccessToken", str]:
        secret = "sta_" + secrets.token_urlsafe(32)
        return cls.objects.create(user=user, name=name, digest=token_digest(secret)), secret

    @classmethod
    def find(cls, secret: str) -> "AccessToken | None":
        return (
            cls.objects.filter(digest=token_digest(secret), revoked=False)
            .select_related("user")
            .first()
        )


class IngestKey(models.Model):
    """An MQTT message that the bridge stored, by the SHA-256 of its topic and payload, so
    that the broker's redelivery of it is skipped (sensors/mqtt/ingest.py)."""

    key = models.CharField(primary_key=True, max_length=64, editable=False)
    stored_at = models.DateTimeField(_("stored at"), db_index=True, editable=False)

    class Meta:
        verbose_name = _("MQTT ingest key")
        verbose_name_plural = _("MQTT ingest keys")

    def __str__(self) -> str:
        return self.key
