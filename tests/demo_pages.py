"""Every page of the demo, for tests that visit them all (the Content-Security-Policy tests):
the demo's content, and for each named URL the persona and arguments that open it as a page."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from django.contrib import admin
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

ANONYMOUS, RESIDENT, MODERATOR = "anonymous", "resident", "moderator"
STAFF, ADMIN = "staff", "admin"


@dataclass(frozen=True)
class Page:
    persona: str
    path: str


def load_demo() -> None:
    """What `gemeinsam demo` loads, with the sensors' stations limited to three days."""
    from gemeinsam.budgeting.demo import load_demo_content as load_budgeting
    from gemeinsam.core.demo import load_demo_content as load_accounts
    from gemeinsam.knowledge.demo import seed as load_knowledge
    from gemeinsam.participation.demo import load_demo_content as load_participation
    from gemeinsam.sensors.demo import demo_files
    from gemeinsam.sensors.imports.blume import import_luftdaten
    from gemeinsam.sortition.demo import load_demo_content as load_sortition
    from gemeinsam.strategy.demo import load_demo_content as load_strategy
    from gemeinsam.strategy.services.versions import start_draft

    load_accounts()
    load_participation()
    load_budgeting()
    load_sortition()
    import_luftdaten(demo_files(), since=date(2020, 3, 1), until=date(2020, 3, 3))
    strategy = load_strategy()
    load_knowledge()
    # The editor's pages exist while staff work on a draft, which the demo leaves to them.
    start_draft(strategy, personas()[STAFF])


def personas() -> dict[str, object]:
    """The demo's accounts by persona name (anonymous has none)."""
    from gemeinsam.core.demo import demo_users
    from gemeinsam.core.roles import Role

    users = demo_users()
    return {
        RESIDENT: users[Role.PARTICIPANT],
        MODERATOR: users[Role.MODERATOR],
        STAFF: users[Role.STAFF],
        ADMIN: users[Role.ADMIN],
    }


# URL names that are no HTML page: POST-only actions, downloads and data, machine APIs.
NOT_PAGES = {
    "core:download_data": "a JSON download",
    "core:set_language": "a POST action",
    "participation:rate": "a POST action",
    "participation:comment": "a POST action",
    "participation:comment_delete": "a POST action",
    "participation:report": "a POST action",
    "participation:hide": "a POST action",
    "participation:respond": "a POST action",
    "participation:moderation_hide": "a POST action",
    "participation:moderation_restore": "a POST action",
    "participation:moderation_dismiss": "a POST action",
    "participation:moderation_block": "a POST action",
    "participation:moderation_unblock": "a POST action",
    "participation:follow": "a POST action",
    "participation:ideas_geojson": "map data",
    "participation:ideas_csv": "a download",
    "participation:unfollow_link": "needs a signed token from an e-mail",
    "participation_staff:moderator_add": "a POST action",
    "participation_staff:moderator_remove": "a POST action",
    "participation:idea_edit": "participation:idea_create's form; no demo idea is editable now",
    "budgeting:count_results": "a POST action",
    "budgeting:review": "a POST action",
    "budgeting:proposal_create": "open in the proposal phase only, which no demo process is in",
    "budgeting:result_csv": "a download",
    "budgeting:result_json": "a download",
    "budgeting:result_pb": "a download",
    "budgeting:result_geojson": "map data",
    "sortition:run_file": "a download",
    "sortition:staff_letters": "a download",
    "sortition:staff_panel_csv": "a download",
    "sortition:staff_volunteer_status": "a POST action",
    "strategy:index": "redirects to the one strategy",
    "strategy:map_data": "map data",
    "strategy:report_pdf": "a PDF",
    "strategy:export": "a download",
    "strategy_staff:draft_start": "a POST action",
    "strategy_staff:item_remove": "a POST action",
    "strategy_staff:link_remove": "a POST action",
    "strategy_staff:measurement_delete": "a POST action",
    "strategy_staff:sync": "a POST action",
    "strategy_staff:checklist": "a POST action",
    "strategy_staff:compass": "a POST action",
    "strategy_staff:survey": "a POST action",
    "strategy_staff:link_add": "a POST action",
    "strategy_staff:measurement_add": "a POST action",
    "knowledge:attachment": "a download",
    "account_logout": "a POST action",
    "account_confirm_email": "needs a key from an e-mail",
    "account_reset_password_from_key": "needs a key from an e-mail",
    "account_confirm_login_code": "only during a login by code",
    "account_request_reauthentication_code": "only during a reauthentication by code",
    "account_confirm_reauthentication_code": "only during a reauthentication by code",
    "account_set_password": "only for accounts without a password",
    "healthz": "plain text for monitoring",
    "media": "uploaded files",
}
# The JSON APIs; their HTML documentation page (api:openapi-view) is a page.
NOT_PAGE_NAMESPACES = ("api", "sta", "admin")


def _demo_objects() -> dict[str, list]:
    from gemeinsam.budgeting.models import BudgetingProcess
    from gemeinsam.knowledge.models import Document
    from gemeinsam.participation.models import Comment, Idea, Process
    from gemeinsam.sensors.models import Thing
    from gemeinsam.sortition.models import Panel, SelectionRun
    from gemeinsam.strategy.models import Strategy

    return {
        "processes": list(Process.objects.order_by("pk")),
        "ideas": [
            idea
            for process in Process.objects.order_by("pk")
            for idea in Idea.objects.filter(process=process).order_by("pk")[:1]
        ],
        "comments": list(Comment.objects.order_by("pk")[:1]),
        "budgeting": list(BudgetingProcess.objects.select_related("process").order_by("pk")),
        "panels": list(Panel.objects.order_by("pk")),
        "runs": list(SelectionRun.objects.select_related("panel").order_by("pk")),
        "strategy": [Strategy.objects.get()],
        "documents": list(Document.objects.order_by("pk")),
        "things": list(Thing.objects.order_by("pk")),
    }


def _arguments(objects: dict[str, list]) -> dict[str, tuple[str, Callable[[], Iterator[dict]]]]:
    """For each URL name the persona that may open it and the arguments of its demo pages."""
    processes = objects["processes"]
    budgeting = objects["budgeting"]
    panels = objects["panels"]
    strategy = objects["strategy"][0]
    version = strategy.published_version
    measures = list(version.measures.order_by("pk"))

    def each(items, **fixed):
        return lambda: iter([{**fixed, **item} for item in items])

    process_slugs = [{"slug": p.slug} for p in processes]
    ideas = [{"slug": i.process.slug, "pk": i.pk} for i in objects["ideas"]]
    comment = [
        {"slug": c.idea.process.slug, "pk": c.idea.pk, "comment_pk": c.pk}
        for c in objects["comments"]
    ]
    budget_slugs = [{"slug": b.process.slug} for b in budgeting]
    panel_slugs = [{"slug": p.slug} for p in panels]
    runs = [{"slug": r.panel.slug, "pk": r.pk} for r in objects["runs"]]
    strategy_slug = [{"slug": strategy.slug}]
    measure_keys = [{"slug": strategy.slug, "key": m.key} for m in measures]
    goal = strategy.versions.get(state="draft").goals.order_by("pk").first()
    item = ("goal", goal.pk)
    none = [{}]
    return {
        "core:home": (ANONYMOUS, each(none)),
        "core:profile": (RESIDENT, each(none)),
        "core:delete_account": (RESIDENT, each(none)),
        "core:audit_log": (ADMIN, each(none)),
        "participation:processes": (ANONYMOUS, each(none)),
        "participation:process": (ANONYMOUS, each(process_slugs)),
        "participation:idea_create": (RESIDENT, each(process_slugs[:1])),
        "participation:idea": (ANONYMOUS, each(ideas)),
        "participation:comment_edit": (STAFF, each(comment)),
        "participation:moderation": (MODERATOR, each(process_slugs)),
        "participation:moderation_log": (MODERATOR, each(process_slugs[:1])),
        "participation:idea_map": (ANONYMOUS, each(process_slugs)),
        "participation:statistics": (STAFF, each(process_slugs)),
        "participation_staff:processes": (STAFF, each(none)),
        "participation_staff:process_create": (STAFF, each(none)),
        "participation_staff:audit_log": (STAFF, each(none)),
        "participation_staff:process_edit": (STAFF, each(process_slugs)),
        "budgeting:process": (ANONYMOUS, each(budget_slugs)),
        "budgeting:ballot": (RESIDENT, each(budget_slugs)),
        "budgeting:ballot_done": (RESIDENT, each(budget_slugs)),
        "budgeting:results": (ANONYMOUS, each(budget_slugs)),
        "budgeting:review_list": (STAFF, each(budget_slugs)),
        "budgeting:codes": (STAFF, each(budget_slugs[:1])),
        "budgeting:paper_ballot": (STAFF, each(budget_slugs[:1])),
        "sortition:staff_panels": (STAFF, each(none)),
        "sortition:staff_panel_create": (STAFF, each(none)),
        "sortition:panel": (ANONYMOUS, each(panel_slugs)),
        "sortition:register": (ANONYMOUS, each(panel_slugs)),
        "sortition:register_done": (ANONYMOUS, each(panel_slugs)),
        "sortition:staff_panel": (STAFF, each(panel_slugs)),
        "sortition:staff_quotas": (STAFF, each(panel_slugs)),
        "sortition:staff_invitations": (STAFF, each(panel_slugs)),
        "sortition:staff_volunteers": (STAFF, each(panel_slugs)),
        "sortition:staff_volunteers_import": (STAFF, each(panel_slugs)),
        "sortition:staff_paper_reply": (STAFF, each(panel_slugs)),
        "sortition:staff_runs": (STAFF, each(panel_slugs)),
        "sortition:staff_run": (STAFF, each(runs)),
        "sortition:staff_draw": (STAFF, each(panel_slugs)),
        "sortition:staff_replacements": (STAFF, each(panel_slugs)),
        "sortition:staff_deletion": (STAFF, each(panel_slugs)),
        "strategy:overview": (ANONYMOUS, each(strategy_slug)),
        "strategy:map": (ANONYMOUS, each(strategy_slug)),
        "strategy:changelog": (ANONYMOUS, each(strategy_slug)),
        "strategy:measure": (ANONYMOUS, each(measure_keys)),
        "strategy:survey": (RESIDENT, each(measure_keys[:1])),
        "strategy:report_index": (ANONYMOUS, each(strategy_slug)),
        "strategy:report": (ANONYMOUS, each([{"slug": strategy.slug, "number": 1}])),
        "strategy_staff:strategies": (STAFF, each(none)),
        "strategy_staff:dashboard": (STAFF, each(strategy_slug)),
        "strategy_staff:editor": (STAFF, each(strategy_slug)),
        "strategy_staff:item_add": (STAFF, each([{"slug": strategy.slug, "kind": item[0]}])),
        "strategy_staff:item_edit": (
            STAFF,
            each([{"slug": strategy.slug, "kind": item[0], "pk": item[1]}]),
        ),
        "strategy_staff:review": (STAFF, each(strategy_slug)),
        "strategy_staff:import": (STAFF, each(strategy_slug)),
        "strategy_staff:measure": (STAFF, each(measure_keys[:2])),
        "knowledge:index": (ANONYMOUS, each(none)),
        "knowledge:document": (ANONYMOUS, each([{"slug": d.slug} for d in objects["documents"]])),
        "sensors:things": (ANONYMOUS, each(none)),
        "sensors:thing": (ANONYMOUS, each([{"pk": t.pk} for t in objects["things"]])),
        "account_login": (ANONYMOUS, each(none)),
        "account_signup": (ANONYMOUS, each(none)),
        "account_inactive": (ANONYMOUS, each(none)),
        "account_reauthenticate": (RESIDENT, each(none)),
        "account_email": (RESIDENT, each(none)),
        "account_email_verification_sent": (ANONYMOUS, each(none)),
        "account_change_password": (RESIDENT, each(none)),
        "account_reset_password": (ANONYMOUS, each(none)),
        "account_reset_password_done": (ANONYMOUS, each(none)),
        "account_reset_password_from_key_done": (ANONYMOUS, each(none)),
        "api:openapi-view": (ANONYMOUS, each(none)),
    }


def _url_names(patterns, namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            qualified = f"{namespace}:{inner}" if namespace and inner else namespace or inner
            yield from _url_names(pattern.url_patterns, qualified)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def url_names() -> set[str]:
    """Every named URL of the site but the admin's (its pages come from its registry)."""
    return {
        name
        for name in _url_names(get_resolver().url_patterns)
        if name.split(":")[0] not in NOT_PAGE_NAMESPACES or name in PAGE_EXCEPTIONS
    }


PAGE_EXCEPTIONS = {"api:openapi-view"}


def site_pages() -> list[Page]:
    """The demo's pages of every named URL; a name neither here nor in NOT_PAGES fails."""
    arguments = _arguments(_demo_objects())
    missing = url_names() - set(arguments) - set(NOT_PAGES)
    assert not missing, f"URLs neither visited nor listed as no page: {sorted(missing)}"
    return [
        Page(persona, reverse(name, kwargs=kwargs))
        for name, (persona, kwargs_of) in sorted(arguments.items())
        for kwargs in kwargs_of()
    ]


def admin_pages() -> list[Page]:
    """The admin's index, each app, and each model's list, add form and first object."""
    request = RequestFactory().get("/")
    request.user = personas()[ADMIN]
    pages = [Page(ADMIN, reverse("admin:index")), Page(ADMIN, reverse("admin:password_change"))]
    for label in sorted({model._meta.app_label for model in admin.site._registry}):
        pages.append(Page(ADMIN, reverse("admin:app_list", kwargs={"app_label": label})))
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda i: i[0]._meta.label):
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(Page(ADMIN, reverse(f"{prefix}_changelist")))
        if model_admin.has_add_permission(request):
            pages.append(Page(ADMIN, reverse(f"{prefix}_add")))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append(Page(ADMIN, reverse(f"{prefix}_change", args=[first.pk])))
    return pages
