"""Forms of the public pages: ideas, comments, reports, responses and the idea filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gemeinsam.core.forms import id_filter_field
from gemeinsam.participation import images
from gemeinsam.participation.models import Category, IdeaStatus
from gemeinsam.participation.services.contributions import Point


def _coordinate(label, limit: int, help_text) -> forms.FloatField:
    return forms.FloatField(
        label=label, required=False, min_value=-limit, max_value=limit, help_text=help_text
    )


class IdeaForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 8})
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False
    )
    longitude = _coordinate(_("Longitude"), 180, _("Optional, e.g. 13.3329"))
    latitude = _coordinate(_("Latitude"), 90, _("Optional, e.g. 52.5065"))

    def __init__(self, *args, process, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = process.categories.all()
        if not process.categories.exists():
            del self.fields["category"]
        for n in range(1, images.MAX_IMAGES + 1):
            self.fields[f"image_{n}"] = forms.FileField(
                label=_("Picture %(n)s") % {"n": n},
                required=False,
                widget=forms.FileInput(attrs={"accept": images.ACCEPT}),
                help_text=_("Optional: JPEG, PNG or WebP, at most 5 MB."),
            )
            self.fields[f"alt_{n}"] = forms.CharField(
                label=_("Description of picture %(n)s") % {"n": n},
                required=False,
                max_length=300,
                help_text=_("What the picture shows, for people who cannot see it."),
            )

    def image_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"image_{n}"], self[f"alt_{n}"]) for n in range(1, images.MAX_IMAGES + 1)]

    def clean(self):
        data = super().clean()
        data["images"] = []
        for n in range(1, images.MAX_IMAGES + 1):
            upload, alt_text = data.get(f"image_{n}"), data.get(f"alt_{n}", "")
            if not upload:
                continue
            if not alt_text.strip():
                self.add_error(f"alt_{n}", _("Please describe what the picture shows."))
                continue
            try:
                data["images"].append(images.prepare_image(upload, alt_text))
            except forms.ValidationError as error:
                self.add_error(f"image_{n}", error)
        if (data.get("longitude") is None) != (data.get("latitude") is None):
            raise forms.ValidationError(_("Give both longitude and latitude, or neither."))
        return data

    def point(self) -> Point | None:
        """The place the form gives, once it is valid."""
        data = self.cleaned_data
        if data.get("longitude") is None:
            return None
        return Point(data["longitude"], data["latitude"])

    def idea_arguments(self) -> dict:
        """What the valid form gives `contributions.submit_idea` (and budgeting's proposals)."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "category": data.get("category"),
            "point": self.point(),
            "images": data["images"],
        }


class IdeaEditForm(IdeaForm):
    """IdeaForm for an existing idea: its pictures can be removed, new ones fill free places."""

    def __init__(self, *args, idea, **kwargs):
        initial = {
            "title": idea.title,
            "description": idea.description,
            "category": idea.category_id,
            "longitude": idea.longitude,
            "latitude": idea.latitude,
        }
        super().__init__(*args, process=idea.process, initial=initial, **kwargs)
        self.pictures = list(idea.images.all())
        self.fields["remove_images"] = forms.ModelMultipleChoiceField(
            label=_("Remove pictures"), queryset=idea.images.all(), required=False
        )
        free = images.MAX_IMAGES - len(self.pictures)
        for n in range(free + 1, images.MAX_IMAGES + 1):
            del self.fields[f"image_{n}"], self.fields[f"alt_{n}"]
        for n in range(1, free + 1):  # numbered after the pictures the idea has
            number = {"n": n + len(self.pictures)}
            self.fields[f"image_{n}"].label = _("Picture %(n)s") % number
            self.fields[f"alt_{n}"].label = _("Description of picture %(n)s") % number

    def image_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        free = images.MAX_IMAGES - len(self.pictures)
        return [(self[f"image_{n}"], self[f"alt_{n}"]) for n in range(1, free + 1)]

    def picture_choices(self) -> list[tuple[object, bool]]:
        """The idea's pictures, each with whether its removal is ticked."""
        ticked = {str(value) for value in self["remove_images"].value() or ()}
        return [(picture, str(picture.pk) in ticked) for picture in self.pictures]


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CommentEditForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )


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
    category = id_filter_field()
    district = forms.SlugField(required=False)
    status = forms.ChoiceField(choices=[("", _("All")), *IdeaStatus.choices], required=False)
    sort = forms.ChoiceField(choices=SORTS, required=False)
