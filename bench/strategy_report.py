"""The success-control report of a large strategy: building it, its HTML and its PDF, against
WeasyPrint on the same report without its charts.

    .venv/bin/python bench/strategy_report.py [--db sqlite|postgres] [--measures 50]
        [--indicators 3] [--measurements 40] [--repeat 3]

Creates, through strategy.services (versions, tracking), a published strategy with four
values, five fields of action and MEASURES measures (each with a team compass assessment and
INDICATORS indicators of MEASUREMENTS monthly measurements), then times, best of REPEAT:
`build_report`, rendering the page's HTML (report.html, as the view does), rendering the PDF's
HTML, `render_pdf` on a cold cache and `render_pdf` again (the second download).

The reference is WeasyPrint on the same PDF HTML with every chart (<figure class=
"report-chart">) cut out, with the same stylesheet: the same engine laying out the same
text, tables and page breaks, so "PDF / reference" is the price of the charts alone. Timing
the HTML page against the PDF would compare Django's template engine with a layout engine
and say nothing about what can be made faster. A scratch data directory (SQLite) or a
scratch database `bench_strategy_report` on BENCH_PG_SERVER (default
postgres://postgres@127.0.0.1:5432), dropped after the run.
"""

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "bench_strategy_report"
CHART = re.compile(r'<figure class="report-chart">.*?</figure>', re.DOTALL)


def best(repeat: int, function) -> tuple[float, object]:
    """The shortest of `repeat` runs (the others lose time to the machine, not the code)."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def fill(measures: int, indicators: int, measurements: int, seed: int):
    """A published strategy of the requested size, built as staff would build it."""
    from gemeinsam.strategy.models import Direction, FieldOfAction, Indicator, Measure, Value
    from gemeinsam.strategy.services import tracking, versions

    rng = random.Random(seed)
    today = date.today()
    baseline = today - timedelta(days=30 * (measurements + 2))
    strategy = versions.create_strategy("Lastprobe", slug="lastprobe", name_en="Load test")
    version = strategy.versions.get()
    values = [
        versions.add_item(version, Value, name=name, order=n)
        for n, name in enumerate(["Gemeinwohl", "Teilhabe", "Nachhaltigkeit", "Offenheit"])
    ]
    fields = [
        versions.add_item(version, FieldOfAction, title=f"Handlungsfeld {n + 1}", order=n)
        for n in range(5)
    ]
    created = []
    for m in range(measures):
        measure = versions.add_item(
            version,
            Measure,
            title=f"Maßnahme {m + 1}: Digitale Verwaltung im Kiez",
            type="central",
            fields_of_action=[fields[m % len(fields)]],
            order=m,
        )
        created.append(measure)
        for i in range(indicators):
            start = rng.uniform(10, 100)
            versions.add_item(
                version,
                Indicator,
                measure=measure,
                name=f"Indikator {m + 1}.{i + 1}",
                unit=rng.choice(["%", "t CO₂", "Anträge", "µg/m³"]),
                direction=rng.choice([Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER]),
                baseline_value=round(start, 1),
                baseline_date=baseline,
                target_value=round(start * rng.uniform(0.5, 1.5), 1),
                target_date=date(today.year + 3, 12, 31),
            )
    versions.publish(version, None, "Lastprobe")
    for indicator in Indicator.objects.filter(version=version):
        value = float(indicator.baseline_value)
        for k in range(1, measurements + 1):
            value = max(0.0, value + rng.gauss(0.3, 2))
            tracking.record_measurement(
                indicator, baseline + timedelta(days=30 * k), round(value, 2)
            )
    for measure in created:
        tracking.assess_measure(
            measure, {v.key: (rng.randint(0, 4), "Begründung") for v in values}, on=today
        )
    return strategy.published_version


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.utils import translation

    from gemeinsam.strategy import report
    from gemeinsam.strategy.exports import report_pdf
    from gemeinsam.strategy.views.report import report as report_view

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # manifest, as in production
    start = time.perf_counter()
    version = fill(args.measures, args.indicators, args.measurements, args.seed)
    print(
        f"data: {args.measures} measures x {args.indicators} indicators x "
        f"{args.measurements} measurements ({time.perf_counter() - start:.1f} s to create)"
    )
    translation.activate("de")
    year = date.today().year
    build_s, built = best(args.repeat, lambda: report.build_report(version, year))
    request = RequestFactory().get(f"/strategy/lastprobe/report/1/?year={year}")
    request.user = _anonymous()
    page_s, page = best(args.repeat, lambda: report_view(request, "lastprobe", 1).content)
    pdf_html_s, html = best(
        args.repeat, lambda: render_to_string("strategy/report_pdf.html", {"report": built})
    )

    def cold_pdf() -> bytes:
        cache.clear()
        return report_pdf.render_pdf(built)

    pdf_s, pdf = best(args.repeat, cold_pdf)
    cached_s, cached = best(args.repeat, lambda: report_pdf.render_pdf(built))
    assert cached == pdf
    without = CHART.sub("", html)
    charts = len(CHART.findall(html))
    reference_s, reference_pdf = best(args.repeat, lambda: report_pdf.html_to_pdf(without))

    print(
        f"charts: {charts}, PDF {len(pdf) / 1e6:.2f} MB ({_pages(pdf)} pages), "
        f"without charts {len(reference_pdf) / 1e6:.2f} MB ({_pages(reference_pdf)} pages)"
    )
    print(f"build_report:                 {build_s:7.3f} s")
    print(f"HTML page (view, {len(page) / 1e6:.1f} MB):     {page_s:7.3f} s")
    print(f"PDF's HTML (render_to_string): {pdf_html_s:6.3f} s")
    print(f"render_pdf, cold cache:       {pdf_s:7.3f} s")
    print(f"render_pdf, second download:  {cached_s:7.3f} s")
    print(f"reference, PDF without charts: {reference_s:6.3f} s")
    print(
        f"PDF / reference: {pdf_s / reference_s:.2f}x (the charts' cost: "
        f"{pdf_s - reference_s:.2f} s, {(pdf_s - reference_s) / max(charts, 1) * 1000:.0f} ms each)"
    )
    print(f"PDF / HTML page: {pdf_s / page_s:.1f}x")


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def _pages(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--measures", type=int, default=50)
    parser.add_argument("--indicators", type=int, default=3)
    parser.add_argument("--measurements", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-strategy-report-"))
    os.environ["GEMEINSAM_DATA_DIR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "gemeinsam.config.settings"
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)  # the database cache, as on a default installation
    pg = ["-h", "127.0.0.1", "-U", "postgres"]
    if args.db == "postgres":
        server = os.environ.get("BENCH_PG_SERVER", PG_SERVER)
        subprocess.run(["dropdb", *pg, "--if-exists", PG_NAME], check=True)
        subprocess.run(["createdb", *pg, PG_NAME], check=True)
        os.environ["DATABASE_URL"] = f"{server}/{PG_NAME}"
    sys.path.insert(0, str(ROOT / "src"))
    try:
        run(args)
    finally:
        if args.db == "postgres":
            from django.db import connections

            connections.close_all()
            subprocess.run(["dropdb", *pg, "--if-exists", PG_NAME])


if __name__ == "__main__":
    main()
