"""Gemeinsam: a platform for a city's participatory smart-city strategy."""

__version__ = "0.1.0"
