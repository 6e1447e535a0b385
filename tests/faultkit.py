"""Tools of the fault runs (tests/test_worker_faults.py, bench/faults/worker.py): a real
`gemeinsam worker` subprocess that can be slowed inside a task, and a TCP proxy to cut."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLOW_WORKER = Path(__file__).with_name("slow_worker.py")


def database_url(settings_dict: dict, port: int | None = None) -> str:
    """DATABASE_URL of a Django connection's database (the test database in tests)."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    return (
        f"postgres://{user}{password}@{host}:{port or settings_dict.get('PORT') or 5432}"
        f"/{settings_dict['NAME']}"
    )


def start_worker(url: str, log: Path, *, pause: float = 0, **env: str) -> subprocess.Popen:
    """`gemeinsam worker` on the database at `url`; `pause` seconds of sleep inside each
    budgeting count, sortition run and digest (tests/slow_worker.py), to be killed there."""
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment.update(
        {
            "DATABASE_URL": url,
            "DATABASE_CONN_MAX_AGE": "0",
            "TASK_LEASE_SECONDS": "2",
            "FAULT_PAUSE_SECONDS": str(pause),
            "PYTHONUNBUFFERED": "1",
            **env,
        }
    )
    argv = [sys.executable, str(SLOW_WORKER), "worker", "--no-startup-delay", "--interval", "0.2"]
    with log.open("a") as out:
        return subprocess.Popen(argv, env=environment, stdout=out, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(
    condition: Callable[[], object], timeout: float = 60, what: str = "", log: Path | None = None
) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            shown = log.read_text()[-3000:] if log and log.exists() else ""
            raise TimeoutError(f"waited {timeout} s for {what or condition}\n{shown}")
        time.sleep(0.2)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TcpProxy:
    """Forwards 127.0.0.1:port to a target; `stop()` closes the listener and drops every
    connection (the database "goes away"), `start()` listens again on the same port."""

    def __init__(self, target: tuple[str, int], port: int | None = None) -> None:
        self.target, self.port = target, port or free_port()
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets.update({client, upstream})
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
