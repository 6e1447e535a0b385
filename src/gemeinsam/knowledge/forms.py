"""Forms of the knowledge store: the admin's link from a document to a measure, chosen
among the measures of each strategy's published version."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gemeinsam.knowledge.models import DocumentMeasure
from gemeinsam.knowledge.selectors import published_measures


def measure_choices() -> list:
    """(strategy, [(value, title), …]) groups; a value is "<strategy id>:<measure key>"."""
    groups: dict = {}
    for measure in published_measures().order_by("version__strategy__name", "order", "pk"):
        strategy = measure.version.strategy
        groups.setdefault(strategy, []).append((f"{strategy.pk}:{measure.key}", measure.title))
    return [("", "---------")] + [(s.name, items) for s, items in groups.items()]


class DocumentMeasureForm(forms.ModelForm):
    measure = forms.ChoiceField(
        label=_("measure"),
        help_text=_("Measures of the published version of each strategy."),
    )

    class Meta:
        model = DocumentMeasure
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = measure_choices()
        if self.instance.pk:
            current = f"{self.instance.strategy_id}:{self.instance.measure_key}"
            self.initial["measure"] = current
            known = {value for _group, items in choices[1:] for value, _title in items}
            if current not in known:  # a measure no longer in the published version
                choices.append((current, _("(not in the published version)")))
        self.fields["measure"].choices = choices

    def clean_measure(self) -> tuple[int, uuid.UUID]:
        strategy_id, key = self.cleaned_data["measure"].split(":", 1)
        return int(strategy_id), uuid.UUID(key)

    def _post_clean(self):
        if "measure" in self.cleaned_data:
            self.instance.strategy_id, self.instance.measure_key = self.cleaned_data["measure"]
        super()._post_clean()


class DocumentMeasureFormSet(forms.BaseInlineFormSet):
    """The constraint (document, measure_key) is not a form field, so the formset checks it."""

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.has_changed() and not form.instance.pk:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            measure = form.cleaned_data.get("measure")
            if measure is None:
                continue
            if measure[1] in seen:
                raise ValidationError(_("Each measure can be linked only once."))
            seen.add(measure[1])
