"""Shared fixtures: personas (anonymous, resident, moderator, staff, admin) and factories."""

import os
from pathlib import Path

import factory
import pytest
from django.test import Client

from gemeinsam.core.models import ActorGroup, District, Organisation, User
from gemeinsam.core.roles import Role, assign_role

# Playwright's sync API runs an event loop in the test thread; the ORM calls made from
# tests next to it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery-staple"


def shared_data() -> Path:
    """The project's shared real data (../shared/data beside the checkout), required."""
    candidates = [
        os.environ.get("GEMEINSAM_SHARED_DATA", ""),
        Path(__file__).resolve().parents[2] / "shared" / "data",
        "/work/shared/data",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    pytest.fail("shared data not found: set GEMEINSAM_SHARED_DATA to the shared/data folder")


PURE_PACKAGES = (
    "/budgeting/rules/",
    "/sortition/algorithms/",
    "/sensors/query/",
    "/strategy/indicators/",
)


def pytest_collection_modifyitems(config, items):
    """Tests of the Django-free packages (budgeting rules, sortition algorithms, strategy
    indicators) are `pure`. Tests marked `postgresql` are left out (deselected, not skipped)
    of a run on SQLite, and those marked `sqlite` of a run on PostgreSQL: CI runs both."""
    on_postgresql = os.environ.get("DATABASE_URL", "").startswith(("postgres:", "postgresql:"))
    kept, left_out = [], []
    for item in items:
        path = item.path.as_posix()
        if any(package in path for package in PURE_PACKAGES):
            item.add_marker(pytest.mark.pure)
        other_database = "sqlite" if on_postgresql else "postgresql"
        (left_out if item.get_closest_marker(other_database) else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


SQUARE = {
    "type": "Polygon",
    "coordinates": [[[13.0, 52.0], [13.1, 52.0], [13.1, 52.1], [13.0, 52.1], [13.0, 52.0]]],
}


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """Rate-limit counters and cached pages live in caches, which a rollback does not undo."""
    from django.core.cache import caches

    caches["local"].clear()
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        from django.core.cache import cache

        request.getfixturevalue("_django_db_helper")  # database access, as the test has it
        cache.clear()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        from allauth.account.models import EmailAddress

        self.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Verein {n} e. V.")
    slug = factory.Sequence(lambda n: f"verein-{n}")
    actor_group = ActorGroup.CIVIL_SOCIETY


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    code = factory.Sequence(lambda n: f"{n + 100:03d}")
    name = factory.Sequence(lambda n: f"Bezirk {n}")
    slug = factory.Sequence(lambda n: f"bezirk-{n}")
    geometry = SQUARE


def _persona(role: Role, email: str) -> User:
    user = UserFactory(email=email)
    assign_role(user, role)
    return user


@pytest.fixture
def resident(db) -> User:
    return _persona(Role.PARTICIPANT, "alice@example.org")


@pytest.fixture
def moderator(db) -> User:
    return _persona(Role.MODERATOR, "mo@example.org")


@pytest.fixture
def staff(db) -> User:
    return _persona(Role.STAFF, "sam@example.org")


@pytest.fixture
def admin_user(db) -> User:
    return _persona(Role.ADMIN, "ada@example.org")


@pytest.fixture
def anonymous() -> Client:
    return Client()


@pytest.fixture
def login():
    def _login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def berlin(db):
    """Berlin's 12 districts from the file shipped with the package."""
    from gemeinsam.core.services import import_districts, shipped_districts_file

    import_districts(shipped_districts_file())
    return District.objects.all()


def run_concurrently(calls) -> list[BaseException]:
    """Start every call in its own thread at the same moment (a barrier); each thread uses
    its own database connection. Returns the errors raised, for the test to assert on."""
    import threading

    from django.db import close_old_connections, connection

    errors: list[BaseException] = []
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            call()
        except BaseException as error:  # collected and reported by the test
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
