"""Parse EMAIL_URL into Django's MAILERS setting (Django 6.1+).

Small enough to own: the PyPI parsers for this are unmaintained.
"""

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}


def parse_email_url(url: str, data_dir: Path) -> dict[str, object]:
    """Return the MAILERS setting for a URL such as ``smtp://user:pw@host:587?tls=1``.

    ``file:`` without a path writes to ``<data dir>/mail``.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in BACKENDS:
        raise ValueError(
            f"EMAIL_URL: unknown scheme {scheme!r}; use one of {', '.join(sorted(BACKENDS))}"
        )
    options: dict[str, object] = {}
    if scheme == "file":
        options["file_path"] = unquote(parts.path) or str(data_dir / "mail")
    if scheme in {"smtp", "smtps"}:
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        options.update(
            host=parts.hostname or "localhost",
            port=parts.port or (465 if scheme == "smtps" else 25),
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            use_tls=query.get("tls", "") in {"1", "true", "yes"},
            use_ssl=scheme == "smtps" or query.get("ssl", "") in {"1", "true", "yes"},
            timeout=int(query.get("timeout", "30")),
        )
    return {"default": {"BACKEND": BACKENDS[scheme], "OPTIONS": options}}
