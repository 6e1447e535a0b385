"""The audit log: `record` is called by the services for every write that matters.

As pretix's `log_action`: the actor, a dotted verb ("strategy.publish"), the object and a
few facts, in the caller's transaction, so a rolled-back write leaves no event behind.
Staff read it per object (the `audit_trail` tag) and in one list at /staff/audit/.
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet

from gemeinsam.core import hooks
from gemeinsam.core.models import AuditEvent
from gemeinsam.lib.messages import format_message


def record(actor, verb: str, obj: Model, /, **data) -> AuditEvent:
    """Log that `actor` (a user; anonymous or None for the system) did `verb` to `obj`.

    `data` must be JSON and hold no personal data. Two keys are shown translated: `fields`,
    a list of the target's field names, and `model`, a model's "app_label.model_name".
    """
    if actor is None or not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        verb=verb,
        target_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        target_id=str(obj.pk),
        data=data,
    )


def events_for(obj: Model) -> QuerySet[AuditEvent]:
    """What was done to one object, newest first."""
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        target_id=str(obj.pk),
    ).select_related("actor", "target_type")


def events(*, app: str = "", verb: str = "") -> QuerySet[AuditEvent]:
    """The whole log, newest first, optionally of one app ("sortition") or one verb."""
    found = AuditEvent.objects.select_related("actor", "target_type")
    if verb:
        found = found.filter(verb=verb)
    elif app:
        found = found.filter(verb__startswith=f"{app}.")
    return found


def describe(event: AuditEvent) -> str:
    """The event in the page's language: its app's label for the verb, with the event's
    facts filled in ("Version %(number)s published"), else the verb's code."""
    label = hooks.audit_verbs().get(event.verb)
    if label is None:
        return event.verb
    data = dict(event.data)
    if isinstance(data.get("fields"), list):
        data["fields"] = ", ".join(field_names(event, data["fields"]))
    if isinstance(data.get("model"), str):
        data["model"] = model_name(data["model"])
    try:
        return format_message(str(label), data)
    except (KeyError, TypeError, ValueError):  # an event older than its label's placeholders
        return str(label)


def field_names(event: AuditEvent, names: list[str]) -> list[str]:
    """The verbose names of the target model's fields, as the page's language says them."""
    model = event.target_type.model_class()
    shown = []
    for name in names:
        try:
            shown.append(str(model._meta.get_field(name).verbose_name))
        except (AttributeError, FieldDoesNotExist):  # a model or field removed since
            shown.append(name)
    return shown


def model_name(label: str) -> str:
    """A model's verbose name in the page's language, from its "app_label.model_name"."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label
