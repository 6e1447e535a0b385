"""`gemeinsam demo`: a ready-to-try platform on SQLite, with demo accounts, served locally.

The one module that knows every app: it loads each app's demo content (their `demo.py`) in
order, prints the accounts and codes, and starts the web server, the worker and the MQTT
bridge. The CLI calls `main`; no app imports this module.
"""

import argparse
import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import OutputWrapper

from gemeinsam.budgeting.demo import DEMO_CODES
from gemeinsam.budgeting.demo import load_demo_content as load_budgeting
from gemeinsam.budgeting.selectors import code_is_usable
from gemeinsam.core.demo import DEMO_PASSWORD, load_demo_content
from gemeinsam.core.management.commands.serve import gunicorn_argv
from gemeinsam.knowledge.demo import seed as load_knowledge
from gemeinsam.participation.demo import load_demo_content as load_participation
from gemeinsam.sensors.demo import load_demo as load_sensors
from gemeinsam.sortition.demo import load_demo_content as load_sortition
from gemeinsam.sortition.demo import open_codes
from gemeinsam.strategy.demo import load_demo_content as load_strategy


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="gemeinsam demo",
        description="Create the demo database and accounts, then serve on http://127.0.0.1:8000.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--no-serve", action="store_true", help="only prepare the database and accounts, then exit"
    )
    return parser.parse_args(argv)


def prepare(out: OutputWrapper) -> None:
    """Migrate, collect static files and load every app's demo content (safe to repeat)."""
    out.write(f"Data directory: {settings.DATA_DIR}")
    out.write("Migrating the database ...")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    out.write("Loading demo content ...")
    accounts = load_demo_content()
    load_participation()
    budgeting = load_budgeting()
    panel = load_sortition()
    load_sensors(out)
    load_strategy()
    load_knowledge()
    out.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for account, created in accounts:
        note = "" if created else " (already there)"
        out.write(f"  {account.role.label:<28} {account.email}{note}")
    codes = [code for code in DEMO_CODES if code_is_usable(budgeting, code)]
    if codes:
        out.write(f"Voting codes for “{budgeting.process.title}” (no account needed):")
        out.write(f"  {', '.join(codes)}")
    invitation_codes = open_codes(panel) if panel is not None else []
    if invitation_codes:
        out.write(f"Invitation codes for “{panel.title}” (register as a volunteer):")
        out.write(f"  {', '.join(invitation_codes)}")


def mqtt_namespace(data_dir: Path) -> dict[str, str]:
    """The MQTT client id and topic prefix of the demo in `data_dir`: two demos on one broker
    neither take over each other's session nor store each other's observations."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:10]
    name = f"gemeinsam-demo-{digest}"
    return {"MQTT_BRIDGE_CLIENT_ID": name, "STA_MQTT_TOPIC_PREFIX": name}


def use_own_mqtt_namespace(out: OutputWrapper) -> None:
    """Set the demo's namespace, unless the environment names one, here and for the children."""
    for name, value in mqtt_namespace(settings.DATA_DIR).items():
        if name not in os.environ:  # set, even empty, it is the operator's choice
            os.environ[name] = value
            setattr(settings, name, value)
    prefix = settings.STA_MQTT_TOPIC_PREFIX.strip("/")
    topics = f"{prefix}/v1.1/..." if prefix else "v1.1/..."
    out.write(f"MQTT topics: {topics} (client id {settings.MQTT_BRIDGE_CLIENT_ID})")


def serve(host: str, port: int, out: OutputWrapper) -> None:
    """The web server, the worker and (if configured) the MQTT bridge, until Ctrl-C, SIGTERM
    or SIGHUP; each stops its children before it exits."""
    if host not in {"127.0.0.1", "localhost", "::1"}:
        sys.stderr.write("The demo accounts share a published password; do not expose the demo.")
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, _interrupt)
    env = dict(os.environ)
    processes: list[subprocess.Popen] = []
    try:
        processes.append(_start([sys.executable, "-m", "gemeinsam", "worker"], env))
        server = _start(gunicorn_argv(host, port, 2), env)
        processes.append(server)
        if settings.STA_MQTT_BRIDGE:
            # Devices' observations over MQTT; it waits for the broker if none runs yet.
            processes.append(
                _start([sys.executable, "-m", "gemeinsam", "mqtt", "--stats", "0"], env)
            )
        out.write(f"Gemeinsam runs on http://{host}:{port}/ (Ctrl-C stops it)")
        out.flush()
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut the stop short
        stop_children(processes)


def _interrupt(signum: int, frame) -> None:
    raise KeyboardInterrupt


def _start(argv: list[str], env: dict) -> subprocess.Popen:
    preexec = _die_with_parent if sys.platform == "linux" else None
    return subprocess.Popen(argv, env=env, preexec_fn=preexec)  # noqa: S603


def _die_with_parent() -> None:
    """Linux: the child is sent SIGTERM when the demo dies, even by `kill -9`."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def stop_children(processes: list[subprocess.Popen], timeout: float = 10) -> None:
    """SIGTERM to each child, then wait; a child that outlives the timeout is killed."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str]) -> None:
    options = parse_args(argv)
    out = OutputWrapper(sys.stdout)  # ends each write with a newline, as commands do
    use_own_mqtt_namespace(out)
    prepare(out)
    if not options.no_serve:
        serve(options.host, options.port, out)
