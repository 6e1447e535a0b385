"""The public health check: 200 with a working database, 503 without, and no details in the body.

The outage is real: a subprocess whose DATABASE_URL points at a port where nothing listens.
"""

import json
import os
import socket
import subprocess
import sys

SCRIPT = """
import json, django
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.content.decode()}))
"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends


def test_health_check_without_database_answers_503_and_keeps_details_in_the_log(tmp_path):
    port = closed_port()
    url = f"postgres://secretuser@127.0.0.1:{port}/secretdbname"
    environment = {**os.environ, "DATABASE_URL": url, "GEMEINSAM_DATA_DIR": str(tmp_path)}
    environment["DJANGO_SETTINGS_MODULE"] = "gemeinsam.config.settings"
    environment["ALLOWED_HOSTS"] = "testserver"
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert json.loads(answer["body"]) == {"status": "error", "database": "unavailable"}
    assert f"port {port} failed" in result.stderr  # the operator finds the cause in the log
