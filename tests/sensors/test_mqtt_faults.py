"""The MQTT bridge under faults: killed with -9 mid-stream, broker restarted, two demos on one
broker. Each test runs its own Mosquitto and the bridge as `gemeinsam mqtt` processes."""

import os
import signal
import time

import pytest
from django.db import connection, transaction

from gemeinsam.demo import mqtt_namespace
from gemeinsam.sensors import models as m
from gemeinsam.sensors.mqtt import publish as mqtt
from gemeinsam.sensors.mqtt.bridge import Bridge
from gemeinsam.sensors.sta.entities import BY_NAME

from .mqtt_faults import (
    BridgeProcess,
    Mosquitto,
    Result,
    final_counts,
    kill_run,
    observation,
    outage_lines,
    publish,
    restart_run,
    subscribe_session,
    wait_for_log,
)
from .test_mqtt import Listener, datastream, wait_until

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


@pytest.mark.django_db(transaction=True)
def test_two_demos_on_one_broker_keep_their_connections_and_their_messages(
    broker, bridge_processes, tmp_path
):
    demos = []
    for name in ("one", "two"):
        namespace = mqtt_namespace(tmp_path / name)
        env = bridge_env(broker, GEMEINSAM_DATA_DIR=str(tmp_path / name), **namespace)
        bridge = bridge_processes(env, tmp_path / f"{name}.log")
        bridge.start()
        demos.append((bridge, namespace["STA_MQTT_TOPIC_PREFIX"] + "/", datastream(name)))
    assert demos[0][1] != demos[1][1]
    for bridge, _prefix, _stream in demos:
        wait_for_log(bridge, "subscribed to")
    time.sleep(5)  # a shared client id took the session over every second
    publish(broker.port, [observation(demos[0][2].pk, i, demos[0][1]) for i in range(300)])
    publish(broker.port, [observation(demos[1][2].pk, i, demos[1][1]) for i in range(200)])
    publish(broker.port, [observation(demos[0][2].pk, i) for i in range(300, 310)])  # no prefix
    rows = [m.Observation.objects.filter(datastream=stream) for _b, _p, stream in demos]
    assert wait_until(lambda: [r.count() for r in rows] == [300, 200], 30)
    outputs = []
    for bridge, _prefix, _stream in demos:
        assert bridge.stop() == 0
        outputs.append(bridge.output())
    assert [outage_lines(output) for output in outputs] == [(0, 0), (0, 0)]
    assert [output.count("MQTT bridge connected") for output in outputs] == [1, 1]
    assert [final_counts(output) for output in outputs] == [
        {"stored": 300, "refused": 0, "duplicates": 0},
        {"stored": 200, "refused": 0, "duplicates": 0},
    ]


@pytest.mark.django_db(transaction=True)
def test_a_broker_restart_is_logged_once_and_loses_nothing(broker, bridge_processes, tmp_path):
    stream = datastream()
    bridge = bridge_processes(bridge_env(broker), tmp_path / "bridge.log")
    bridge.start()
    wait_for_log(bridge, "subscribed to")
    result = restart_run(broker, bridge, stream.pk, 4000, stored=counts(stream))
    assert bridge.stop() == 0
    assert result == Result(published=4000, stored=4000, duplicates=0)
    assert outage_lines(bridge.output()) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_bridges_sharing_a_client_id_back_off_and_say_why(broker, settings, caplog):
    settings.MQTT_BROKER_URL = broker.url
    first, second = Bridge(client_id="shared"), Bridge(client_id="shared")
    try:
        first.start()
        assert first.connected.wait(5)
        second.start()
        time.sleep(8)
    finally:
        second.stop()
        first.stop()
    lost = [r for r in caplog.records if "lost the connection" in r.getMessage()]
    # Retried every second, the two took the session over from each other eight times each.
    assert 1 <= len(lost) <= 6
    assert "if another client connects as shared, give each bridge its own" in lost[0].getMessage()


@pytest.mark.django_db(transaction=True)
def test_a_topic_prefix_moves_the_notifications_into_its_namespace(broker, settings):
    settings.MQTT_BROKER_URL = broker.url
    settings.STA_MQTT_TOPIC_PREFIX = "demo-1/"
    mqtt.PUBLISHER.use_client(None)
    listener = Listener(broker, "#")
    try:
        with transaction.atomic():
            thing = m.Thing.objects.create(name="Kiezbox 9", description="Wedding")
            mqtt.publish_on_commit(BY_NAME["Thing"], [thing])
        assert [topic for topic, _ in listener.wait_for(1)] == ["demo-1/v1.1/Things"]
    finally:
        listener.close()
        mqtt.PUBLISHER.flush()
        mqtt.PUBLISHER.use_client(None)
