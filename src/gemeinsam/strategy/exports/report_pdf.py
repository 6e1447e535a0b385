"""The success-control report as a PDF (WeasyPrint), laid out from the same body template as
the page; the report itself is strategy.report.build_report."""

import hashlib
import logging
from dataclasses import replace
from importlib import metadata
from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.template.loader import render_to_string

from gemeinsam.strategy.report import Report

PDF_TEMPLATE = "strategy/report_pdf.html"
PDF_STYLESHEET = "strategy/report.css"
# Keys change with the content, so an entry never goes stale; the cache culls old ones.
PDF_CACHE_SECONDS = 30 * 24 * 3600


def pdf_cache_key(report: Report) -> str:
    """The cache key of the report's PDF: a hash of the HTML WeasyPrint would lay out and of
    the stylesheet, so that any change in data, language, template or style gives a new key.
    The time of generation is left out: it is when the PDF was made, not what it reports."""
    html = render_to_string(PDF_TEMPLATE, {"report": replace(report, generated_at=None)})
    digest = hashlib.sha256(html.encode())
    digest.update(Path(finders.find(PDF_STYLESHEET)).read_bytes())
    digest.update(metadata.version("weasyprint").encode())
    return f"strategy:report-pdf:{digest.hexdigest()}"


def render_pdf(report: Report) -> bytes:
    """The report as a PDF (WeasyPrint), from the same body template as the page. Laying out a
    large report takes seconds, so the PDF is kept in the cache under `pdf_cache_key` and
    served from there while nothing it shows has changed."""
    key = pdf_cache_key(report)
    pdf = cache.get(key)
    if pdf is None:
        pdf = html_to_pdf(render_to_string(PDF_TEMPLATE, {"report": report}))
        cache.set(key, pdf, PDF_CACHE_SECONDS)
    return pdf


def html_to_pdf(html: str) -> bytes:
    """HTML laid out as a PDF with the report's stylesheet, uncached."""
    # WeasyPrint logs every layout step at INFO (from its import on); a command's output is
    # no place for them.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    from weasyprint import CSS, HTML

    stylesheet = finders.find(PDF_STYLESHEET)
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=stylesheet)])
