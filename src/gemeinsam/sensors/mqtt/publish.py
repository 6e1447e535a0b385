"""Publication of created and updated entities on the SensorThings MQTT topics.

OGC 18-088 section 14.2 (MQTT Receive): a client that subscribes to `v1.1/Observations`,
`v1.1/Datastreams(1)/Observations`, `v1.1/Things(1)` or `v1.1/Things(1)/name` gets the
entities created (and, on the entity and property topics, updated) through any interface.

The write services call `publish_on_commit` inside their transaction. It costs one
`on_commit` per batch: after the commit the batch goes into a bounded queue, and one
background thread per process serializes and publishes it, so an HTTP request never waits
for the broker and a broker that is down only costs a log line. Notifications go out with
QoS 0: they describe what is already committed and readable over HTTP, so a subscriber
that misses one loses nothing it cannot fetch, and QoS 0 keeps a burst of 20,000
observations per second from filling the broker with per-client acknowledgement state.

`$select` topics (`v1.1/Things?$select=name`): the broker does not tell a publisher what
others subscribed to, so they are served when listed in STA_MQTT_SELECT_TOPICS, and, with
STA_MQTT_LEARN_SELECT_TOPICS on, when this process saw the subscription in Mosquitto's log
(`log_type subscribe` and `log_dest topic` in mosquitto.conf publish every subscription on
`$SYS/broker/log/M/subscribe`). A subscription made before the process connected is not in
that log, hence the list.

STA_MQTT_TOPIC_PREFIX puts every topic, published and subscribed, under a namespace of its
own (`gemeinsam-demo-1a2b/v1.1/Observations`), so that two demos can share one broker.
"""

import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as paho
from django.conf import settings
from django.db import transaction

from ..sta import serialize
from ..sta.entities import BY_NAME, EntityType

log = logging.getLogger(__name__)

VERSION = "v1.1"
QUEUE_BATCHES = 1024  # bounded: past this many pending batches new ones are dropped


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool


def broker() -> Broker:
    """The broker of settings.MQTT_BROKER_URL: mqtt://[user:password@]host[:port] (mqtts: TLS)."""
    url = urlsplit(settings.MQTT_BROKER_URL)
    tls = url.scheme in {"mqtts", "ssl"}
    return Broker(
        host=url.hostname or "127.0.0.1",
        port=url.port or (8883 if tls else 1883),
        username=unquote(url.username) if url.username else None,
        password=unquote(url.password) if url.password else None,
        tls=tls,
    )


def topic_prefix() -> str:
    """STA_MQTT_TOPIC_PREFIX as a topic level ending in "/", or "" (the standard topics)."""
    prefix = getattr(settings, "STA_MQTT_TOPIC_PREFIX", "").strip("/")
    return f"{prefix}/" if prefix else ""


def make_client(client_id: str, **kwargs) -> paho.Client:
    """A paho client (MQTT 5) for the configured broker, not yet connected."""
    client = paho.Client(
        paho.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=paho.MQTTv5,
        **kwargs,
    )
    b = broker()
    if b.username:
        client.username_pw_set(b.username, b.password)
    if b.tls:
        client.tls_set()
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    return client


# --- which topics an entity goes to ----------------------------------------------------------


def _inverse_navs(et: EntityType) -> list[tuple[str, str, str]]:
    """(attribute holding the target id, target set name, collection name) per to-one link.

    An Observation of Datastream 1 belongs to `Datastreams(1)/Observations`: the to-one
    navigation Observation.Datastream is the inverse of the collection Datastream.Observations.
    """
    result = []
    for nav in et.navs:
        if nav.many:
            continue
        target = BY_NAME[nav.target]
        for back in target.navs:
            if back.many and back.target == et.name:
                result.append((nav.accessor + "_id", target.set_name, back.name))
    return result


_INVERSE = {}


def topics_created(et: EntityType, obj) -> list[str]:
    """The topics a newly created entity is published on: its entity set and the
    collections it joins. Its own topic (`v1.1/Observations(9)`) announces changes only
    (18-088 section 14.2.2): no one can have subscribed to an id not yet made, and at
    20,000 observations a second the extra message would cost a quarter of the publishing."""
    if et.name not in _INVERSE:
        _INVERSE[et.name] = _inverse_navs(et)
    topics = [f"{VERSION}/{et.set_name}"]
    for attr, set_name, collection in _INVERSE[et.name]:
        target_id = getattr(obj, attr, None)
        if target_id is not None:
            topics.append(f"{VERSION}/{set_name}({target_id})/{collection}")
    return topics


SUBSCRIBE_LOG = "$SYS/broker/log/M/subscribe"
MAX_LEARNED = 1000
_learned_select_topics: set[str] = set()


def learn_subscription(log_line: bytes) -> None:
    """Remember a `$select` topic from Mosquitto's log line `<time>: <client> <qos> <topic>`."""
    parts = log_line.decode(errors="replace").split(" ", 3)
    prefix = topic_prefix()
    if len(parts) < 4 or not parts[3].startswith(prefix):
        return
    topic = parts[3].removeprefix(prefix)
    if (
        topic.startswith(f"{VERSION}/")
        and "?$select=" in topic
        and len(_learned_select_topics) < MAX_LEARNED
    ):
        _learned_select_topics.add(topic)


def learned_select_topics() -> frozenset[str]:
    """The `$select` topics learned from the broker's log so far."""
    return frozenset(_learned_select_topics)


def forget_learned_select_topics() -> None:
    _learned_select_topics.clear()


def learns_select_topics() -> bool:
    return getattr(settings, "STA_MQTT_LEARN_SELECT_TOPICS", False)


def select_topics(et: EntityType) -> dict[str, frozenset[str]]:
    """The `$select` topics served for an entity set: topic -> selected property names."""
    result = {}
    prefix = f"{VERSION}/{et.set_name}?$select="
    topics = [*getattr(settings, "STA_MQTT_SELECT_TOPICS", ()), *_learned_select_topics]
    for topic in topics:
        if topic.startswith(prefix):
            names = [n.strip() for n in topic[len(prefix) :].split(",") if n.strip()]
            if names:
                result[topic] = frozenset(names)
    return result


# --- the publisher ---------------------------------------------------------------------------


@dataclass
class _Batch:
    et: EntityType
    objs: list
    changed: frozenset[str] | None  # None: created


class Publisher:
    """One connection per process that publishes queued batches from a background thread."""

    def __init__(self) -> None:
        self._queue: queue.Queue[_Batch] = queue.Queue(maxsize=QUEUE_BATCHES)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._client: paho.Client | None = None
        self._own_client = True
        self.published = 0  # messages handed to the broker connection
        self.dropped = 0  # entities not published: broker down or queue full
        self._last_warning = 0.0
        self._connecting_until = 0.0

    # The bridge lends its own connection, so that MQTT 5 no-local keeps the notifications
    # of the observations it stores from coming back to it.
    def use_client(self, client: paho.Client | None) -> None:
        with self._lock:
            if self._client is not None and self._own_client:
                self._client.loop_stop()
                self._client.disconnect()
            self._client = client
            self._own_client = client is None
            self._connecting_until = time.monotonic() + 3.0

    def submit(self, batch: _Batch) -> None:
        self._ensure_thread()
        try:
            self._queue.put_nowait(batch)
        except queue.Full:
            self._drop(len(batch.objs), "queue full")

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until the queued batches are handed to the connection (for tests and shutdown)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.005)
        return not self._queue.unfinished_tasks

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="sta-mqtt-publish", daemon=True
                )
                self._thread.start()

    def connection(self) -> paho.Client:
        """The broker connection, made on first use; it reconnects by itself."""
        with self._lock:
            if self._client is None:
                client = make_client(f"gemeinsam-pub-{uuid.uuid4().hex[:12]}")
                if learns_select_topics():
                    client.on_connect = lambda c, *args: c.subscribe(SUBSCRIBE_LOG)
                    client.on_message = lambda c, u, message: learn_subscription(message.payload)
                b = broker()
                client.connect_async(b.host, b.port, keepalive=30)
                client.loop_start()  # connects, and reconnects after a broker restart
                self._connecting_until = time.monotonic() + 3.0
                self._client = client
                self._own_client = True
            return self._client

    def _drop(self, count: int, reason: str) -> None:
        self.dropped += count
        now = time.monotonic()
        if now - self._last_warning > 60:
            self._last_warning = now
            log.warning("MQTT notifications dropped (%s); %d so far", reason, self.dropped)

    def _run(self) -> None:
        while True:
            batch = self._queue.get()
            try:
                self._publish(batch)
            except Exception:
                log.exception("MQTT publication of %s failed", batch.et.set_name)
            finally:
                self._queue.task_done()

    def _publish(self, batch: _Batch) -> None:
        client = self.connection()
        # A connection that is just being made gets a moment; a broker that is down does not.
        while not client.is_connected() and time.monotonic() < self._connecting_until:
            time.sleep(0.01)
        if not client.is_connected():
            self._drop(len(batch.objs), "broker not connected")
            return
        et, base, prefix = batch.et, serialize.sta_base(), topic_prefix()
        selects = select_topics(et) if batch.changed is None else {}
        outbox: list[tuple[str, bytes]] = []
        for obj in batch.objs:
            data = serialize.entity_json(et, obj, base=base)
            payload = serialize.dumps(data)
            if batch.changed is None:
                messages = [(prefix + topic, payload) for topic in topics_created(et, obj)]
                for topic, names in selects.items():
                    selected = serialize.entity_json(et, obj, base=base, select=names)
                    messages.append((prefix + topic, serialize.dumps(selected)))
            else:
                own = f"{prefix}{VERSION}/{et.set_name}({obj.pk})"
                messages = [(own, payload)]
                for name in sorted(batch.changed):
                    if name in data:
                        value = serialize.dumps({name: data[name]})
                        messages.append((f"{own}/{name}", value))
            outbox.extend(messages)
            if len(outbox) >= 512:
                self._send(client, outbox)
                outbox = []
        self._send(client, outbox)

    def _send(self, client: paho.Client, messages: list[tuple[str, bytes]]) -> None:
        if hasattr(client, "_packet_queue"):
            send_qos0(client, messages)
        else:  # a paho without the internal queue: one publish() per message
            for topic, body in messages:
                client.publish(topic, body, qos=0)
        self.published += len(messages)


def _remaining_length(length: int) -> bytes:
    encoded = bytearray()
    while True:
        length, digit = length >> 7, length & 0x7F
        encoded.append(digit | 0x80 if length else digit)
        if not length:
            return bytes(encoded)


def send_qos0(client: paho.Client, messages: list[tuple[str, bytes]]) -> None:
    """Queue QoS 0 PUBLISH packets (MQTT 5, no properties) in 64 KB writes.

    paho's publish() costs about 25 µs a message, mostly waking its network thread once per
    packet; a batch of observations goes to four topics each, so the packets are built here
    (MQTT 5.0 section 3.3) and handed to paho's outgoing queue together.
    """
    parts: list[bytes] = []
    size = 0
    for topic, body in messages:
        name = topic.encode()
        length = len(name) + 3 + len(body)  # topic length, topic, no properties, payload
        header = b"\x30" + (_remaining_length(length) if length > 127 else bytes((length,)))
        parts += (header, len(name).to_bytes(2, "big"), name, b"\x00", body)
        size += length + len(header)
        if size >= 65536:
            _queue_packet(client, b"".join(parts))
            parts, size = [], 0
    if parts:
        _queue_packet(client, b"".join(parts))


def _queue_packet(client: paho.Client, packet: bytes) -> None:
    info = paho.MQTTMessageInfo(0)
    # A memoryview: paho slices the rest of a packet after each partial send, which copies
    # a bytes object every time but not a view.
    client._packet_queue(paho.PUBLISH, memoryview(packet), 0, 0, info)


PUBLISHER = Publisher()


def publish_on_commit(et: EntityType, objs: list, *, changed: set[str] | None = None) -> None:
    """Publish created (changed=None) or updated entities once the transaction commits.

    `changed` holds the JSON names of the properties an update changed; each goes to its
    property topic `v1.1/Things(1)/name`. Call once per batch, inside the transaction.
    """
    if not objs or not settings.STA_MQTT_PUBLISH:
        return
    batch = _Batch(et, list(objs), None if changed is None else frozenset(changed))
    transaction.on_commit(lambda: PUBLISHER.submit(batch))
