"""The SensorThings MQTT extension against a real Mosquitto (OGC 18-088 section 14.2).

Each test runs its own broker from the `mosquitto` binary on a free port, so tests do not see
each other's messages on the fixed SensorThings topics and can restart the broker.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from django.db import transaction

from gemeinsam.sensors import models as m
from gemeinsam.sensors.mqtt import bridge as mqtt_bridge
from gemeinsam.sensors.mqtt import publish as mqtt
from gemeinsam.sensors.mqtt.bridge import BadMessage, Bridge, Notification, observation_document
from gemeinsam.sensors.sta import serialize
from gemeinsam.sensors.sta.entities import BY_NAME

OBSERVATION = BY_NAME["Observation"]
THING = BY_NAME["Thing"]


def mosquitto_binary() -> str:
    path = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not os.path.exists(path):
        pytest.fail("the mosquitto binary is needed (Debian/Ubuntu package: mosquitto)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """A Mosquitto of its own on a free port, with persistence so it can be restarted."""

    def __init__(self, directory, extra: str = "") -> None:
        self.port = free_port()
        self.directory = directory
        self.config = directory / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            + ("user root\n" if os.geteuid() == 0 else "")
            + "persistence true\n"
            f"persistence_location {directory}/\n"
            "max_queued_messages 100000\n"
            f"log_dest file {directory}/mosquitto.log\n" + extra
        )
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen([mosquitto_binary(), "-c", str(self.config)])
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
            self.process.send_signal(signal.SIGTERM)  # saves the sessions to its database
            self.process.wait(10)
            self.process = None


@pytest.fixture
def broker(tmp_path, settings):
    broker = Broker(tmp_path)
    broker.start()
    settings.MQTT_BROKER_URL = broker.url
    settings.STA_MQTT_PUBLISH = True
    settings.SITE_URL = "http://sta.test"
    mqtt.PUBLISHER.use_client(None)  # connect the publisher to this broker
    yield broker
    mqtt.PUBLISHER.flush()
    mqtt.PUBLISHER.use_client(None)
    broker.stop()


class Listener:
    """A subscriber that collects what arrives."""

    def __init__(self, broker: Broker, *topics: str, qos: int = 0) -> None:
        self.messages: list[tuple[str, dict]] = []
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
        subscribed = threading.Event()
        self.client.on_message = lambda c, u, msg: self.messages.append(
            (msg.topic, json.loads(msg.payload))
        )
        self.client.on_subscribe = lambda *args: subscribed.set()
        self.client.on_connect = lambda c, *args: c.subscribe([(t, qos) for t in topics])
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        assert subscribed.wait(5)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[tuple[str, dict]]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.messages

    def topics(self) -> set[str]:
        return {topic for topic, _ in self.messages}

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class Device:
    """A sensor that publishes with QoS 1 and waits for the broker's acknowledgement."""

    def __init__(self, broker: Broker) -> None:
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()

    def send(self, topic: str, body, qos: int = 1) -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body)
        self.client.publish(topic, payload, qos=qos).wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def listen(broker):
    listeners = []

    def make(*topics: str) -> Listener:
        listener = Listener(broker, *topics)
        listeners.append(listener)
        return listener

    yield make
    for listener in listeners:
        listener.close()


@pytest.fixture
def device(broker):
    device = Device(broker)
    yield device
    device.close()


@pytest.fixture
def bridges(broker):
    running: list[Bridge] = []

    def make(**options) -> Bridge:
        bridge = Bridge(client_id=f"test-bridge-{broker.port}", **options)
        bridge.start()
        assert bridge.connected.wait(5)
        running.append(bridge)
        return bridge

    yield make
    for bridge in running:
        bridge.stop()


def datastream(name: str = "Temperature") -> m.Datastream:
    thing = m.Thing.objects.create(name="Kiezbox 7", description="Moabit")
    thing.locations.add(
        m.Location.objects.create(
            name="Moabit",
            description="",
            encoding_type="application/geo+json",
            location={"type": "Point", "coordinates": [13.34, 52.53]},
        )
    )
    return m.Datastream.objects.create(
        name=name,
        description="air temperature",
        observation_type="http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        unit_of_measurement={"name": "degree Celsius", "symbol": "°C"},
        thing=thing,
        sensor=m.Sensor.objects.create(
            name="DHT22", description="", encoding_type="text/html", metadata="https://x"
        ),
        observed_property=m.ObservedProperty.objects.create(
            name="Temperature", definition="https://qudt.org/vocab/quantitykind/Temperature"
        ),
    )


def feature() -> m.FeatureOfInterest:
    return m.FeatureOfInterest.objects.create(
        name="Kiezbox 7",
        description="",
        encoding_type="application/geo+json",
        feature={"type": "Point", "coordinates": [13.34, 52.53]},
    )


def wait_until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


# --- the topics and messages, without a broker ------------------------------------------------


def test_observation_topic_links_the_datastream_of_the_topic():
    body = json.dumps({"result": 21.5, "phenomenonTime": "2024-05-01T10:00:00Z"}).encode()
    document = observation_document("v1.1/Datastreams(12)/Observations", body)
    assert document["Datastream"] == {"@iot.id": 12}
    document = observation_document("v1.1/FeaturesOfInterest(3)/Observations", body)
    assert document["FeatureOfInterest"] == {"@iot.id": 3}
    document = observation_document("v1.1/MultiDatastreams(4)/Observations", b'{"result":[1,2]}')
    assert document["MultiDatastream"] == {"@iot.id": 4}


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("v1.1/Datastreams(1)/Observations", b"{not json", "invalid JSON"),
        ("v1.1/Datastreams(1)/Observations", b"[1, 2]", "not a JSON object"),
        ("v1.1/Observations", b'{"result": 1}', "must link its Datastream"),
        ("v1.1/Things(1)/Observations", b'{"result": 1}', "not an Observations topic"),
        ("v1.1/Datastreams(x)/Observations", b'{"result": 1}', "not an Observations topic"),
    ],
)
def test_bad_messages_say_why(topic, payload, reason):
    with pytest.raises(BadMessage, match=reason):
        observation_document(topic, payload)


def test_published_entities_are_notifications_not_creations():
    body = json.dumps({"@iot.id": 5, "result": 1}).encode()
    with pytest.raises(Notification):
        observation_document("v1.1/Datastreams(1)/Observations", body)


def test_created_topics_follow_the_to_one_links():
    obs = m.Observation(id=9, datastream_id=1, feature_of_interest_id=3)
    assert mqtt.topics_created(OBSERVATION, obs) == [
        "v1.1/Observations",
        "v1.1/Datastreams(1)/Observations",
        "v1.1/FeaturesOfInterest(3)/Observations",
    ]
    ds = m.Datastream(id=2, thing_id=1, sensor_id=4, observed_property_id=5)
    assert mqtt.topics_created(BY_NAME["Datastream"], ds) == [
        "v1.1/Datastreams",
        "v1.1/Things(1)/Datastreams",
        "v1.1/Sensors(4)/Datastreams",
        "v1.1/ObservedProperties(5)/Datastreams",
    ]


# --- publishing -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_created_observation_is_published_on_its_topics(listen):
    listener = listen("v1.1/#")
    ds, foi = datastream(), feature()
    with transaction.atomic():
        obs = m.Observation(
            datastream=ds, feature_of_interest=foi, phenomenon_time_start=datetime.now(UTC)
        )
        obs.result = 21.5
        obs.save()
        mqtt.publish_on_commit(OBSERVATION, [obs])
        time.sleep(0.2)
        assert listener.messages == []  # nothing before the commit
    messages = listener.wait_for(3)
    assert {topic for topic, _ in messages} == {
        "v1.1/Observations",
        f"v1.1/Datastreams({ds.pk})/Observations",
        f"v1.1/FeaturesOfInterest({foi.pk})/Observations",
    }
    expected = serialize.entity_json(OBSERVATION, obs, base="http://sta.test/sta/v1.1")
    assert all(body == expected for _, body in messages)
    assert expected["result"] == 21.5
    assert expected["@iot.selfLink"] == f"http://sta.test/sta/v1.1/Observations({obs.pk})"


@pytest.mark.django_db(transaction=True)
def test_update_publishes_the_entity_and_its_changed_properties(listen):
    thing = m.Thing.objects.create(name="Kiezbox 7", description="Moabit")
    listener = listen(f"v1.1/Things({thing.pk})", f"v1.1/Things({thing.pk})/name")
    with transaction.atomic():
        thing.name = "Kiezbox 7a"
        thing.save()
        mqtt.publish_on_commit(THING, [thing], changed={"name"})
    messages = dict(listener.wait_for(2))
    assert messages[f"v1.1/Things({thing.pk})/name"] == {"name": "Kiezbox 7a"}
    assert messages[f"v1.1/Things({thing.pk})"]["name"] == "Kiezbox 7a"
    assert messages[f"v1.1/Things({thing.pk})"]["@iot.id"] == thing.pk


@pytest.mark.django_db(transaction=True)
def test_removing_a_link_by_ref_publishes_both_entities(listen, sta_client):
    thing = datastream().thing
    location = thing.locations.get()
    listener = listen(f"v1.1/Things({thing.pk})", f"v1.1/Locations({location.pk})")
    path = f"/sta/v1.1/Things({thing.pk})/Locations({location.pk})/$ref"
    assert sta_client.delete(path).status_code == 200
    assert not thing.locations.exists()
    messages = dict(listener.wait_for(2))
    assert messages[f"v1.1/Things({thing.pk})"]["@iot.id"] == thing.pk
    assert messages[f"v1.1/Locations({location.pk})"]["@iot.id"] == location.pk


@pytest.mark.django_db(transaction=True)
def test_rolled_back_or_switched_off_writes_publish_nothing(listen, settings):
    listener = listen("v1.1/#")
    with pytest.raises(RuntimeError), transaction.atomic():
        thing = m.Thing.objects.create(name="gone", description="")
        mqtt.publish_on_commit(THING, [thing])
        raise RuntimeError
    settings.STA_MQTT_PUBLISH = False
    with transaction.atomic():
        thing = m.Thing.objects.create(name="quiet", description="")
        mqtt.publish_on_commit(THING, [thing])
    settings.STA_MQTT_PUBLISH = True
    with transaction.atomic():
        thing = m.Thing.objects.create(name="heard", description="")
        mqtt.publish_on_commit(THING, [thing])
    messages = listener.wait_for(2)
    time.sleep(0.2)
    assert {body["name"] for _, body in messages} == {"heard"}


@pytest.mark.django_db(transaction=True)
def test_select_topics_are_served_when_configured(listen, settings):
    settings.STA_MQTT_SELECT_TOPICS = ["v1.1/Things?$select=name,id"]
    listener = listen("v1.1/Things?$select=name,id")
    with transaction.atomic():
        thing = m.Thing.objects.create(name="Kiezbox 9", description="Wedding")
        mqtt.publish_on_commit(THING, [thing])
    assert listener.wait_for(1) == [
        ("v1.1/Things?$select=name,id", {"@iot.id": thing.pk, "name": "Kiezbox 9"})
    ]


@pytest.mark.django_db(transaction=True)
def test_select_topics_are_learned_from_the_broker_log(tmp_path, settings):
    logging_broker = Broker(tmp_path, "log_type subscribe\nlog_dest topic\n")
    logging_broker.start()
    settings.MQTT_BROKER_URL = logging_broker.url
    settings.STA_MQTT_LEARN_SELECT_TOPICS = True
    mqtt.PUBLISHER.use_client(None)
    listener = None
    try:
        assert wait_until(lambda: mqtt.PUBLISHER.connection().is_connected())
        time.sleep(0.2)  # its subscription to the log is through
        listener = Listener(logging_broker, "v1.1/Things?$select=description")
        assert wait_until(lambda: mqtt.learned_select_topics())
        with transaction.atomic():
            thing = m.Thing.objects.create(name="Kiezbox 9", description="Wedding")
            mqtt.publish_on_commit(THING, [thing])
        assert listener.wait_for(1) == [
            ("v1.1/Things?$select=description", {"description": "Wedding"})
        ]
    finally:
        if listener:
            listener.close()
        mqtt.forget_learned_select_topics()
        mqtt.PUBLISHER.flush()
        mqtt.PUBLISHER.use_client(None)
        logging_broker.stop()


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_neither_fails_nor_slows_the_write(settings):
    settings.MQTT_BROKER_URL = f"mqtt://127.0.0.1:{free_port()}"
    mqtt.PUBLISHER.use_client(None)
    dropped = mqtt.PUBLISHER.dropped
    try:
        started = time.monotonic()
        with transaction.atomic():
            thing = m.Thing.objects.create(name="offline", description="")
            mqtt.publish_on_commit(THING, [thing])
        assert time.monotonic() - started < 0.5
        assert m.Thing.objects.filter(name="offline").exists()
        assert wait_until(lambda: mqtt.PUBLISHER.dropped == dropped + 1)
    finally:
        mqtt.PUBLISHER.use_client(None)


# --- the bridge -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_round_trip_device_to_database_to_subscriber(bridges, device, listen, client):
    ds = datastream()
    listener = listen(f"v1.1/Datastreams({ds.pk})/Observations", "v1.1/Observations")
    bridge = bridges()
    device.send(
        f"v1.1/Datastreams({ds.pk})/Observations",
        {"result": 19.25, "phenomenonTime": "2024-05-01T10:00:00Z"},
    )
    assert wait_until(lambda: bridge.stored == 1)
    obs = m.Observation.objects.get(datastream=ds)
    assert obs.result == 19.25
    assert obs.phenomenon_time_start == datetime(2024, 5, 1, 10, tzinfo=UTC)
    # The device's own message arrives on its topic too; the created entity carries @iot.id.
    listener.wait_for(3)
    created = [(topic, body) for topic, body in listener.messages if "@iot.id" in body]
    assert {topic for topic, _ in created} == {
        f"v1.1/Datastreams({ds.pk})/Observations",
        "v1.1/Observations",
    }
    for _, body in created:
        assert body["@iot.id"] == obs.pk
        assert body["result"] == 19.25
    response = client.get(f"/sta/v1.1/Datastreams({ds.pk})/Observations")
    assert response.status_code == 200
    assert [o["result"] for o in response.json()["value"]] == [19.25]
    assert bridge.skipped == 0  # no-local: its own notifications did not come back


@pytest.mark.django_db(transaction=True)
def test_observations_on_every_topic_form_are_stored(bridges, device):
    ds, foi = datastream(), feature()
    bridge = bridges()
    time_ = "2024-05-01T10:00:00Z"
    device.send("v1.1/Observations", {"result": 1, "Datastream": {"@iot.id": ds.pk}})
    device.send(
        f"v1.1/FeaturesOfInterest({foi.pk})/Observations",
        {"result": 2, "phenomenonTime": time_, "Datastream": {"@iot.id": ds.pk}},
    )
    assert wait_until(lambda: bridge.stored == 2)
    assert sorted(m.Observation.objects.values_list("result_number", flat=True)) == [1, 2]
    assert m.Observation.objects.get(result_number=2).feature_of_interest_id == foi.pk


@pytest.mark.django_db(transaction=True)
def test_bad_messages_are_logged_acknowledged_and_reported(bridges, device, listen, settings):
    settings.STA_MQTT_ERROR_TOPIC = "gemeinsam/sta/errors"
    errors = listen("gemeinsam/sta/errors")
    ds = datastream()
    bridge = bridges()
    device.send(f"v1.1/Datastreams({ds.pk})/Observations", b"{broken")
    device.send("v1.1/Datastreams(999999)/Observations", {"result": 1})
    device.send(f"v1.1/Datastreams({ds.pk})/Observations", {"result": 3})
    assert wait_until(lambda: bridge.stored == 1 and bridge.refused == 2)
    assert [e["topic"] for _, e in errors.wait_for(2)] == [
        f"v1.1/Datastreams({ds.pk})/Observations",
        "v1.1/Datastreams(999999)/Observations",
    ]
    bridge.stop()
    # Acknowledged: a new connection of the same session gets nothing again.
    again = bridges()
    time.sleep(0.5)
    assert (again.stored, again.refused) == (0, 0)
    assert m.Observation.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_messages_published_while_the_bridge_is_down_are_stored_later(bridges, device):
    ds = datastream()
    bridges().stop()  # the session exists now
    for value in range(5):
        device.send(f"v1.1/Datastreams({ds.pk})/Observations", {"result": value})
    bridge = bridges()
    assert wait_until(lambda: bridge.stored == 5)
    assert sorted(m.Observation.objects.values_list("result_number", flat=True)) == [0, 1, 2, 3, 4]


class CrashBeforeCommit(Bridge):
    """A bridge whose process dies after receiving, before storing and acknowledging."""

    def _handle(self, batch):
        self.stored += len(batch)


@pytest.mark.django_db(transaction=True)
def test_a_message_not_acknowledged_is_delivered_again(broker, bridges, device):
    ds = datastream()
    crashing = CrashBeforeCommit(client_id=f"test-bridge-{broker.port}")
    crashing.start()
    assert crashing.connected.wait(5)
    device.send(f"v1.1/Datastreams({ds.pk})/Observations", {"result": 7})
    assert wait_until(lambda: crashing.stored == 1)
    crashing.client.socket().close()  # the connection drops without a DISCONNECT
    crashing.stop()
    assert m.Observation.objects.count() == 0
    bridge = bridges()
    assert wait_until(lambda: bridge.stored == 1)
    assert m.Observation.objects.get().result == 7


@pytest.mark.django_db(transaction=True)
def test_the_bridge_reconnects_after_a_broker_restart(broker, bridges, device):
    ds = datastream()
    bridge = bridges()
    device.close()
    broker.stop()
    assert wait_until(lambda: not bridge.connected.is_set())
    broker.start()
    assert bridge.connected.wait(15)
    again = Device(broker)
    try:
        again.send(f"v1.1/Datastreams({ds.pk})/Observations", {"result": 42})
        assert wait_until(lambda: bridge.stored == 1)
    finally:
        again.close()
    assert m.Observation.objects.get().result == 42


@pytest.mark.django_db(transaction=True)
def test_redelivered_duplicates_are_stored_once(bridges, device):
    """A DUP redelivery of a message already stored (its acknowledgement was lost)."""
    ds = datastream()
    bridge = bridges()
    message = mqtt_bridge.Incoming(
        f"v1.1/Datastreams({ds.pk})/Observations", b'{"result": 5}', 17, 1, False
    )
    bridge._handle([message])
    bridge._handle([mqtt_bridge.Incoming(**{**message.__dict__, "dup": True})])
    assert (bridge.stored, bridge.duplicates) == (1, 1)
    assert m.Observation.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_large_batch_arrives_whole_and_in_order(listen):
    listener = listen("v1.1/Observations")
    ds, foi = datastream(), feature()
    with transaction.atomic():
        observations = [
            m.Observation(
                datastream=ds,
                feature_of_interest=foi,
                phenomenon_time_start=datetime(2024, 1, 1, tzinfo=UTC),
                result_string="x" * value,  # sizes across the 64 KB writes
            )
            for value in range(500)
        ]
        m.Observation.objects.bulk_create(observations)
        mqtt.publish_on_commit(OBSERVATION, observations)
    messages = listener.wait_for(500)
    assert [body["result"] for _, body in messages] == ["x" * value for value in range(500)]
    assert [body["@iot.id"] for _, body in messages] == [o.pk for o in observations]


@pytest.mark.django_db(transaction=True)
def test_the_mqtt_command_stores_until_it_is_stopped(broker, device):
    from django.db import connection

    ds = datastream()
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{database['NAME']}"
    else:
        url = (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST']}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
    env = {**os.environ, "DATABASE_URL": url, "MQTT_BROKER_URL": broker.url}
    command = subprocess.Popen(
        [Path(sys.executable).parent / "gemeinsam", "mqtt", "--client-id", "cmd", "--stats", "0"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        # Until the command has subscribed, the broker has no session to keep messages for.
        while not m.Observation.objects.exists() and time.monotonic() < deadline:
            device.send(f"v1.1/Datastreams({ds.pk})/Observations", {"result": 8})
            time.sleep(0.5)
    finally:
        command.send_signal(signal.SIGTERM)
        output, _ = command.communicate(timeout=20)
    assert m.Observation.objects.filter(datastream=ds, result_number=8).exists()
    assert "stored" in output and command.returncode == 0


@pytest.mark.django_db(transaction=True)
def test_the_publisher_reconnects_after_a_broker_restart(broker):
    with transaction.atomic():
        mqtt.publish_on_commit(THING, [m.Thing.objects.create(name="before", description="")])
    assert mqtt.PUBLISHER.flush()
    broker.stop()
    broker.start()
    assert wait_until(lambda: mqtt.PUBLISHER.connection().is_connected(), timeout=20)
    listener = Listener(broker, "v1.1/Things")
    try:
        with transaction.atomic():
            mqtt.publish_on_commit(THING, [m.Thing.objects.create(name="after", description="")])
        assert [body["name"] for _, body in listener.wait_for(1)] == ["after"]
    finally:
        listener.close()
