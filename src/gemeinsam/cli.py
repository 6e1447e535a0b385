"""The `gemeinsam` command: Gemeinsam's own commands first, then every Django command."""

import logging
import os
import sys

from gemeinsam.lib.private_files import make_private, private_umask

OWN_COMMANDS = [
    ("demo", "set up a demo database with demo accounts and serve it on 127.0.0.1:8000"),
    ("serve", "run the production server (gunicorn + WhiteNoise) against DATABASE_URL"),
    ("migrate", "create or update the database tables"),
    ("createsuperuser", "create an administrator account"),
    ("worker", "run background tasks (Django tasks, database-backed queue)"),
    ("import-districts", "import district boundaries from a GeoJSON FILE"),
    ("pb", "participatory budgeting: import a Pabulib file, count a process, solve a file"),
    ("sortition", "select a citizens' panel by lot from CSV files, or verify a published draw"),
    ("sta", "urban data hub: import air-quality measurements, issue access tokens"),
    ("mqtt", "bridge between the MQTT broker and the SensorThings API (ingest and publish)"),
    ("strategy", "strategy: load GD:B, import measurements, sync sources, report PDF, export"),
    ("reindex-knowledge", "rebuild the knowledge store's SQLite search index"),
]


def help_text() -> str:
    from django.core.management import get_commands

    width = max(len(name) for name, _ in OWN_COMMANDS) + 2
    lines = ["usage: gemeinsam COMMAND [options]", "", "Gemeinsam commands:"]
    lines += [f"  {name.ljust(width)}{text}" for name, text in OWN_COMMANDS]
    own = {name.replace("-", "_") for name, _ in OWN_COMMANDS}
    others = sorted(name for name in get_commands() if name not in own)
    lines += ["", "Django commands (gemeinsam COMMAND --help for details):"]
    lines += [f"  {name}" for name in others]
    lines += ["", "Configuration comes from environment variables; see README.md."]
    return "\n".join(lines)


def secure_data_dir() -> None:
    """Create the data directory 0700, or close one that an older version left open."""
    from django.conf import settings

    tightened = make_private(settings.DATA_DIR)
    if tightened:
        logging.getLogger("gemeinsam").warning(
            "Closed the data directory to other users (0700, files 0600): %s",
            ", ".join(str(path) for path in tightened),
        )


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    # Before settings run: they may create the data directory and its secret key. Worker,
    # gunicorn and bridge started from here inherit it.
    private_umask()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gemeinsam.config.settings")
    import django
    from django.core.management import execute_from_command_line

    argv[0] = "gemeinsam"
    if len(argv) >= 2 and argv[1] in {"--version", "version"}:
        from gemeinsam import __version__

        print(__version__)
        return
    django.setup()
    secure_data_dir()
    if len(argv) < 2 or (argv[1] in {"-h", "--help", "help"} and len(argv) == 2):
        print(help_text())
        return
    if argv[1] == "demo":
        from gemeinsam import demo

        demo.main(argv[2:])
        return
    if not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")  # import-districts -> import_districts
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
