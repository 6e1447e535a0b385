"""Settings, root URLs and server entry points; no domain code."""
