"""The MQTT bridge under faults: killed with -9 mid-stream, broker restarted, two demos on one
broker. Each test runs its own Mosquitto and the bridge as `gemeinsam mqtt` processes."""

import os
import signal
import time

import pytest
from django.db import connection

from gemeinsam.sensors import models as m

from .mqtt_faults import BridgeProcess, Mosquitto, Result, kill_run, observation, subscribe_session
from .test_mqtt import datastream

TOTAL = 20_000


def database_url() -> str:
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    return (
        f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST']}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


def bridge_env(broker: Mosquitto, **extra: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "MQTT_BROKER_URL": broker.url,
        "MQTT_BRIDGE_CLIENT_ID": f"fault-bridge-{broker.port}",
        "STA_MQTT_PUBLISH": "true",
        **extra,
    }


def counts(stream: m.Datastream):
    rows = m.Observation.objects.filter(datastream=stream)
    return lambda: (rows.count(), rows.values("phenomenon_time_start").distinct().count())


@pytest.fixture
def broker(tmp_path):
    broker = Mosquitto(tmp_path)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def bridge_processes():
    running: list[BridgeProcess] = []

    def make(*args, **kwargs) -> BridgeProcess:
        bridge = BridgeProcess(*args, **kwargs)
        running.append(bridge)
        return bridge

    yield make
    for bridge in running:
        if bridge.process is not None and bridge.process.poll() is None:
            bridge.process.send_signal(signal.SIGKILL)
            bridge.process.wait(10)


@pytest.mark.django_db(transaction=True)
def test_a_bridge_killed_twice_mid_stream_stores_every_observation_once(
    broker, bridge_processes, tmp_path
):
    stream, probe = datastream(), datastream("Probe")
    bridge = bridge_processes(bridge_env(broker), tmp_path / "bridge.log")
    probe_stored = counts(probe)
    subscribe_session(bridge, broker.port, observation(probe.pk, 0), lambda: probe_stored()[0])
    started = time.monotonic()
    result = kill_run(broker, bridge, stream.pk, TOTAL, kills=2, stored=counts(stream))
    assert bridge.stop() == 0
    print(f"{result} in {time.monotonic() - started:.1f} s")
    assert result == Result(published=TOTAL, stored=TOTAL, duplicates=0)
