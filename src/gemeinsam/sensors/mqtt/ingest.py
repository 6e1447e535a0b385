"""Ingest keys: which MQTT messages the bridge has stored, so that a redelivery is stored once.

The bridge acknowledges a QoS 1 message after the transaction that stored it committed; a
bridge killed in between gets the message again from the broker's persistent session. So
every stored message leaves a key in the same transaction as its rows, and a message whose
key is there is acknowledged without storing it again.

The key is the SHA-256 of the topic and the payload. Two messages with the same topic and
payload that carry a phenomenonTime are one Observation twice (same stream, same time, same
result), so such a message is skipped whenever its key is stored, redelivered or not. A
payload without phenomenonTime gets the server's clock (OGC 18-088 section 10.2), so equal
payloads are different observations: their key adds the MQTT packet id, which a broker keeps
when it redelivers (MQTT 5.0 section 4.4) and reuses only after the acknowledgement, and it
is checked only for a redelivery (DUP flag). A new delivery under the same packet id first
drops the key the earlier message left. What remains is best effort: a payload without
phenomenonTime that was redelivered after the bridge never saw its first delivery can match
an older key; devices that want exactly once send phenomenonTime.

Keys are kept STA_MQTT_INGEST_KEY_DAYS (default 7, as long as the broker keeps the bridge's
session and so can redeliver) and pruned by the bridge once an hour.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from ..models import IngestKey

CHUNK = 500  # keys per statement: far below SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True)
class Key:
    value: str
    replaces: bool  # a new message under a reused packet id: an equal older key goes first


def ingest_key(topic: str, payload: bytes, document: dict, *, mid: int, qos: int, dup: bool):
    """The key of one message, or None for one that is never redelivered and has no time."""
    digest = hashlib.sha256(topic.encode())
    digest.update(b"\0")
    digest.update(payload)
    if document.get("phenomenonTime") is not None:
        return Key(digest.hexdigest(), replaces=False)
    if qos == 0:
        return None
    digest.update(b"\0packet %d" % mid)
    return Key(digest.hexdigest(), replaces=not dup)


def claim(keys: list[str]) -> set[str]:
    """Record keys inside the storing transaction; those that were not stored yet.

    One INSERT ... ON CONFLICT DO NOTHING RETURNING per chunk (SQLite 3.35+, PostgreSQL)
    checks and records at once; a concurrent transaction with the same key waits for it.
    """
    claimed: set[str] = set()
    if not keys:
        return claimed
    table = connection.ops.quote_name(IngestKey._meta.db_table)
    column = connection.ops.quote_name("key")
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({column}, stored_at) VALUES {values} "  # noqa: S608
                f"ON CONFLICT ({column}) DO NOTHING RETURNING {column}",
                [value for key in chunk for value in (key, now)],
            )
            claimed.update(row[0] for row in cursor.fetchall())
    return claimed


def forget(keys: list[str]) -> None:
    """Drop keys: of messages that were refused, or that new ones under the same packet id
    (not redelivered) repeat."""
    for start in range(0, len(keys), CHUNK):
        IngestKey.objects.filter(key__in=keys[start : start + CHUNK]).delete()


def prune() -> int:
    """Delete the keys older than STA_MQTT_INGEST_KEY_DAYS; how many went."""
    days = getattr(settings, "STA_MQTT_INGEST_KEY_DAYS", 7)
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = IngestKey.objects.filter(stored_at__lt=cutoff).delete()
    return deleted
