"""Forms of the staff area and the moderation pages: processes, phases, categories, people.

Dates and times are entered in the city's local time (core.forms.datetime_field).
"""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from gemeinsam.core.forms import datetime_field
from gemeinsam.core.models import District
from gemeinsam.participation.models import PhaseType, Process
from gemeinsam.participation.services.processes import (
    PROCESS_FIELDS,
    CategorySpec,
    PhaseSpec,
    phase_problems,
)


def users_by_email(addresses: list[str]) -> tuple[list, list[str]]:
    """The accounts with these e-mail addresses (any case), and the addresses without one."""
    wanted = {address.strip().lower() for address in addresses if address.strip()}
    users = list(
        get_user_model()
        .objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=wanted, is_active=True)
    )
    unknown = sorted(wanted - {user.email_lower for user in users})
    return users, unknown


class EmailListField(forms.CharField):
    """E-mail addresses of existing accounts, one per line or separated by commas."""

    widget = forms.Textarea(attrs={"rows": 3})

    def clean(self, value):
        value = super().clean(value)
        addresses = [a for a in value.replace(",", "\n").replace(";", "\n").split() if a]
        users, unknown = users_by_email(addresses)
        if unknown:
            raise forms.ValidationError(
                _("There is no account with these e-mail addresses: %(addresses)s"),
                params={"addresses": ", ".join(unknown)},
            )
        return users


class ProcessForm(forms.ModelForm):
    member_emails = EmailListField(
        label=_("Invited people"),
        required=False,
        help_text=_(
            "For processes visible to invited people only: the e-mail addresses of their "
            "accounts, one per line."
        ),
    )

    class Meta:
        model = Process
        fields = [*PROCESS_FIELDS, "districts"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "summary_en": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 8}),
            "description_en": forms.Textarea(attrs={"rows": 8}),
            "description_easy": forms.Textarea(attrs={"rows": 8}),
            "districts": forms.CheckboxSelectMultiple,
            "visibility": forms.RadioSelect,
        }
        help_texts = {
            "slug": _("Part of the address, e.g. ideen-fuer-berlin: letters, digits, hyphens."),
            "description": _("Markdown: **bold**, *italic*, lists with -, links [text](url)."),
            "image_alt": _("Required with an image: what it shows, for people who cannot see it."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["districts"].queryset = District.objects.order_by("name")
        self.fields["districts"].help_text = _("None ticked: the whole city.")
        if self.instance.pk:
            self.fields["member_emails"].initial = "\n".join(
                self.instance.members.order_by("email").values_list("email", flat=True)
            )

    def clean(self):
        data = super().clean()
        if data.get("image") and not (data.get("image_alt") or "").strip():
            self.add_error("image_alt", _("Describe the image for people who cannot see it."))
        return data

    def process_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in PROCESS_FIELDS}


class PhaseForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=[("", _("– choose –")), *PhaseType.choices])
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("Optional.")
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    starts_at = datetime_field(_("Starts"))
    ends_at = datetime_field(_("Ends"), help_text=_("Local time in Berlin, e.g. 2026-03-31 18:00"))

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The end must be after the start."))
        return data


class KeptFormsMixin:
    """Blank extra rows and rows ticked for deletion are left out."""

    def kept_forms(self) -> list[forms.Form]:
        return [f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]

    def has_row_errors(self) -> bool:
        return any(f.errors for f in self.forms if not self._should_delete_form(f))


class BasePhaseFormSet(KeptFormsMixin, forms.BaseFormSet):
    def clean(self):
        if self.has_row_errors():
            return
        problems = phase_problems(self.specs())
        if problems:
            raise forms.ValidationError(problems)

    def specs(self) -> list[PhaseSpec]:
        return [
            PhaseSpec(
                type=form.cleaned_data["type"],
                title=form.cleaned_data.get("title", ""),
                description=form.cleaned_data.get("description", ""),
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
            )
            for form in self.kept_forms()
        ]


PhaseFormSet = forms.formset_factory(
    PhaseForm, formset=BasePhaseFormSet, extra=2, can_delete=True, max_num=20
)


class CategoryForm(forms.Form):
    pk = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("Name in English"), max_length=100, required=False)


class BaseCategoryFormSet(KeptFormsMixin, forms.BaseFormSet):
    def clean(self):
        if self.has_row_errors():
            return
        names = [spec.name.strip().casefold() for spec in self.specs()]
        if len(set(names)) != len(names):
            raise forms.ValidationError(_("Two categories have the same name."))

    def specs(self) -> list[CategorySpec]:
        return [
            CategorySpec(
                name=form.cleaned_data["name"],
                name_en=form.cleaned_data.get("name_en", ""),
                pk=form.cleaned_data.get("pk"),
            )
            for form in self.kept_forms()
        ]


CategoryFormSet = forms.formset_factory(
    CategoryForm, formset=BaseCategoryFormSet, extra=2, can_delete=True, max_num=50
)


class ModeratorForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the account"))

    def clean_email(self):
        users, _unknown = users_by_email([self.cleaned_data["email"]])
        if not users:
            raise forms.ValidationError(_("There is no account with this e-mail address."))
        self.user = users[0]
        return self.cleaned_data["email"]


class BlockForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for the block"), max_length=300)


class DismissForm(forms.Form):
    note = forms.CharField(label=_("Note for the log (optional)"), max_length=300, required=False)
