"""Forms of participation: ideas, comments, reports, moderation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gemeinsam.participation.models import Category, IdeaStatus


class IdeaForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 8})
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        help_text=_("Optional, e.g. 13.3329"),
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        help_text=_("Optional, e.g. 52.5065"),
    )

    def __init__(self, *args, process, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = process.categories.all()
        if not process.categories.exists():
            del self.fields["category"]

    def clean(self):
        data = super().clean()
        if (data.get("longitude") is None) != (data.get("latitude") is None):
            raise forms.ValidationError(_("Give both longitude and latitude, or neither."))
        return data


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ResponseForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=IdeaStatus.choices)
    statement = forms.CharField(
        label=_("Official statement"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )


class IdeaFilterForm(forms.Form):
    SORTS = [("new", _("Newest")), ("rated", _("Most rated")), ("discussed", _("Most discussed"))]
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    category = forms.IntegerField(required=False)
    district = forms.SlugField(required=False)
    status = forms.ChoiceField(choices=[("", _("All")), *IdeaStatus.choices], required=False)
    sort = forms.ChoiceField(choices=SORTS, required=False)
