"""The strategy: compass of values, fields of action, goals, measures and success control."""
