"""Forms of the strategy's public pages: the value-compass survey."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gemeinsam.strategy.models import SCORE_LABELS, Value
from gemeinsam.strategy.services.tracking import Ratings


class SurveyForm(forms.Form):
    """One rating 0..4 and an optional comment per value of the compass. A value may be left
    out ("no answer"), but at least one must be rated."""

    def __init__(self, *args, values: list[Value], labels: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.values = values
        choices = [(str(score), f"{score} – {label}") for score, label in SCORE_LABELS.items()]
        for value, label in zip(values, labels, strict=True):
            self.fields[f"score_{value.key}"] = forms.TypedChoiceField(
                label=label,
                choices=choices,
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
            )
            self.fields[f"comment_{value.key}"] = forms.CharField(
                label=_("Comment on “%(value)s” (optional)") % {"value": label},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def fieldsets(self):
        """(value, rating field, comment field) for the template, one fieldset each."""
        return [
            (value, self[f"score_{value.key}"], self[f"comment_{value.key}"])
            for value in self.values
        ]

    def clean(self):
        cleaned = super().clean()
        rated = [v for v in self.values if cleaned.get(f"score_{v.key}") is not None]
        if not rated:
            raise forms.ValidationError(_("Rate the measure against at least one value."))
        for value in self.values:
            if cleaned.get(f"comment_{value.key}") and cleaned.get(f"score_{value.key}") is None:
                self.add_error(
                    f"score_{value.key}", _("You wrote a comment: please also choose a rating.")
                )
        return cleaned

    def ratings(self) -> Ratings:
        return {
            value.key: (
                self.cleaned_data[f"score_{value.key}"],
                self.cleaned_data[f"comment_{value.key}"],
            )
            for value in self.values
            if self.cleaned_data.get(f"score_{value.key}") is not None
        }

    @classmethod
    def initial_from(cls, ratings) -> dict:
        """A person's earlier answer as the form's initial data."""
        initial = {}
        for rating in ratings:
            initial[f"score_{rating.value_key}"] = str(rating.score)
            initial[f"comment_{rating.value_key}"] = rating.justification
        return initial
