"""What the database files keep after personal data is erased: SQLite's write-ahead log holds
the old pages until a checkpoint, so erasing services ask for one right after they commit."""

import logging

from django.db import connections, transaction

logger = logging.getLogger(__name__)


def checkpoint_after_erasure(using: str = "default") -> None:
    """Once the current transaction commits, fold SQLite's write-ahead log into the database
    file and empty it; `PRAGMA secure_delete` (settings) has zeroed the erased rows there.

    PostgreSQL keeps the old row versions as dead tuples until VACUUM reuses their space (and
    in its WAL segments until they are recycled); README, "Security and operations".
    """
    transaction.on_commit(lambda: _checkpoint(using), using=using)


def _checkpoint(using: str) -> None:
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _pages, _done = cursor.fetchone()
    if busy:
        # A long reader held an old snapshot: the next checkpoint (at the latest the purge of
        # the next day) finishes the job.
        logger.warning("The checkpoint after erasing personal data was blocked by a reader.")
