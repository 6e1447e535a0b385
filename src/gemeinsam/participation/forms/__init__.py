"""Forms of participation: public (ideas, comments, reports, filters) and staff (processes,
phases, categories, moderators, and the moderation pages)."""
