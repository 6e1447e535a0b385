"""The OGC SensorThings API 1.1 (18-088, 23-019): resource paths, the entity table, values and
their JSON, reading with query options, `$filter` in SQL, the observation bulk path, and the
HTTP views with batch requests. The query language itself is the pure package `query/`."""
