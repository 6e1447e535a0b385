"""Demo content for sensors: a year of hourly BLUME air-quality values of two Berlin stations
(MC010 Wedding, MC115 Hardenbergplatz), shipped in `sensors/data/`, imported once."""

import time
from pathlib import Path

from gemeinsam.sensors.imports.blume import NETWORK, import_luftdaten
from gemeinsam.sensors.models import Observation

DATA = Path(__file__).parent / "data"


def demo_files() -> list[Path]:
    return sorted(DATA.glob("*.csv.gz"))


def load_demo(stdout) -> None:
    """Import the shipped files unless their stations already hold observations."""
    if Observation.objects.filter(datastream__thing__properties__network=NETWORK).exists():
        stdout.write("Air-quality stations: already there")
        return
    began = time.monotonic()
    report = import_luftdaten(demo_files())
    stdout.write(
        f"Air-quality stations: {', '.join(t.name for t in report.things)} with "
        f"{report.created} hourly values ({time.monotonic() - began:.1f} s)"
    )
