"""The MQTT bridge: stores the observations that devices publish (OGC 18-088 section 14.2.2).

A device publishes an Observation to `v1.1/Datastreams(1)/Observations`,
`v1.1/MultiDatastreams(1)/Observations`, `v1.1/FeaturesOfInterest(1)/Observations` or
`v1.1/Observations` (the body then links its Datastream by `@iot.id`).

Delivery: the bridge subscribes with QoS 1 in a persistent session (its client id, clean
start off, a session expiry), so the broker keeps messages while the bridge is down; a lost
connection is retried with a growing wait and logged once. STA_MQTT_TOPIC_PREFIX moves
every topic under a namespace (the demo's own, beside other demos on one broker).
It acknowledges a message only after the transaction that stored it committed, and stores
messages in batches (up to `batch_size`, waiting at most `batch_wait` seconds for more): so
no message the broker delivered is lost (at least once). Each stored message leaves an
ingest key in the same transaction (ingest.py), and a message whose key is stored is
acknowledged without storing it again: a bridge killed between commit and acknowledgement
stores the redelivered messages once. A message that cannot be stored (not JSON, unknown
Datastream, invalid Observation) is logged with its topic and reason, optionally published
to STA_MQTT_ERROR_TOPIC, and acknowledged, so that it is not redelivered forever. Messages that
the API itself published (they carry `@iot.id`) are notifications and are skipped; the
bridge lends its connection to the publisher, so MQTT 5 no-local keeps its own
notifications from coming back to it at all.
"""

import json
import logging
import re
import struct
import threading
import time
from dataclasses import dataclass

import paho.mqtt.client as paho
from django.conf import settings
from django.db import (
    DatabaseError,
    IntegrityError,
    close_old_connections,
    connection,
    transaction,
)
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from .. import models as m
from .. import services
from ..sta.entities import BY_NAME
from ..sta.values import InvalidEntity
from . import ingest
from .ingest import Key
from .publish import (
    PUBLISHER,
    SUBSCRIBE_LOG,
    VERSION,
    broker,
    learn_subscription,
    learns_select_topics,
    make_client,
    topic_prefix,
)

log = logging.getLogger(__name__)

# `+` matches whole levels only, so the filters take every set and the topic is parsed here.
SUBSCRIPTIONS = (f"{VERSION}/Observations", f"{VERSION}/+/Observations")
TOPIC = re.compile(
    r"^v1\.1/(?:(?P<set>Datastreams|MultiDatastreams|FeaturesOfInterest)\((?P<id>\d+)\)/)?"
    r"Observations$"
)
LINK_OF_SET = {
    "Datastreams": "Datastream",
    "MultiDatastreams": "MultiDatastream",
    "FeaturesOfInterest": "FeatureOfInterest",
}
OBSERVATION = BY_NAME["Observation"]
RECONNECT_MIN, RECONNECT_MAX = 1, 60  # seconds; the wait doubles while connections fail
STABLE = 30  # seconds a connection must last before a lost one retries at once again
SESSION_EXPIRY = 7 * 24 * 3600  # the broker keeps the session a week while the bridge is down
DUPLICATE = "stored before"  # store()'s reason for a message whose ingest key is there
PRUNE_EVERY = 3600  # seconds between deletions of expired ingest keys


class BadMessage(Exception):
    """A message that can never be stored; the reason goes to the log."""


class Notification(Exception):
    """A message the API published about an entity it already has."""


@dataclass
class Incoming:
    topic: str
    payload: bytes
    mid: int
    qos: int
    dup: bool

    def ingest_key(self, document: dict) -> Key | None:
        return ingest.ingest_key(
            self.topic, self.payload, document, mid=self.mid, qos=self.qos, dup=self.dup
        )


def observation_document(topic: str, payload: bytes) -> dict:
    """The Observation to create from one message, with the topic's link set."""
    match = TOPIC.match(topic)
    if match is None:
        raise BadMessage("not an Observations topic")
    try:
        document = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as error:
        raise BadMessage(f"invalid JSON: {error}") from None
    if not isinstance(document, dict):
        raise BadMessage("the message is not a JSON object")
    if "@iot.id" in document or "@iot.selfLink" in document:
        raise Notification
    if match["set"]:
        document[LINK_OF_SET[match["set"]]] = {"@iot.id": int(match["id"])}
    elif "Datastream" not in document and "MultiDatastream" not in document:
        raise BadMessage("an Observation on v1.1/Observations must link its Datastream")
    return document


def store(documents: list[dict], keys: list[Key | None] | None = None) -> list[str | None]:
    """Store Observations in one transaction; per document None, DUPLICATE or the reason it
    was refused. `keys` are the documents' ingest keys, recorded with their rows.

    Observations that link their streams and features by id (the usual device message) are
    checked and inserted in bulk, as CreateObservations does; the rare one that creates its
    FeatureOfInterest inline goes through the deep insert. A database failure raises.
    """
    keys = keys or [None] * len(documents)
    ingest.forget([key.value for key in keys if key is not None and key.replaces])
    reasons: list[str | None] = [None] * len(documents)
    parsed: list[m.Observation | InvalidEntity | None] = []
    for document in documents:
        try:
            parsed.append(services.parse_observation(document))
        except InvalidEntity as error:
            parsed.append(error)
    with transaction.atomic():
        _claim(keys, reasons)
        bulk: list[tuple[int, m.Observation]] = []
        deep: list[int] = []
        for index, obs in enumerate(parsed):
            if reasons[index] is not None:
                continue
            if isinstance(obs, InvalidEntity):
                reasons[index] = obs.message
            elif obs is None:
                deep.append(index)
            else:
                bulk.append((index, obs))
        errors = services.record_observations_per_row([obs for _, obs in bulk])
        for (index, _obs), error in zip(bulk, errors, strict=True):
            reasons[index] = error
        for index in deep:
            try:
                with transaction.atomic():
                    services.create_entity(OBSERVATION, documents[index])
            except InvalidEntity as error:
                reasons[index] = error.message
        # A refused message leaves no key: sent again, it is checked again.
        pairs = zip(keys, reasons, strict=True)
        ingest.forget(
            [key.value for key, reason in pairs if key and reason not in (None, DUPLICATE)]
        )
    return reasons


def _claim(keys: list[Key | None], reasons: list[str | None]) -> None:
    """Record the keys; mark the messages whose key was stored already as DUPLICATE."""
    first: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key is None:
            continue
        if key.value in first:
            reasons[index] = DUPLICATE  # the same message twice in one batch
        else:
            first[key.value] = index
    claimed = ingest.claim(list(first))
    for value, index in first.items():
        if value not in claimed:
            reasons[index] = DUPLICATE


def send_acks(client: paho.Client, mids: list[int]) -> None:
    """Acknowledge QoS 1 messages, in this order, with PUBACK packets written together.

    paho's ack() wakes its network thread once per packet, which cost more than storing the
    message; the packets (MQTT 5.0 section 3.4, reason code omitted for success) are built
    here and handed to paho's outgoing queue in one piece, as publish.send_qos0 does.
    """
    if not mids:
        return
    if not hasattr(client, "_packet_queue"):
        for mid in mids:
            client.ack(mid, 1)
        return
    packet = b"".join(struct.pack("!BBH", paho.PUBACK, 2, mid) for mid in mids)
    client._packet_queue(paho.PUBACK, packet, 0, 0)


class Bridge:
    """Subscribes to the Observations topics and stores what devices publish."""

    def __init__(
        self,
        *,
        client_id: str | None = None,
        batch_size: int = 1000,
        batch_wait: float = 0.02,
        receive_maximum: int = 2000,
    ) -> None:
        self.client_id = client_id or getattr(
            settings, "MQTT_BRIDGE_CLIENT_ID", "gemeinsam-sta-bridge"
        )
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.receive_maximum = receive_maximum
        self.error_topic = getattr(settings, "STA_MQTT_ERROR_TOPIC", "")
        self.stored = self.refused = self.skipped = self.duplicates = 0
        self._prune_at = 0.0
        self.topic_prefix = topic_prefix()
        self._connected_at: float | None = None
        self._lost_at: float | None = None
        self._backoff = RECONNECT_MIN
        self._subscribed_once = False
        self._inbox: list[Incoming] = []
        self._arrived = threading.Condition()
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None
        self.connected = threading.Event()
        self.client = make_client(self.client_id, manual_ack=True)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_connect_fail = self._on_connect_fail
        self.client.reconnect_delay_set(RECONNECT_MIN, RECONNECT_MAX)
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe

    # --- connection (paho's network thread) --------------------------------------------------

    def start(self) -> threading.Thread:
        """Connect in the background (retrying until the broker is up) and start storing."""
        b = broker()
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY
        # How many unacknowledged QoS 1 messages the broker may send: a batch's worth.
        props.ReceiveMaximum = self.receive_maximum
        self.client.connect_async(b.host, b.port, keepalive=30, clean_start=False, properties=props)
        self.client.loop_start()
        PUBLISHER.use_client(self.client)
        self._worker = threading.Thread(target=self._work, name="sta-mqtt-bridge", daemon=True)
        self._worker.start()
        return self._worker

    def stop(self, timeout: float = 10.0) -> None:
        """Store and acknowledge what has arrived, then disconnect (the session stays)."""
        self._stopping.set()
        with self._arrived:
            self._arrived.notify_all()
        if self._worker is not None:
            self._worker.join(timeout)
        PUBLISHER.flush(timeout)
        PUBLISHER.use_client(None)
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("MQTT broker refused the bridge: %s", reason_code)
            return
        options = SubscribeOptions(qos=1, noLocal=True)
        topics = [(self.topic_prefix + topic, options) for topic in SUBSCRIPTIONS]
        if learns_select_topics():  # the publisher borrows this connection
            topics.append((SUBSCRIBE_LOG, SubscribeOptions(qos=0)))
        client.subscribe(topics)
        self._connected_at = time.monotonic()
        if self._lost_at is None:
            log.info("MQTT bridge connected (session present: %s)", flags.session_present)
        else:
            seconds = self._connected_at - self._lost_at
            log.warning("MQTT bridge connected again after %.0f s", seconds)
            self._lost_at = None

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        failed = [code for code in reason_codes if code.is_failure]
        if failed:
            log.error("MQTT broker refused the bridge's subscriptions: %s", failed)
        elif not self._subscribed_once:
            self._subscribed_once = True
            topics = " and ".join(self.topic_prefix + topic for topic in SUBSCRIPTIONS)
            log.info("MQTT bridge %s subscribed to %s", self.client_id, topics)
        self.connected.set()  # connected and subscribed: what is published now arrives

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        if self._stopping.is_set():
            return
        # paho waits its least delay again after every connection it made; a connection that
        # is lost at once (another client took the session over) backs off further instead.
        lasted = time.monotonic() - (self._connected_at or 0)
        brief = self._connected_at is not None and lasted < STABLE
        self._backoff = min(self._backoff * 2, RECONNECT_MAX) if brief else RECONNECT_MIN
        client.reconnect_delay_set(self._backoff, RECONNECT_MAX)
        self._connected_at = None
        what = f"lost the connection to the broker ({reason_code})"
        if brief:  # a broker takes the session over for a client that connects with its id
            what += (
                f" {lasted:.0f} s after connecting; if another client connects as "
                f"{self.client_id}, give each bridge its own MQTT_BRIDGE_CLIENT_ID"
            )
        self._outage(what)

    def _on_connect_fail(self, client, userdata) -> None:
        self._outage("cannot reach the broker")

    def _outage(self, what: str) -> None:
        """Log an outage once, not per attempt; _on_connect logs its end."""
        if self._lost_at is None:
            self._lost_at = time.monotonic()
            log.warning("MQTT bridge %s; reconnecting, waiting up to %d s", what, RECONNECT_MAX)

    def _on_message(self, client, userdata, message: paho.MQTTMessage) -> None:
        if message.topic == SUBSCRIBE_LOG:
            learn_subscription(message.payload)
            return
        incoming = Incoming(message.topic, message.payload, message.mid, message.qos, message.dup)
        with self._arrived:
            self._inbox.append(incoming)
            if len(self._inbox) >= self.batch_size:
                self._arrived.notify()

    # --- storing (the worker thread) ---------------------------------------------------------

    def _take_batch(self) -> list[Incoming]:
        with self._arrived:
            if not self._inbox:
                self._arrived.wait(0.5)
            if self._inbox and len(self._inbox) < self.batch_size:
                self._arrived.wait(self.batch_wait)  # let a burst fill the batch
            batch, self._inbox = self._inbox[: self.batch_size], self._inbox[self.batch_size :]
            return batch

    def _work(self) -> None:
        try:
            while True:
                self._prune()
                batch = self._take_batch()
                if not batch:
                    if self._stopping.is_set():
                        return
                    continue
                try:
                    self._handle(batch)
                except Exception:
                    # Not acknowledged: the broker delivers these again after a reconnect.
                    log.exception("MQTT bridge failed on %d messages", len(batch))
        finally:
            connection.close()

    def _handle(self, batch: list[Incoming]) -> None:
        documents: list[dict] = []
        keys: list[Key | None] = []
        sources: list[Incoming] = []
        for message in batch:
            try:
                topic = message.topic.removeprefix(self.topic_prefix)
                document = observation_document(topic, message.payload)
            except Notification:
                self.skipped += 1
                continue
            except BadMessage as error:
                self._refuse(message, str(error))
                continue
            keys.append(message.ingest_key(document))
            documents.append(document)
            sources.append(message)
        if documents:
            reasons = self._store_retrying(documents, keys)
            for message, reason in zip(sources, reasons, strict=True):
                if reason is None:
                    self.stored += 1
                elif reason == DUPLICATE:
                    self.duplicates += 1
                else:
                    self._refuse(message, reason)
        # PUBACKs go out in the order the messages came, as MQTT asks (section 4.6).
        send_acks(self.client, [message.mid for message in batch if message.qos])

    def _store_retrying(self, documents: list[dict], keys: list[Key | None]) -> list[str | None]:
        """Store; while the database is unreachable wait and retry, acknowledging nothing."""
        delay = 0.5
        while True:
            close_old_connections()
            try:
                return store(documents, keys)
            except IntegrityError:
                if len(documents) == 1:
                    return ["the Observation violates a database constraint"]
                # Find the culprit: each document in its own transaction.
                return [
                    reason
                    for document, key in zip(documents, keys, strict=True)
                    for reason in self._store_retrying([document], [key])
                ]
            except DatabaseError:
                log.exception("MQTT bridge cannot store %d observations; retrying", len(documents))
                connection.close()
                time.sleep(delay)
                delay = min(delay * 2, 30)

    def _prune(self) -> None:
        """Delete expired ingest keys, once an hour (a failure waits for the next hour)."""
        if time.monotonic() < self._prune_at:
            return
        self._prune_at = time.monotonic() + PRUNE_EVERY
        try:
            close_old_connections()
            ingest.prune()
        except DatabaseError:
            log.exception("MQTT bridge could not delete expired ingest keys")

    def _refuse(self, message: Incoming, reason: str) -> None:
        self.refused += 1
        log.warning("MQTT message on %s not stored: %s", message.topic, reason)
        if self.error_topic:
            error = {"topic": message.topic, "error": reason}
            self.client.publish(self.error_topic, json.dumps(error), qos=0)


def start_in_background(**options) -> Bridge | None:
    """Run a bridge in daemon threads of this process (for `gemeinsam demo`); None if off."""
    if not getattr(settings, "STA_MQTT_BRIDGE", True):
        return None
    bridge = Bridge(**options)
    bridge.start()
    return bridge
