"""The layout every app keeps (README, "Map of the apps"; docs/architecture.md).

A reader who knows one app knows all: the same files for the same ideas, no module past 600
lines, no view or service past 80 lines, the science in packages without Django, and no
module reaching into another's private names. Each check lists its offenders.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "gemeinsam"

DOMAIN_APPS = ["participation", "budgeting", "sortition", "sensors", "strategy", "knowledge"]

# Each idea has one name: a module, or a package of that name when it grew.
SHAPE = [
    "models",
    "services",
    "selectors",
    "exports",
    "predicates",
    "views",
    "forms",
    "urls",
    "api",
    "admin",
    "tasks",
    "apps",
    "demo",
]
# Where an app has no such idea, said once here.
NOT_NEEDED = {
    ("sensors", "api"): "its API is the OGC SensorThings API in sensors/sta/",
    ("sensors", "forms"): "devices and services write through the SensorThings API",
    ("sensors", "exports"): "data leaves through the SensorThings API (JSON, dataArray)",
    ("sensors", "tasks"): "no queued work: MQTT publishes from a thread, `gemeinsam mqtt` bridges",
    ("strategy", "tasks"): "no queued work: `gemeinsam strategy sync` pulls sources from cron",
    ("knowledge", "tasks"): "no queued work: the search index follows each saved document",
    ("knowledge", "exports"): "no files built: attachments are downloaded as they were uploaded",
}
# Names the drift used; the shape has one name for each.
FORBIDDEN = {
    "permissions.py": "predicates.py",
    "rules.py": "predicates.py (budgeting/rules/ is the package of voting rules)",
    "progress.py": "services/ and selectors.py",
    "extensions.py": "core/hooks.py",
    "registry.py": "core/hooks.py",
}
FORBIDDEN_PREFIXES = {"views_": "views/", "forms_": "forms/", "urls_": "one urls.py"}

# Plain, typed Python (or NumPy) that a scientist would recognise: no Django import.
PURE_PACKAGES = [
    "gemeinsam.budgeting.rules",
    "gemeinsam.sortition.algorithms",
    "gemeinsam.sensors.query",
    "gemeinsam.strategy.indicators",
    "gemeinsam.lib",
]
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def python_modules() -> list[Path]:
    return sorted(p for p in SOURCE.rglob("*.py") if "migrations" not in p.parts)


def is_pure(path: Path) -> bool:
    dotted = "gemeinsam." + ".".join(path.relative_to(SOURCE).with_suffix("").parts)
    return any(dotted == p or dotted.startswith(p + ".") for p in PURE_PACKAGES)


def has(app: Path, name: str) -> bool:
    return (app / f"{name}.py").is_file() or (app / name / "__init__.py").is_file()


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_every_app_has_the_common_shape(app):
    folder = SOURCE / app
    missing = [n for n in SHAPE if not has(folder, n) and (app, n) not in NOT_NEEDED]
    assert missing == [], f"{app} lacks {missing}"
    assert (folder / "templates" / app).is_dir()
    for name in ("views", "forms", "services"):
        both = (folder / f"{name}.py").is_file() and (folder / name).is_dir()
        assert not both, f"{app} has {name}.py beside {name}/"


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_no_app_uses_the_names_the_shape_replaced(app):
    found = []
    for path in (SOURCE / app).glob("*.py"):
        if path.name in FORBIDDEN:
            found.append(f"{path.name} -> {FORBIDDEN[path.name]}")
        for prefix, instead in FORBIDDEN_PREFIXES.items():
            if path.name.startswith(prefix):
                found.append(f"{path.name} -> {instead}")
    assert found == []


def test_no_app_but_core_is_imported_by_core():
    """core is the floor the apps stand on: it may not import them (they use core/hooks.py)."""
    upward = []
    for path in (SOURCE / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "gemeinsam" and len(parts) > 1 and parts[1] in DOMAIN_APPS:
                    upward.append(f"{path.relative_to(SOURCE)}: {name}")
    assert upward == []


def app_imports() -> dict[str, set[str]]:
    """Which domain apps each domain app imports (at any depth, lazily or not)."""
    graph: dict[str, set[str]] = {app: set() for app in DOMAIN_APPS}
    for app in DOMAIN_APPS:
        for path in (SOURCE / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                for name in names:
                    parts = name.split(".")
                    if parts[0] == "gemeinsam" and len(parts) > 1 and parts[1] in DOMAIN_APPS:
                        graph[app].add(parts[1])
        graph[app].discard(app)
    return graph


def test_apps_depend_on_each_other_without_a_circle():
    """Apps depend downward (knowledge -> strategy -> budgeting -> participation, ...)."""
    graph = app_imports()
    circles = []

    def visit(app: str, path: list[str]) -> None:
        for used in sorted(graph[app]):
            if used in path:
                circles.append(" -> ".join([*path[path.index(used) :], used]))
            else:
                visit(used, [*path, used])

    for app in DOMAIN_APPS:
        visit(app, [app])
    assert circles == []


def test_no_module_is_longer_than_600_lines():
    long = [
        f"{p.relative_to(SOURCE)}: {n}"
        for p in python_modules()
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    ]
    assert long == []


def test_no_function_outside_the_pure_packages_is_longer_than_80_lines():
    long = []
    for path in python_modules():
        if is_pure(path):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(SOURCE)}:{node.lineno} {node.name} ({length})")
    assert long == []


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_package_loads_no_django(package):
    """Imports every module of the package in a fresh interpreter and looks at sys.modules."""
    script = (
        "import importlib, pkgutil, sys\n"
        f"package = importlib.import_module({package!r})\n"
        "for info in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == ""


def module_path(dotted: str) -> Path | None:
    """The file of one of our modules, or None for packages of others."""
    parts = dotted.split(".")
    if parts[0] != "gemeinsam":
        return None
    base = SOURCE.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def absolute(path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = ["gemeinsam", *path.relative_to(SOURCE).parent.parts]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_uses(path: Path) -> list[str]:
    """`from our.module import _name`, and `module._name` on a module of ours imported here."""
    tree = ast.parse(path.read_text())
    found, modules = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = absolute(path, node)
            if not source.startswith("gemeinsam"):
                continue
            for alias in node.names:
                if is_private(alias.name):
                    found.append(f"{node.lineno}: from {source} import {alias.name}")
                elif module_path(f"{source}.{alias.name}") is not None:
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("gemeinsam.") and alias.asname:
                    modules.add(alias.asname)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and is_private(node.attr)
        ):
            found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_module_uses_another_modules_private_names():
    offenders = [
        f"{path.relative_to(SOURCE)}:{use}"
        for path in python_modules()
        for use in private_uses(path)
    ]
    assert offenders == []


def module_containers(tree: ast.Module) -> set[str]:
    """Module-level names bound to an empty list, dict or set: where registries live."""
    names = set()
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        empty = False
        if isinstance(value, ast.List | ast.Set):
            empty = not value.elts
        elif isinstance(value, ast.Dict):
            empty = not value.keys
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            empty = value.func.id in {"list", "dict", "set"} and not value.args
        if empty and isinstance(target, ast.Name):
            names.add(target.id)
    return names


def fills(function: ast.FunctionDef, containers: set[str]) -> bool:
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in containers
            and node.func.attr in {"append", "add", "update", "extend", "setdefault"}
        ):
            return True
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in containers
                ):
                    return True
    return False


def test_every_extension_point_is_declared_in_core_hooks():
    """A registry is a module-level list or dict that a `register...` function fills: only
    core/hooks.py holds them, so a reader finds every seam of the platform in one file."""
    elsewhere = []
    for path in python_modules():
        if path == SOURCE / "core" / "hooks.py":
            continue
        tree = ast.parse(path.read_text())
        containers = module_containers(tree)
        for node in tree.body:
            if (
                isinstance(node, ast.FunctionDef)
                and node.name.startswith("register")
                and fills(node, containers)
            ):
                elsewhere.append(f"{path.relative_to(SOURCE)}: {node.name}")
    assert elsewhere == []
