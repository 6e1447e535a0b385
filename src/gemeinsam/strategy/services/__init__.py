"""The strategy's verbs that change data, by idea: versions (drafts, editing, publishing),
tracking (measurements, compass, surveys, checklist, links) and imports (CSV measurements)."""
