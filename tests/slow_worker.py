"""`gemeinsam worker` with FAULT_PAUSE_SECONDS of sleep inside each budgeting count, sortition
run and digest, so that a fault test can kill it there; otherwise the unchanged command."""

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gemeinsam.config.settings")
django.setup()

from gemeinsam.budgeting.services import results  # noqa: E402
from gemeinsam.cli import main  # noqa: E402
from gemeinsam.participation import digest  # noqa: E402
from gemeinsam.sortition.services import runs  # noqa: E402

PAUSE = float(os.environ.get("FAULT_PAUSE_SECONDS") or 0)


def slowed(function):
    def slow(*args, **kwargs):
        print(f"fault: pausing in {function.__name__}", flush=True)
        time.sleep(PAUSE)
        return function(*args, **kwargs)

    return slow


if PAUSE:
    results.count = slowed(results.count)
    runs._compute = slowed(runs._compute)
    digest.collect_news = slowed(digest.collect_news)

if __name__ == "__main__":
    main(["gemeinsam", *sys.argv[1:]])
