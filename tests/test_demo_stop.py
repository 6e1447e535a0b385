"""`gemeinsam demo` stopped by SIGTERM or SIGHUP stops its worker, web server and bridge."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .faultkit import free_port
from .test_cli import _get_when_up


def descendants(pid: int) -> set[int]:
    """Every live process below `pid`, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGHUP])
def test_demo_stops_its_children_when_stopped(tmp_path, stop_signal):
    port = free_port()
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(GEMEINSAM_DATA_DIR=str(tmp_path), STA_MQTT_BRIDGE="true")
    demo = subprocess.Popen(
        [sys.executable, "-m", "gemeinsam", "demo", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children: set[int] = set()
    try:
        _get_when_up(f"http://127.0.0.1:{port}/healthz", deadline=400)
        deadline = time.monotonic() + 30
        while len(children) < 4 and time.monotonic() < deadline:  # worker, bridge, gunicorn +
            children = descendants(demo.pid)
            time.sleep(0.5)
        assert len(children) >= 4, children
        demo.send_signal(stop_signal)
        assert demo.wait(timeout=60) == 0
        deadline = time.monotonic() + 20
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in children if alive(pid)]
    finally:
        for pid in children | {demo.pid}:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
