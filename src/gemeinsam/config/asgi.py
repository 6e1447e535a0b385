"""ASGI entry point, for servers that speak ASGI."""

import os

from django.core.asgi import get_asgi_application

from gemeinsam.lib.private_files import private_umask

private_umask()  # as in wsgi.py

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gemeinsam.config.settings")
application = get_asgi_application()
