"""Peak memory of a BLUME import (`gemeinsam sta import-luftdaten`) against the file's length.

    .venv/bin/python bench/blume_memory.py [--rows 100000 1000000] [--database sqlite|postgres]

Writes a synthetic luftdaten.berlin.de export per size (the format of ../shared/data/
airquality/README.md: four header rows, a blank row, hourly `DD.MM.YYYY HH:MM;NO;NO2;NOx`
lines labelled by the local end of the hour), imports each into a fresh database in a child
process and prints the child's peak resident memory (getrusage RUSAGE_CHILDREN, ru_maxrss).
Streamed, the peak stays flat with the file's length; exits non-zero when the largest file
needs more than FLAT times the smallest one's.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
FLAT = 1.5
START = datetime(1960, 1, 1, tzinfo=UTC)
HEADER = (
    "Station;115 Hardenbergplatz;115 Hardenbergplatz;115 Hardenbergplatz\n"
    "Messkomponente;Stickstoffmonoxid;Stickstoffdioxid;Stickoxide\n"
    "Einheit;µg/m³;µg/m³;µg/m³\n"
    "Messzeit;Stundenwerte;Stundenwerte;Stundenwerte\n"
    "\n"
)


def write_export(path: Path, rows: int, seed: int = 1) -> Path:
    """A synthetic export of `rows` hourly lines from START on (one label per local hour: the
    repeated autumn hour is written once, as the real export does)."""
    rng = random.Random(seed)
    written, previous, hour = 0, "", 0
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        while written < rows:
            end = START + timedelta(hours=hour + 1)
            hour += 1
            label = end.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")
            if label == previous:
                continue
            previous = label
            no, no2 = rng.randint(0, 200), rng.randint(5, 120)
            out.write(f"{label};{no};{no2};{no + no2}\n")
            written += 1
    return path


def scratch_database(kind: str, workdir: Path, name: str) -> tuple[str, str | None]:
    """(DATABASE_URL of a fresh database, maintenance URL to drop it with, or None)."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / (name + '.sqlite3')}", None
    import psycopg

    server = os.environ.get("BENCH_PG_SERVER", PG_SERVER)
    maintenance = f"{server}/postgres"
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}", maintenance


def drop_database(url: str, maintenance: str | None) -> None:
    if maintenance is None:
        return
    import psycopg

    name = urllib.parse.urlparse(url).path.lstrip("/")
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Runs the import as its only child, so that RUSAGE_CHILDREN is the import's peak alone.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def import_peak_mib(path: Path, database_url: str, workdir: Path) -> float:
    """Migrate `database_url`, then import `path` into it in a child process: its peak MiB."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gemeinsam.config.settings",
        "GEMEINSAM_DATA_DIR": str(workdir),
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "gemeinsam"]
    subprocess.run([*command, "migrate", "-v0"], env=env, check=True, stdout=subprocess.DEVNULL)
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command, "sta", "import-luftdaten", str(path)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    returncode, kib = measured.stdout.split()
    if returncode != "0":
        raise RuntimeError(f"the import of {path} failed: {measured.stderr}")
    return int(kib) / 1024  # Linux reports ru_maxrss in KiB


def measure(sizes: list[int], kind: str) -> dict[int, float]:
    """Peak MiB of importing a synthetic file of each size into a fresh database."""
    peaks = {}
    with tempfile.TemporaryDirectory(prefix="blume-memory-") as tmp:
        workdir = Path(tmp)
        for rows in sizes:
            path = write_export(workdir / f"ber_mc115_{rows}.csv", rows)
            url, maintenance = scratch_database(kind, workdir, f"blume_memory_{os.getpid()}")
            try:
                peaks[rows] = import_peak_mib(path, url, workdir)
            finally:
                drop_database(url, maintenance)
            path.unlink()
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    peaks = measure(sorted(args.rows), args.database)
    for rows, mib in peaks.items():
        print(f"{rows:>9,} rows ({rows * 3:,} observations): peak {mib:.0f} MiB")
    smallest, largest = peaks[min(peaks)], peaks[max(peaks)]
    print(f"largest / smallest: {largest / smallest:.2f} (flat: at most {FLAT})")
    if largest > FLAT * smallest:
        sys.exit(1)


if __name__ == "__main__":
    main()
