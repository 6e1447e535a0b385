"""Sortition's actions, one module per step: panels, quotas, invitations, volunteers, runs,
the draw, replacements and privacy. Each action checks who may, runs in one transaction and
records an audit event; reads are in sortition/selectors.py, files in sortition/exports.py."""
