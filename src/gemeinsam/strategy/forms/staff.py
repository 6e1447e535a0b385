"""Forms of the strategy's staff area: strategies, the items of a draft, publishing, and what
is tracked for a measure (measurements, CSV import, compass, survey, checklist, links).

Relations offer only the draft's own items; numbers take a decimal comma or point; dates and
times are the city's local time, as in the participation staff forms.
"""

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gemeinsam.core.forms import datetime_field
from gemeinsam.core.models import Organisation
from gemeinsam.strategy import models, sources
from gemeinsam.strategy.changelog import COMPARED
from gemeinsam.strategy.services.versions import MANY_TO_MANY

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
MAX_CSV_BYTES = 5 * 1024 * 1024


class DecimalCommaFloatField(forms.FloatField):
    """A number typed with a decimal comma (3,5) or point (3.5); a browser's number input
    always sends a point."""

    widget = forms.NumberInput(attrs={"step": "any"})

    def to_python(self, value):
        if isinstance(value, str) and "," in value and "." not in value:
            value = value.replace(",", ".")
        return super().to_python(value)


def date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


# Strategies and versions -----------------------------------------------------------------


class StrategyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    name_en = forms.CharField(label=_("Name in English"), max_length=200, required=False)
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=200,
        required=False,
        help_text=_("Part of the address: letters, digits, hyphens. Empty: made from the name."),
    )

    def clean(self):
        data = super().clean()
        slug = data.get("slug") or slugify(data.get("name") or "")
        if "name" in data and not slug:
            self.add_error("slug", _("Give a short name of letters, digits and hyphens."))
        elif slug and models.Strategy.objects.filter(slug=slug).exists():
            self.add_error(
                "slug" if data.get("slug") else "name",
                _("A strategy with the short name “%(slug)s” exists already.") % {"slug": slug},
            )
        data["slug"] = slug
        return data


class PublishForm(forms.Form):
    change_note = forms.CharField(
        label=_("Change note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What changed and why, in words the public understands. It is shown in "
            "the public changelog."
        ),
    )


# Items of a draft --------------------------------------------------------------------------


class ItemForm(forms.ModelForm):
    """The fields of an item that staff edit, which are those the changelog compares
    (`COMPARED`), in its order; relations limited to the draft's own items."""

    version: models.StrategyVersion

    def __init__(self, *args, version: models.StrategyVersion, **kwargs):
        self.version = version
        super().__init__(*args, **kwargs)
        self.instance.version = version
        for name, model in (
            ("field_of_action", models.FieldOfAction),
            ("fields_of_action", models.FieldOfAction),
            ("goals", models.Goal),
            ("measure", models.Measure),
        ):
            if name in self.fields:
                self.fields[name].queryset = model.objects.filter(version=version)
        if "partners" in self.fields:
            self.fields["partners"].queryset = Organisation.objects.order_by("name")
        if "lead_organisation" in self.fields:
            self.fields["lead_organisation"].queryset = Organisation.objects.order_by("name")

    def item_fields(self) -> dict:
        """What the service stores: every field of the form, many-to-many ones as lists."""
        data = {}
        for name in self.Meta.fields:
            value = self.cleaned_data[name]
            data[name] = list(value) if name in MANY_TO_MANY else value
        return data


class ValueForm(ItemForm):
    class Meta:
        model = models.Value
        fields = list(COMPARED[models.Value])
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class FieldOfActionForm(ItemForm):
    class Meta:
        model = models.FieldOfAction
        fields = list(COMPARED[models.FieldOfAction])
        widgets = {"guiding_idea": forms.Textarea(attrs={"rows": 3})}


class GoalForm(ItemForm):
    class Meta:
        model = models.Goal
        fields = list(COMPARED[models.Goal])
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class MeasureForm(ItemForm):
    class Meta:
        model = models.Measure
        fields = list(COMPARED[models.Measure])
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 8}),
            "fields_of_action": forms.CheckboxSelectMultiple,
            "goals": forms.CheckboxSelectMultiple,
            "partners": forms.CheckboxSelectMultiple,
            "start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "longitude": forms.NumberInput(attrs={"step": "any"}),
            "latitude": forms.NumberInput(attrs={"step": "any"}),
        }
        help_texts = {
            "description": _("Markdown: **bold**, *italic*, lists with -, links [text](url)."),
            "budget": _("In euros, e.g. 250000.00; empty if not known."),
            "location_name": _("Where the measure happens, e.g. Hardenbergplatz."),
            "longitude": _("For the map, in degrees east, e.g. 13.3339. With the latitude."),
            "latitude": _("For the map, in degrees north, e.g. 52.5069. With the longitude."),
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end must not lie before the start."))
        longitude, latitude = data.get("longitude"), data.get("latitude")
        if (longitude is None) != (latitude is None):
            for name in ("longitude", "latitude"):
                if name not in self.errors:
                    self.add_error(name, _("Give both longitude and latitude, or neither."))
        if longitude is not None and not -180 <= longitude <= 180:
            self.add_error("longitude", _("The longitude lies between -180 and 180."))
        if latitude is not None and not -90 <= latitude <= 90:
            self.add_error("latitude", _("The latitude lies between -90 and 90."))
        budget = data.get("budget")
        if budget is not None and budget < 0:
            self.add_error("budget", _("The budget cannot be negative."))
        return data

    def _post_clean(self):
        # Our messages above say it in words; the database constraints would repeat it.
        if self.errors:
            return
        super()._post_clean()


class IndicatorForm(ItemForm):
    source_config = forms.JSONField(
        label=_("Source settings"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Empty for values entered by staff or imported from CSV. For a SensorThings "
            'datastream: {"datastream": 12, "aggregate": "mean", "period": "month"}.'
        ),
    )

    class Meta:
        model = models.Indicator
        fields = list(COMPARED[models.Indicator])
        field_classes = {
            "baseline_value": DecimalCommaFloatField,
            "target_value": (DecimalCommaFloatField),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "baseline_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "target_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean_source_config(self):
        config = self.cleaned_data.get("source_config")
        if config in (None, ""):
            return {}
        if not isinstance(config, dict):
            raise forms.ValidationError(_("Write the settings as a JSON object: {…}."))
        return config

    def clean(self):
        data = super().clean()
        baseline, deadline = data.get("baseline_date"), data.get("target_date")
        if baseline and deadline and deadline <= baseline:
            self.add_error("target_date", _("The deadline must lie after the baseline date."))
        if "source_config" in data and data.get("source"):
            try:
                sources.source_for(data["source"]).check(data["source_config"])
            except sources.SourceError as error:
                self.add_error("source_config", str(error))
        return data

    def _post_clean(self):
        if self.errors:
            return
        super()._post_clean()


ITEM_FORMS: dict[str, type[ItemForm]] = {
    "value": ValueForm,
    "field_of_action": FieldOfActionForm,
    "goal": GoalForm,
    "measure": MeasureForm,
    "indicator": IndicatorForm,
}
ITEM_MODELS: dict[str, type[models.VersionItem]] = {
    kind: form.Meta.model for kind, form in ITEM_FORMS.items()
}


# Tracking a measure -----------------------------------------------------------------------


class MeasurementForm(forms.Form):
    date = date_field(_("Date"))
    value = DecimalCommaFloatField(label=pgettext_lazy("measurement", "Value"))
    note = forms.CharField(label=_("Note (optional)"), max_length=300, required=False)


class CsvImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns indicator (name or key), date (YYYY-MM-DD or DD.MM.YYYY), value and, "
            "optionally, note; separated by commas or semicolons, UTF-8."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.") % {"size": MAX_CSV_BYTES // 2**20}
            )
        return upload


SCORE_CHOICES = [
    (score, f"{score} – {models.SCORE_LABELS[score]}")
    for score in range(models.SCORE_MIN, models.SCORE_MAX + 1)
]


class CompassForm(forms.Form):
    """One score and a justification per value of the compass."""

    def __init__(self, *args, values: list[models.Value], labels: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.values = values
        for value, label in zip(values, labels, strict=True):
            self.fields[f"score_{value.key}"] = forms.TypedChoiceField(
                label=_("Rating for “%(value)s”") % {"value": label},
                choices=SCORE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
            )
            self.fields[f"justification_{value.key}"] = forms.CharField(
                label=_("Justification for “%(value)s”") % {"value": label},
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self):
        """(value, score field, justification field) per value, for the template."""
        return [
            (value, self[f"score_{value.key}"], self[f"justification_{value.key}"])
            for value in self.values
        ]

    def ratings(self) -> dict:
        return {
            value.key: (
                self.cleaned_data[f"score_{value.key}"],
                self.cleaned_data[f"justification_{value.key}"],
            )
            for value in self.values
        }


class SurveyForm(forms.Form):
    opens_at = datetime_field(_("Opens"))
    closes_at = datetime_field(_("Closes"))

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The survey must close after it opens."))
        return data


def linkable_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The processes a measure may link to, grouped by kind; values are "app.model:pk"."""
    groups = []
    for label, kind_name in models.LINKABLE.items():
        app_label, model_name = label.split(".")
        model = ContentType.objects.get_by_natural_key(app_label, model_name).model_class()
        if model is None:
            continue
        options = [(f"{label}:{obj.pk}", str(obj)) for obj in model._default_manager.all()]
        options.sort(key=lambda option: option[1].casefold())
        if options:
            groups.append((str(kind_name), options))
    return groups


class LinkForm(forms.Form):
    target = forms.ChoiceField(label=_("Process, participatory budget or citizens' panel"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", _("– choose –")), *linkable_choices()]

    def target_object(self):
        label, pk = self.cleaned_data["target"].rsplit(":", 1)
        app_label, model_name = label.split(".")
        model = ContentType.objects.get_by_natural_key(app_label, model_name).model_class()
        return model._default_manager.get(pk=int(pk))
