"""The strategy's staff area: city staff create strategies, edit a draft of the next version,
review what changed and publish it (the measure's tracking pages are in views.staff_tracking).

Pages work without JavaScript and call the same services as the API and commands.
"""

from collections.abc import Callable
from functools import partial, wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gemeinsam.core.decorators import permission_required
from gemeinsam.core.forms import form_data, show_errors, submitted
from gemeinsam.core.i18n import localized
from gemeinsam.strategy import changelog
from gemeinsam.strategy.changelog import item_title
from gemeinsam.strategy.forms.staff import ITEM_FORMS, ITEM_MODELS, PublishForm, StrategyForm
from gemeinsam.strategy.models import (
    FieldOfAction,
    Goal,
    Indicator,
    Measure,
    Strategy,
    StrategyVersion,
    VersionFrozen,
    VersionItem,
)
from gemeinsam.strategy.services import versions
from gemeinsam.strategy.services.versions import StrategyError

# Signed-in city staff and admins; everybody else gets 403.
staff_only = permission_required("strategy.manage_strategy")


# Strategies and versions -----------------------------------------------------------------


@staff_only
def strategy_list(request: HttpRequest) -> HttpResponse:
    form = StrategyForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        strategy = versions.create_strategy(
            form.cleaned_data["name"],
            slug=form.cleaned_data["slug"],
            name_en=form.cleaned_data["name_en"],
            user=request.user,
        )
        messages.success(
            request, _("The strategy has been created with an empty draft as version 1.")
        )
        return redirect("strategy_staff:dashboard", strategy.slug)
    rows = []
    for strategy in Strategy.objects.prefetch_related("versions"):
        numbered = sorted(strategy.versions.all(), key=lambda v: v.number)
        published = [v for v in numbered if v.is_frozen]
        draft = [v for v in numbered if not v.is_frozen]
        rows.append((strategy, published[-1] if published else None, draft[0] if draft else None))
    return render(request, "strategy/staff/strategy_list.html", {"rows": rows, "form": form})


@staff_only
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    strategy = get_object_or_404(Strategy, slug=slug)
    newest_first = list(
        strategy.versions.select_related("created_by", "published_by").order_by("-number")
    )
    published = next((v for v in newest_first if v.is_frozen), None)
    draft = next((v for v in newest_first if not v.is_frozen), None)
    measures = list(published.measures.all()) if published else []
    return render(
        request,
        "strategy/staff/dashboard.html",
        {
            "strategy": strategy,
            "versions": newest_first,
            "published": published,
            "draft": draft,
            "measures": [(m, localized(m, "title")) for m in measures],
        },
    )


@require_POST
@staff_only
def draft_start(request: HttpRequest, slug: str) -> HttpResponse:
    strategy = get_object_or_404(Strategy, slug=slug)
    try:
        draft = versions.start_draft(strategy, request.user)
    except StrategyError as error:
        messages.error(request, str(error))
        return redirect("strategy_staff:dashboard", strategy.slug)
    messages.success(
        request,
        _("Version %(number)s has been started as a draft.") % {"number": draft.number},
    )
    return redirect("strategy_staff:editor", strategy.slug)


def draft_required(view: Callable) -> Callable:
    """The view gets the strategy of the address and its draft; without a draft staff are
    sent to the strategy's dashboard to start one."""

    @wraps(view)
    def with_draft(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
        strategy = get_object_or_404(Strategy, slug=slug)
        draft = strategy.draft
        if draft is None:
            messages.error(request, _("This strategy has no draft; start one to make changes."))
            return redirect("strategy_staff:dashboard", strategy.slug)
        return view(request, strategy, draft, *args, **kwargs)

    return with_draft


@staff_only
@draft_required
def editor(request: HttpRequest, strategy: Strategy, draft: StrategyVersion) -> HttpResponse:
    return render(
        request,
        "strategy/staff/editor.html",
        {
            "strategy": strategy,
            "draft": draft,
            "values": list(draft.values.all()),
            "fields": list(draft.fields_of_action.all()),
            "goals": list(draft.goals.select_related("field_of_action")),
            "measures": list(draft.measures.all()),
            "indicators": list(draft.indicators.select_related("measure")),
        },
    )


def _kind_model(kind: str) -> type[VersionItem]:
    if kind not in ITEM_MODELS:
        raise Http404
    return ITEM_MODELS[kind]


ADD_HEADINGS = {
    "value": gettext_lazy("Add a value"),
    "field_of_action": gettext_lazy("Add a field of action"),
    "goal": gettext_lazy("Add a goal"),
    "measure": gettext_lazy("Add a measure"),
    "indicator": gettext_lazy("Add an indicator"),
}


def _item_page(request, strategy, version, kind, form, item=None, title="") -> HttpResponse:
    model = ITEM_MODELS[kind]
    heading = ADD_HEADINGS[kind] if item is None else _("Edit “%(title)s”") % {"title": title}
    return render(
        request,
        "strategy/staff/item_form.html",
        {
            "strategy": strategy,
            "version": version,
            "kind": kind,
            "kind_name": model._meta.verbose_name,
            "heading": heading,
            "form": form,
            "item": item,
        },
    )


def _saved(
    request: HttpRequest, strategy: Strategy, form, save: Callable[[], object], done: str
) -> HttpResponse | None:
    """Call the service that stores a form's item: the editor when it is stored, None to show
    the form again with the service's errors."""
    try:
        save()
    except ValidationError as error:
        show_errors(form, error)
        return None
    except VersionFrozen as error:
        messages.error(request, str(error))
        return redirect("strategy_staff:dashboard", strategy.slug)
    messages.success(request, done)
    return redirect("strategy_staff:editor", strategy.slug)


@staff_only
@draft_required
def item_add(
    request: HttpRequest, strategy: Strategy, draft: StrategyVersion, kind: str
) -> HttpResponse:
    model = _kind_model(kind)
    form = ITEM_FORMS[kind](form_data(request), version=draft)
    if request.method == "POST" and form.is_valid():
        done = _("The %(kind)s has been added.") % {"kind": model._meta.verbose_name}
        save = partial(versions.add_item, draft, model, user=request.user, **form.item_fields())
        if saved := _saved(request, strategy, form, save, done):
            return saved
    return _item_page(request, strategy, draft, kind, form)


def _item(strategy: Strategy, kind: str, pk: int) -> VersionItem:
    model = _kind_model(kind)
    return get_object_or_404(
        model.objects.select_related("version"), pk=pk, version__strategy=strategy
    )


@staff_only
def item_edit(request: HttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    strategy = get_object_or_404(Strategy, slug=slug)
    item = _item(strategy, kind, pk)
    version = item.version
    if version.is_frozen and request.method != "POST":
        messages.error(
            request,
            _("Version %(number)s is published and cannot be changed; start a draft.")
            % {"number": version.number},
        )
        return redirect("strategy_staff:dashboard", strategy.slug)
    title = item_title(item)  # before the form writes the typed values into the item
    form = ITEM_FORMS[kind](form_data(request), instance=item, version=version)
    if request.method == "POST" and form.is_valid():
        save = partial(versions.edit_item, item, user=request.user, **form.item_fields())
        if saved := _saved(request, strategy, form, save, _("Your changes have been saved.")):
            return saved
    return _item_page(request, strategy, version, kind, form, item, title)


def _dependents(item: VersionItem) -> list[str]:
    """What is removed with an item, in words, so that staff see it before they confirm."""
    counts = []
    if isinstance(item, FieldOfAction):
        counts.append((item.goals.count(), FieldOfAction, Goal))
    if isinstance(item, Measure):
        counts.append((item.indicators.count(), Measure, Indicator))
    return [
        f"{related._meta.verbose_name_plural}: {count}"
        for count, _owner, related in counts
        if count
    ]


@staff_only
def item_remove(request: HttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    strategy = get_object_or_404(Strategy, slug=slug)
    item = _item(strategy, kind, pk)
    if request.method == "POST":
        try:
            versions.remove_item(item, user=request.user)
        except VersionFrozen as error:
            messages.error(request, str(error))
            return redirect("strategy_staff:dashboard", strategy.slug)
        messages.success(
            request,
            _("“%(title)s” has been removed from the draft.") % {"title": item_title(item)},
        )
        return redirect("strategy_staff:editor", strategy.slug)
    return render(
        request,
        "strategy/staff/item_remove.html",
        {
            "strategy": strategy,
            "item": item,
            "title": item_title(item),
            "kind_name": item._meta.verbose_name,
            "dependents": _dependents(item),
        },
    )


# Review and publish ----------------------------------------------------------------------


@staff_only
@draft_required
def review(request: HttpRequest, strategy: Strategy, draft: StrategyVersion) -> HttpResponse:
    published = strategy.published_version
    form = PublishForm(form_data(request))
    done = submitted(
        request,
        form,
        lambda data: versions.publish(draft, request.user, data["change_note"]),
        refusals=(StrategyError, VersionFrozen),
    )
    if done is not None:
        messages.success(
            request,
            _("Version %(number)s is published; the public changelog shows it.")
            % {"number": draft.number},
        )
        return redirect("strategy_staff:dashboard", strategy.slug)
    return render(
        request,
        "strategy/staff/review.html",
        {
            "strategy": strategy,
            "draft": draft,
            "published": published,
            # The same words as the public changelog will use once the draft is published.
            "entry": changelog.entries([v for v in (published, draft) if v is not None])[0],
            "form": form,
        },
    )
