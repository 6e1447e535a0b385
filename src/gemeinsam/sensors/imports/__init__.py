"""Imports of measurement files: the hourly export of luftdaten.berlin.de read in plain Python
(luftdaten.py) and stored as the BLUME network's Things, Datastreams and Observations
(blume.py)."""
