"""WSGI entry point, served by gunicorn in `gemeinsam serve` or by any WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

from gemeinsam.lib.private_files import private_umask

# Uploads, e-mails and SQLite's WAL stay private under a server started without the CLI, too.
private_umask()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gemeinsam.config.settings")
application = get_wsgi_application()
