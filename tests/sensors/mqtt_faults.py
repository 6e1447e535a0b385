"""The MQTT fault runs (bridge killed, broker restarted) that tests/sensors/test_mqtt_faults.py
and bench/faults/mqtt.py share; Django-free: the caller counts the observations stored."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as paho

START = datetime(2026, 3, 1, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mosquitto:
    """A broker of the run's own, with persistence, so that sessions survive its restart."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.config = directory / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            + ("user root\n" if os.geteuid() == 0 else "")
            + "persistence true\n"
            f"persistence_location {directory}/\n"
            "max_queued_messages 0\nmax_queued_bytes 0\n"
            f"log_dest file {directory}/mosquitto.log\n"
        )
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.process = subprocess.Popen([binary, "-c", str(self.config)])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)  # writes the sessions to its database
            self.process.wait(30)
            self.process = None


class BridgeProcess:
    """`gemeinsam mqtt` as a process of its own; its log goes to a file."""

    def __init__(self, env: dict, log: Path, *args: str) -> None:
        self.env, self.log, self.args = env, log, args
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        gemeinsam = Path(sys.executable).parent / "gemeinsam"
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [str(gemeinsam), "mqtt", "--stats", "0", *self.args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(60)

    def output(self) -> str:
        return self.log.read_text()


def observation(stream: int, index: int, prefix: str = "") -> tuple[str, bytes]:
    moment = START + timedelta(seconds=index)
    document = {"phenomenonTime": moment.isoformat().replace("+00:00", "Z"), "result": index}
    return f"{prefix}v1.1/Datastreams({stream})/Observations", json.dumps(document).encode()


def publish(port: int, messages: list[tuple[str, bytes]]) -> int:
    """Publish with QoS 1; the number of messages the broker acknowledged."""
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.max_inflight_messages_set(1000)
    window = threading.BoundedSemaphore(10_000)  # 16-bit packet ids: stay well below
    acknowledged = 0

    def on_publish(*_args) -> None:
        nonlocal acknowledged
        acknowledged += 1
        window.release()

    client.on_publish = on_publish
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        for topic, payload in messages:
            if not window.acquire(timeout=120):
                raise RuntimeError("the broker stopped acknowledging")
            client.publish(topic, payload, qos=1)
        deadline = time.monotonic() + 120
        while acknowledged < len(messages) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        client.disconnect()
        client.loop_stop()
    return acknowledged


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def subscribe_session(bridge: BridgeProcess, port: int, probe: tuple[str, bytes], count) -> None:
    """Start the bridge and wait until its persistent session exists (a probe was stored)."""
    bridge.start()
    deadline = time.monotonic() + 60
    while not count():
        if time.monotonic() > deadline or bridge.process.poll() is not None:
            raise RuntimeError(f"the bridge stored nothing:\n{bridge.output()}")
        publish(port, [probe])
        wait_until(count, 1)


@dataclass
class Result:
    published: int
    stored: int
    duplicates: int

    @property
    def ok(self) -> bool:
        return self.published == self.stored and self.duplicates == 0


def kill_run(
    broker: Mosquitto,
    bridge: BridgeProcess,
    stream: int,
    total: int,
    kills: int,
    stored: Callable[[], tuple[int, int]],
) -> Result:
    """Publish `total` observations while the bridge is killed (-9) `kills` times mid-stream
    and restarted; `stored()` answers (rows, distinct phenomenon times) of the stream."""
    messages = [observation(stream, index) for index in range(total)]
    published: list[int] = []
    sender = threading.Thread(target=lambda: published.append(publish(broker.port, messages)))
    sender.start()
    for kill in range(1, kills + 1):
        wait_until(lambda k=kill: stored()[0] >= total * k // (kills + 1), 120)
        kill_after_commit(bridge, lambda: stored()[0])
        bridge.start()
    sender.join()
    settle(stored, total)
    rows, distinct = stored()
    return Result(published[0] if published else 0, rows, rows - distinct)


def kill_after_commit(bridge: BridgeProcess, rows: Callable[[], int]) -> None:
    """Kill the bridge as soon as a batch is committed, before its acknowledgements are out."""
    before = rows()
    deadline = time.monotonic() + 30
    while rows() == before and time.monotonic() < deadline:
        pass
    bridge.kill()


def settle(stored: Callable[[], tuple[int, int]], total: int, quiet: float = 3.0) -> None:
    """Wait until `total` rows are there and nothing more arrives for `quiet` seconds."""
    wait_until(lambda: stored()[0] >= total, 120)
    last, since = stored()[0], time.monotonic()
    while time.monotonic() - since < quiet:
        time.sleep(0.2)
        now = stored()[0]
        if now != last:
            last, since = now, time.monotonic()


def restart_run(
    broker: Mosquitto,
    bridge: BridgeProcess,
    stream: int,
    total: int,
    stored: Callable[[], tuple[int, int]],
    first: int = 0,
) -> Result:
    """Publish half of `total`, stop and restart the broker while the bridge runs, publish
    the rest; the bridge must store all of them."""
    half = total // 2
    messages = [observation(stream, first + index) for index in range(total)]
    published = publish(broker.port, messages[:half])
    broker.stop()
    time.sleep(2)
    broker.start()
    published += publish(broker.port, messages[half:])
    settle(stored, total)
    rows, distinct = stored()
    return Result(published, rows, rows - distinct)


def outage_lines(output: str) -> tuple[int, int]:
    """(lines saying the connection was lost, lines saying it is back) in a bridge's log."""
    lines = output.splitlines()
    return (
        sum("lost the connection" in line for line in lines),
        sum("connected again" in line for line in lines),
    )


def wait_for_log(bridge: BridgeProcess, text: str, timeout: float = 30) -> None:
    if not wait_until(lambda: text in bridge.output(), timeout):
        raise RuntimeError(f"the bridge did not log {text!r}:\n{bridge.output()}")


def final_counts(output: str) -> dict[str, int]:
    """The counts of the last progress line of `gemeinsam mqtt` (stored, refused, duplicates)."""
    line = [line for line in output.splitlines() if ": stored " in line][-1]
    found = re.findall(r"(stored|refused|duplicates) (\d+)", line)
    return {name: int(value) for name, value in found}
