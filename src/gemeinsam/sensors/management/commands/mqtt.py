"""`gemeinsam mqtt`: run the bridge that stores the observations devices publish over MQTT,
and publishes what it stores (OGC 18-088 section 14.2)."""

import signal
import threading
import time

from django.core.management.base import BaseCommand

from gemeinsam.sensors.mqtt.bridge import SUBSCRIPTIONS, Bridge
from gemeinsam.sensors.mqtt.publish import PUBLISHER, broker


class Command(BaseCommand):
    help = "SensorThings MQTT bridge: store observations published by devices."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--client-id",
            help="MQTT client id of the persistent session (default: MQTT_BRIDGE_CLIENT_ID)",
        )
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="messages stored per transaction"
        )
        parser.add_argument(
            "--batch-wait",
            type=float,
            default=0.02,
            help="seconds to wait for a batch to fill before storing it",
        )
        parser.add_argument(
            "--stats", type=float, default=60, help="seconds between progress lines (0: none)"
        )

    def handle(self, *args, **options) -> None:
        bridge = Bridge(
            client_id=options["client_id"],
            batch_size=options["batch_size"],
            batch_wait=options["batch_wait"],
        )
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        topics = " and ".join(bridge.topic_prefix + topic for topic in SUBSCRIPTIONS)
        b = broker()  # host and port only: MQTT_BROKER_URL may hold a password
        self.stdout.write(
            f"MQTT bridge {bridge.client_id} on {b.host}:{b.port}; subscribing to {topics}"
        )
        bridge.start()
        interval = options["stats"]
        last = time.monotonic()
        while not stop.wait(1.0):
            if interval and time.monotonic() - last >= interval:
                last = time.monotonic()
                self.stdout.write(self._stats(bridge))
        self.stdout.write("Stopping: storing and acknowledging what has arrived")
        bridge.stop()
        self.stdout.write(self._stats(bridge, "stopped"))

    def _stats(self, bridge: Bridge, state: str = "") -> str:
        state = state or ("connected" if bridge.connected.is_set() else "reconnecting")
        return (
            f"{state}: stored {bridge.stored}, refused {bridge.refused}, "
            f"duplicates {bridge.duplicates}, notifications skipped {bridge.skipped}, "
            f"published {PUBLISHER.published}, dropped {PUBLISHER.dropped}"
        )
