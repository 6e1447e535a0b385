"""Ingest keys of the MQTT bridge: a message stored once stays stored once, whatever the broker
redelivers, and payloads that are equal but not the same observation are all stored."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from gemeinsam.sensors import models as m
from gemeinsam.sensors.mqtt import ingest
from gemeinsam.sensors.mqtt.bridge import DUPLICATE, Incoming, observation_document, store

from .test_mqtt import datastream

pytestmark = pytest.mark.django_db


def deliver(ds: m.Datastream, body: dict, *, mid: int = 1, dup: bool = False, qos: int = 1):
    """What the bridge stores of one delivery: None, DUPLICATE or a reason."""
    message = Incoming(
        f"v1.1/Datastreams({ds.pk})/Observations", json.dumps(body).encode(), mid, qos, dup
    )
    document = observation_document(message.topic, message.payload)
    return store([document], [message.ingest_key(document)])[0]


def test_a_redelivery_after_the_bridge_restarted_is_stored_once():
    ds = datastream()
    timed = {"result": 1, "phenomenonTime": "2026-03-01T10:00:00Z"}
    untimed = {"result": 2}
    assert deliver(ds, timed, mid=7) is None
    assert deliver(ds, untimed, mid=8) is None
    # The bridge died before acknowledging; the broker sends both again, same packet ids.
    assert deliver(ds, timed, mid=7, dup=True) == DUPLICATE
    assert deliver(ds, untimed, mid=8, dup=True) == DUPLICATE
    assert m.Observation.objects.filter(datastream=ds).count() == 2
    assert m.IngestKey.objects.count() == 2


def test_the_same_timed_observation_sent_twice_is_stored_once():
    ds = datastream()
    body = {"result": 1, "phenomenonTime": "2026-03-01T10:00:00Z"}
    assert deliver(ds, body, mid=1) is None
    assert deliver(ds, body, mid=2) == DUPLICATE
    assert deliver(ds, {**body, "result": 3}, mid=3) is None
    assert m.Observation.objects.filter(datastream=ds).count() == 2


def test_equal_payloads_without_time_are_different_observations():
    ds = datastream()
    assert [deliver(ds, {"result": 5}, mid=mid) for mid in (1, 2, 3)] == [None, None, None]
    # The broker reuses packet id 1 after its acknowledgement: a new message, stored ...
    assert deliver(ds, {"result": 5}, mid=1) is None
    # ... and its own redelivery is still recognised.
    assert deliver(ds, {"result": 5}, mid=1, dup=True) == DUPLICATE
    assert m.Observation.objects.filter(datastream=ds).count() == 4
    # QoS 0 is never redelivered: no key.
    assert deliver(ds, {"result": 5}, qos=0, mid=0) is None
    assert deliver(ds, {"result": 5}, qos=0, mid=0) is None
    assert m.Observation.objects.filter(datastream=ds).count() == 6


def test_one_message_twice_in_one_batch_is_stored_once():
    ds = datastream()
    topic = f"v1.1/Datastreams({ds.pk})/Observations"
    payload = b'{"result": 1, "phenomenonTime": "2026-03-01T10:00:00Z"}'
    document = observation_document(topic, payload)
    key = ingest.ingest_key(topic, payload, document, mid=1, qos=1, dup=False)
    assert store([document, dict(document)], [key, key]) == [None, DUPLICATE]
    assert m.Observation.objects.filter(datastream=ds).count() == 1


def test_refused_observations_leave_no_key():
    ds = datastream()
    assert deliver(ds, {"result": 1, "phenomenonTime": "not a time"}) is not None
    assert not m.IngestKey.objects.exists()


def test_keys_older_than_the_window_are_pruned(settings):
    settings.STA_MQTT_INGEST_KEY_DAYS = 2
    now = timezone.now()
    m.IngestKey.objects.create(key="old", stored_at=now - timedelta(days=2, minutes=1))
    m.IngestKey.objects.create(key="recent", stored_at=now - timedelta(days=1))
    assert ingest.prune() == 1
    assert list(m.IngestKey.objects.values_list("key", flat=True)) == ["recent"]
