"""Content-Security-Policy sources derived from configured URLs.

Pure helpers for settings.py; the policy itself is Django's SECURE_CSP.
"""

from urllib.parse import urlsplit


def tile_source(url_template: str) -> str | None:
    """The CSP source (scheme and host) that serves an XYZ tile URL template.

    ``https://{s}.tile.example.org/{z}/{x}/{y}.png`` gives ``https://*.tile.example.org``;
    a relative template (tiles from this site) needs no source of its own and gives None.
    """
    parts = urlsplit(url_template)
    if not parts.scheme or not parts.netloc:
        return None
    host = parts.netloc.rsplit("@", 1)[-1]
    labels = host.split(".")
    templated = [i for i, label in enumerate(labels) if "{" in label]
    if templated:
        # CSP allows a wildcard only as the leftmost label, so it covers every subdomain.
        labels = ["*", *labels[templated[-1] + 1 :]]
    return f"{parts.scheme}://{'.'.join(labels)}"
