"""Waiting out an outage: exponential backoff with a cap, logged once when it starts and
once when it ends (not per attempt). Pure: the clock and the sleep are injectable."""

import logging
import time
from collections.abc import Callable


class Outage:
    """Call `failed(error)` after each failed attempt (it sleeps the next delay) and
    `recovered()` after a success; each outage logs two lines, however long it lasts."""

    def __init__(
        self,
        log: logging.Logger,
        what: str,
        *,
        first: float = 0.5,
        cap: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log, self.what, self.first, self.cap = log, what, first, cap
        self.sleep, self.clock = sleep, clock
        self.since: float | None = None
        self.attempts = 0

    @property
    def ongoing(self) -> bool:
        return self.since is not None

    def next_delay(self) -> float:
        return min(self.cap, self.first * 2 ** max(self.attempts - 1, 0))

    def failed(self, error: BaseException) -> float:
        if self.since is None:
            self.since = self.clock()
            first_line = str(error).strip().splitlines()[:1] or [type(error).__name__]
            self.log.warning(
                "%s unreachable (%s); retrying with backoff up to %.0f s",
                self.what,
                first_line[0],
                self.cap,
            )
        self.attempts += 1
        delay = self.next_delay()
        self.sleep(delay)
        return delay

    def recovered(self) -> None:
        if self.since is None:
            return
        self.log.warning(
            "%s reachable again after %.1f s (%d attempts)",
            self.what,
            self.clock() - self.since,
            self.attempts,
        )
        self.since, self.attempts = None, 0
