"""SensorThings over MQTT (OGC 18-088 section 14): publishing what changed (publish.py) and
storing what devices publish (bridge.py)."""
