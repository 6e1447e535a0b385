"""Forms of the strategy: public (the value-compass survey) and staff (drafts and tracking)."""
