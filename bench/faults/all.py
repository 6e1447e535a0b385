"""Run every fault run in bench/faults/ (worker kill, database outage, bridge kill, broker restart).

Each script prints its own counts and exits non-zero when one is wrong; this prints a line per
script and exits non-zero when any failed. Usage: `.venv/bin/python bench/faults/all.py`.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for script in sorted(HERE.glob("*.py")):
        if script.name in {"all.py", "__init__.py"} or script.name.startswith("_"):
            continue
        print(f"\n=== {script.name}", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(script)])
        seconds = time.monotonic() - started
        print(f"--- {script.name}: exit {code} after {seconds:.0f} s", flush=True)
        if code:
            failed.append(script.name)
    print("\nall fault runs passed" if not failed else f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
