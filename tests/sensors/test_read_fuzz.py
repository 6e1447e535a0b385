"""Query options that multiply work, generated at random (fixed seed) against the demo's year of
BLUME air-quality data: every request answers within 2 s and never with a 5xx. What is too much
is refused with a 400 naming its limit (STA_MAX_EXPAND_DEPTH and the like).
"""

import io
import random
import time
from urllib.parse import urlencode

import pytest
from django.test import Client

from gemeinsam.sensors.demo import load_demo
from gemeinsam.sensors.sta.entities import BY_NAME, BY_SET, Kind

pytestmark = pytest.mark.django_db

BUDGET_SECONDS = 2.0
REQUESTS = 150
SETS = ["Things", "Datastreams", "Observations", "Locations", "Sensors", "ObservedProperties"]
SETS += ["FeaturesOfInterest", "HistoricalLocations", "MultiDatastreams"]
# A literal of the right kind for each kind of property, so most filters reach the database.
LITERALS = {
    Kind.TEXT: ["'Wedding'", "'NO2'", "''", "'x''y'"],
    Kind.TIME: ["2019-06-01T00:00:00Z", "2020-01-01T12:00:00+01:00"],
    Kind.INTERVAL: ["2019-06-01T00:00:00Z", "2019-12-24T18:00:00Z"],
    Kind.RESULT: ["0", "20", "40.5", "1000", "-1"],
    Kind.JSON: ["'BLUME'", "3", "null"],
}
FUNCTIONS = [
    "length({text}) gt 3",
    "substringof('e', {text})",
    "tolower({text}) eq 'no2'",
    "startswith({text}, 'N')",
]
TIME_FUNCTIONS = ["year({time}) eq 2019", "hour({time}) lt 6", "month({time}) ge 7"]


class Generator:
    """Random query options over the entity model: paths through navigations, lists of
    terms, nesting; sizes reach past every limit now and then."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def walk(self, et, steps: int):
        """A path of up to `steps` navigations from `et`, and the type it ends at."""
        path, seen = [], {et.name}
        for _step in range(steps):
            navs = et.navs
            if self.random.random() < 0.9:  # mostly paths that STA_MAX_... lets through
                navs = [nav for nav in et.navs if nav.target not in seen] or et.navs
            nav = self.random.choice(navs)
            path.append(nav.name)
            et = BY_NAME[nav.target]
            seen.add(et.name)
        return path, et

    def term(self, et) -> str:
        path, target = self.walk(et, self.random.choice([0, 0, 1, 1, 2, 3]))
        props = [p for p in target.props if p.kind in LITERALS]
        prop = self.random.choice(props)
        full = "/".join([*path, prop.name])
        if prop.kind == Kind.JSON and prop.name == "properties":
            full += "/network"
        texts = [p for p in target.props if p.kind == Kind.TEXT]
        times = [p for p in target.props if p.kind in (Kind.TIME, Kind.INTERVAL)]
        if texts and self.random.random() < 0.15:
            name = "/".join([*path, self.random.choice(texts).name])
            return self.random.choice(FUNCTIONS).format(text=name)
        if times and self.random.random() < 0.15:
            name = "/".join([*path, self.random.choice(times).name])
            return self.random.choice(TIME_FUNCTIONS).format(time=name)
        op = self.random.choice(["eq", "ne", "gt", "ge", "lt", "le"])
        return f"{full} {op} {self.random.choice(LITERALS[prop.kind])}"

    def filter(self, et) -> str:
        count = self.random.choice([1, 2, 3, 5, 8, 13, 25, 40])
        text = self.term(et)
        for _index in range(count - 1):
            joined = f"{text} {self.random.choice(['and', 'or'])} {self.term(et)}"
            text = f"not ({joined})" if self.random.random() < 0.1 else joined
        return text

    def orderby(self, et) -> str:
        count = self.random.choice([1, 1, 2, 3, 5, 12])
        terms = []
        for _index in range(count):
            path, target = [], et
            to_one = [nav for nav in et.navs if not nav.many]
            if to_one and self.random.random() < 0.3:
                nav = self.random.choice(to_one)
                path, target = [nav.name], BY_NAME[nav.target]
            prop = self.random.choice([p for p in target.props if p.kind != Kind.JSON])
            direction = self.random.choice(["", " asc", " desc"])
            terms.append("/".join([*path, prop.name]) + direction)
        return ",".join(terms)

    def top(self) -> str:
        return str(self.random.choice([0, 1, 10, 100, 1000, 5000, 10000, 50000]))

    def expand(self, et, level: int = 0) -> str:
        items = []
        for _item in range(self.random.choice([1, 1, 2, 3])):
            path, target = self.walk(et, self.random.choice([1, 1, 1, 2, 2, 3, 4]))
            options = self.options(target, level + 1, nested=True)
            inner = ";".join(f"{name}={value}" for name, value in options.items())
            items.append("/".join(path) + (f"({inner})" if inner else ""))
        return ",".join(items)

    def options(self, et, level: int = 0, *, nested: bool = False) -> dict[str, str]:
        options = {}
        chance = 0.5 if not nested else 0.3
        if self.random.random() < chance:
            options["$filter"] = self.filter(et)
        if self.random.random() < chance:
            options["$orderby"] = self.orderby(et)
        if self.random.random() < 0.6:
            options["$top"] = self.top()
        if self.random.random() < 0.15:
            options["$skip"] = str(self.random.choice([1, 100, 60000]))
        if self.random.random() < 0.15 and not nested:
            options["$count"] = "true"
        if level < 3 and self.random.random() < (0.6 if not nested else 0.2):
            options["$expand"] = self.expand(et, level)
        return options

    def request(self) -> str:
        name = self.random.choice(SETS)
        return f"/sta/v1.1/{name}?" + urlencode(self.options(BY_SET[name]), safe="$/(),;='")


@pytest.fixture
def demo():
    load_demo(io.StringIO())


def test_generated_reads_of_the_demo_answer_within_two_seconds_and_never_5xx(demo):
    client = Client(raise_request_exception=False)
    generator = Generator(seed=18)
    client.get("/sta/v1.1/Things?$filter=name eq 'x'")  # the first request builds the parser
    slow, failed, statuses = [], [], []
    for _index in range(REQUESTS):
        url = generator.request()
        began = time.monotonic()
        response = client.get(url)
        seconds = time.monotonic() - began
        statuses.append(response.status_code)
        if seconds > BUDGET_SECONDS:
            slow.append((round(seconds, 2), url))
        if response.status_code >= 500:
            failed.append((response.status_code, url, response.content[:300]))
    assert failed == []
    assert slow == []
    # The generator reaches the data, not only the limits.
    assert statuses.count(200) > REQUESTS / 3
    assert statuses.count(400) > 0
