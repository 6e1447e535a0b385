"""Forms of sortition: the panel's settings, uploads, volunteering with the invitation code,
paper replies, runs, the draw and replacements. They parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gemeinsam.core.forms import datetime_field
from gemeinsam.sortition.models import Algorithm, Panel, SeedAnnouncement, SeedKind, ValueFormat
from gemeinsam.sortition.selectors import feature_choices
from gemeinsam.sortition.services.invitations import MAX_INVITATIONS
from gemeinsam.sortition.services.seeds import SeedProcedure
from gemeinsam.sortition.services.volunteers import Contact

# Reserved: /panels/staff/ is the staff list, so no panel may take this short name.
RESERVED_SLUGS = {"staff"}
MAX_UPLOAD_MB = 50
NUMBER_RANGE = {"min_value": -(10**9), "max_value": 10**9}  # the database's IntegerField


class ErrorSummary:
    """The fields with errors, for the summary on top of a form (sortition/_form_errors.html)."""

    def fields_with_errors(self) -> list[forms.BoundField]:
        return [field for field in self if field.errors]


class PanelForm(ErrorSummary, forms.ModelForm):
    """Create a panel, or change its settings; size and household rule are fixed once drawn."""

    class Meta:
        model = Panel
        fields = [
            "title",
            "title_en",
            "slug",
            "description",
            "description_en",
            "size",
            "household_rule",
            "public",
            "registration_open",
            "delete_after_days",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "slug": _("Used in the address of the panel's pages: letters, digits and dashes."),
            "size": _("How many people the panel has."),
        }

    def __init__(self, *args, drawn: bool = False, invited: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["registration_open"]
        else:
            self.fields["registration_open"].help_text = _(
                "People with a letter can volunteer on the panel's registration page."
            )
        if invited and not drawn:
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = _(
                "Invitations have been drawn: the letters show the address of the registration."
            )
        if drawn:
            for name in ("slug", "size", "household_rule"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "The panel has been drawn: this is part of the published draw."
                )

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug.lower() in RESERVED_SLUGS:
            raise forms.ValidationError(_("This short name is reserved; please choose another."))
        return slug


class CsvField(forms.FileField):
    """An uploaded CSV file; its content is checked by the service, which names line and column."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if uploaded and uploaded.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.") % {"size": MAX_UPLOAD_MB}
            )
        return uploaded


class QuotaUploadForm(ErrorSummary, forms.Form):
    file = CsvField(
        label=_("Quota table (CSV)"),
        help_text=_(
            "One row per value of a feature with the panel's minimum and maximum for it. "
            "Header: feature,value,min,max (category,name,min,max and category,feature,min,max "
            "are read too). Uploading replaces the whole table."
        ),
    )


class PoolImportForm(ErrorSummary, forms.Form):
    file = CsvField(
        label=_("Volunteer pool (CSV)"),
        help_text=_(
            "One row per person: an id column, one column per feature of the quota table "
            "with values as spelled there, and optionally name, email, phone, address and "
            "postcode."
        ),
    )
    id_column = forms.CharField(
        label=_("Id column"),
        required=False,
        max_length=80,
        help_text=_("Leave empty to use id, nationbuilder_id or person_id, else the row number."),
    )


def feature_field_name(index: int) -> str:
    return f"feature_{index}"


class VolunteerForm(ErrorSummary, forms.Form):
    """The features as one choice each (labels as staff wrote them), then contact details."""

    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=60, required=False)
    address = forms.CharField(label=_("Street and house number"), max_length=300, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)

    def __init__(self, *args, panel: Panel, **kwargs):
        super().__init__(*args, **kwargs)
        self.panel = panel
        self.features = list(feature_choices(panel).items())
        fields = {}
        for index, (feature, values) in enumerate(self.features):
            fields[feature_field_name(index)] = forms.ChoiceField(
                label=feature, choices=[("", _("Please choose")), *((v, v) for v in values)]
            )
        self.fields.update(fields)
        # As on the page, so that the error summary lists the fields in the order they appear.
        self.order_fields(["code", *fields, "name", "email", "phone", "address", "postcode"])
        if panel.household_rule:
            for name in ("address", "postcode"):
                self.fields[name].required = True

    def feature_fields(self) -> list[forms.BoundField]:
        return [self[feature_field_name(i)] for i in range(len(self.features))]

    def feature_values(self) -> dict[str, str]:
        return {
            feature: self.cleaned_data[feature_field_name(i)]
            for i, (feature, _values) in enumerate(self.features)
        }

    def contact(self) -> Contact:
        data = self.cleaned_data
        return Contact(
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            address=data["address"],
            postcode=data["postcode"],
        )


class RegistrationForm(VolunteerForm):
    code = forms.CharField(
        label=_("Invitation code"),
        max_length=40,
        help_text=_(
            "As printed in your letter, e.g. ABCDE-FGHJK. Spaces and dashes do not matter."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    consent = forms.BooleanField(label=_("I agree that my details are processed for the lottery."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["address"].widget.attrs["autocomplete"] = "street-address"
        self.fields["postcode"].widget.attrs["autocomplete"] = "postal-code"


class PaperReplyForm(VolunteerForm):
    code = forms.CharField(
        label=_("Invitation code"),
        max_length=40,
        required=False,
        help_text=_("If the reply names it: the code is then used up."),
    )


class RunForm(ErrorSummary, forms.Form):
    algorithm = forms.ChoiceField(
        label=_("Algorithm"),
        choices=Algorithm.choices,
        initial=Algorithm.LEXIMIN,
        widget=forms.RadioSelect,
    )


class SeedProcedureForm(ErrorSummary, forms.Form):
    """The seed procedure announced with the commitment (services/seeds.py)."""

    kind = forms.ChoiceField(
        label=_("Where the seed comes from"),
        choices=[c for c in SeedKind.choices if c[0] != SeedKind.LEGACY],
        initial=SeedKind.PUBLIC_EVENT,
        widget=forms.RadioSelect,
    )
    known_at = datetime_field(
        _("The seed becomes known at"),
        help_text=_(
            "When the event takes place or the witnesses reveal their secrets. The draw is "
            "refused before this moment."
        ),
    )
    source = forms.CharField(
        label=_("The public event"),
        max_length=300,
        required=False,
        help_text=_("E.g. “the six numbers of the Lotto draw 6 aus 49 of Saturday 2027-03-06”."),
    )
    value_format = forms.ChoiceField(
        label=_("Form of its value"),
        choices=ValueFormat.choices,
        initial=ValueFormat.NUMBERS,
        required=False,
        widget=forms.RadioSelect,
    )
    value_count = forms.IntegerField(
        label=_("How many numbers"), min_value=1, max_value=100, required=False
    )
    value_min = forms.IntegerField(
        label=_("From"), required=False, min_value=-(10**9), max_value=10**9
    )
    value_max = forms.IntegerField(
        label=_("To"), required=False, min_value=-(10**9), max_value=10**9
    )
    value_pattern = forms.CharField(
        label=_("Regular expression"),
        max_length=300,
        required=False,
        help_text=_("The whole value must match it, e.g. [0-9]{7} for a seven-digit number."),
    )
    witnesses = forms.CharField(
        label=_("Witnesses"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One a line: the name, a comma and the SHA-256 (hex) of their secret, e.g. made "
            "with printf '%s' SECRET | sha256sum. At least two."
        ),
    )

    def clean_witnesses(self) -> list[tuple[str, str]]:
        rows = []
        for line in self.cleaned_data["witnesses"].splitlines():
            if not line.strip():
                continue
            name, comma, digest = line.rpartition(",")
            if not comma:
                raise forms.ValidationError(
                    _("Write each witness as: name, SHA-256 (line: %(line)s).") % {"line": line}
                )
            rows.append((name.strip(), digest.strip().lower()))
        return rows

    def procedure(self) -> SeedProcedure:
        data = self.cleaned_data
        return SeedProcedure(
            kind=data["kind"],
            known_at=data["known_at"],
            source=data["source"],
            value_format=data["value_format"],
            value_count=data["value_count"],
            value_min=data["value_min"],
            value_max=data["value_max"],
            value_pattern=data["value_pattern"],
            witnesses=data["witnesses"],
        )


class RevealForm(ErrorSummary, forms.Form):
    """At the draw: the value of the announced event, or each witness's secret."""

    def __init__(self, *args, announcement: SeedAnnouncement, **kwargs):
        super().__init__(*args, **kwargs)
        if announcement.kind == SeedKind.PUBLIC_EVENT:
            self.fields["value_0"] = forms.CharField(
                label=_("The value of the event"), max_length=500, help_text=announcement.source
            )
            return
        for n, name in enumerate(announcement.witness_names):
            self.fields[f"value_{n}"] = forms.CharField(
                label=_("Secret of %(name)s") % {"name": name}, max_length=500, strip=False
            )

    def values(self) -> list[str]:
        return [self.cleaned_data[name] for name in self.fields]


class InvitationForm(SeedProcedureForm):
    """Step 1 of the invitation lottery: the register, how many, and the seed procedure."""

    register = CsvField(
        label=_("Address register (CSV)"),
        help_text=_(
            "Columns id, address and the stratum column; other columns (such as names) go "
            "into the letter merge. The register is kept with its SHA-256 until the personal "
            "data is deleted, so that the lottery can be repeated."
        ),
    )
    count = forms.IntegerField(
        label=_("Number of invitations"),
        min_value=1,
        max_value=MAX_INVITATIONS,
    )
    stratum_column = forms.CharField(
        label=_("Stratify by column"),
        max_length=80,
        help_text=_("Invitations are spread over its values in proportion to the register."),
    )


class ReplacementForm(SeedProcedureForm):
    dropped = forms.MultipleChoiceField(
        label=_("Who dropped out"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dropped"].choices = [(v.ref, v.ref) for v in members]
