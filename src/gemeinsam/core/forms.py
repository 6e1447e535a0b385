"""Forms of core (the profile, the account deletion confirmation) and the form helpers
every app's pages share: what a form is bound to, calling a service with a valid form and
showing its refusal, and date-time fields in local time."""

import re
from collections.abc import Callable

from django import forms
from django.core.exceptions import BadRequest, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gemeinsam.core.models import User

# Dates and times are entered in the city's local time (settings.TIME_ZONE): an HTML5
# datetime-local input where the browser has one, typed text (German or ISO) elsewhere.
DATETIME_INPUT = "%Y-%m-%dT%H:%M"
TYPED_DATETIME_FORMATS = ["%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


def form_data(request: HttpRequest):
    """What a form is bound to: the POST data, even when empty (so that it says what is
    missing), or nothing on GET."""
    return request.POST if request.method == "POST" else None


def form_files(request: HttpRequest):
    return request.FILES if request.method == "POST" else None


def show_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's validation errors next to the form's fields where it has them, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def submitted[T](
    request: HttpRequest,
    form: forms.BaseForm,
    action: Callable[[dict], T],
    *,
    refusals: tuple[type[Exception], ...] = (),
) -> T | None:
    """On a POST with a valid form, what the service `action` returned for the cleaned data;
    else None, with the service's refusal shown on the form: a ValidationError by `show_errors`,
    one of `refusals` (exceptions whose text is written for people) on top."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except ValidationError as error:
        show_errors(form, error)
    except refusals as error:
        form.add_error(None, str(error))
    return None


# The largest whole number a query parameter may carry: what a bigint column holds in every
# database we run on (SQLite's INTEGER and PostgreSQL's bigint are both signed 64-bit).
MAX_QUERY_INT = 2**63 - 1
ASCII_INTEGER = re.compile(r"-?[0-9]{1,19}")


class BadParameter(BadRequest):
    """A query parameter that names what a page shows (a version, a year) is malformed: 400."""


def int_param(
    request: HttpRequest,
    name: str,
    minimum: int = 0,
    maximum: int = MAX_QUERY_INT,
    *,
    strict: bool = False,
) -> int | None:
    """The whole number `?name=` gives, in ASCII digits between minimum and maximum; None when
    it is missing or unusable. Pages ignore an unusable filter or page number, as Django's
    Paginator.get_page does, since the page shows which filters apply; with `strict`, for a
    parameter that names what the page shows, it raises BadParameter (400, the API's 422)
    rather than showing something else than was asked for."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    if ASCII_INTEGER.fullmatch(raw) and minimum <= int(raw) <= maximum:
        return int(raw)
    if strict:
        raise BadParameter(
            _("“%(value)s” is not a valid %(name)s; give a whole number.")
            % {"value": raw[:20], "name": name}
        )
    return None


SLUG = re.compile(r"[-a-zA-Z0-9_]{1,200}")


def slug_param(request: HttpRequest, name: str) -> str:
    """The slug `?name=` gives, or "" when it is missing or could be no slug (as `int_param`,
    an unusable filter is ignored; a NUL byte would make PostgreSQL refuse the query)."""
    raw = request.GET.get(name, "").strip()
    return raw if SLUG.fullmatch(raw) else ""


def id_filter_field(**kwargs) -> forms.IntegerField:
    """An optional id in a filter form bound to the query string, bounded like `int_param`."""
    return forms.IntegerField(required=False, min_value=1, max_value=MAX_QUERY_INT, **kwargs)


def datetime_field(label, **kwargs) -> forms.DateTimeField:
    """A date and time in local time, with an example in the help text unless given one."""
    kwargs.setdefault("help_text", _("Local time in Berlin, e.g. 2026-03-01 09:00"))
    return forms.DateTimeField(
        label=label,
        input_formats=TYPED_DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
        **kwargs,
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "actor_group", "district", "organisation", "language"]


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To protect you, we ask for your password before deleting anything."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account is deleted for good."),
        required=True,
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=User._meta.get_field("language").choices)
    next = forms.CharField(required=False)
