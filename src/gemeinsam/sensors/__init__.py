"""OGC SensorThings API: the query language (`query/`, pure Python) and, beside it, the app."""
