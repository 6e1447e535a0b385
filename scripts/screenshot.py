"""Refresh the README screenshots: start the demo on a scratch data directory, photograph it.

.venv/bin/python scripts/screenshot.py    # writes docs/screenshot-home*.png
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parents[1] / "docs"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, seconds: float = 120) -> None:
    stop = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()  # noqa: S310 - local demo
            return
        except OSError:
            if time.monotonic() > stop:
                raise
            time.sleep(0.5)


def main() -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
        env["GEMEINSAM_DATA_DIR"] = data_dir
        demo = subprocess.Popen(
            [sys.executable, "-m", "gemeinsam", "demo", "--port", str(port)],
            env=env,
            start_new_session=True,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
                )
                shots = [
                    ("de", 1280, 900, "screenshot-home.png"),
                    ("en", 1280, 900, "screenshot-home-en.png"),
                    ("de", 360, 780, "screenshot-home-phone.png"),
                ]
                for language, width, height, name in shots:
                    context = browser.new_context(viewport={"width": width, "height": height})
                    context.add_cookies(
                        [
                            {
                                "name": "gemeinsam_language",
                                "value": language,
                                "url": f"http://127.0.0.1:{port}",
                            }
                        ]
                    )
                    page = context.new_page()
                    page.goto(f"http://127.0.0.1:{port}/")
                    page.screenshot(path=DOCS / name, full_page=False)
                    context.close()
                    print(f"wrote {DOCS / name}")
                browser.close()
        finally:
            os.killpg(demo.pid, signal.SIGINT)
            demo.wait(timeout=30)


if __name__ == "__main__":
    main()
