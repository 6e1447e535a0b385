"""Participation's verbs that change data: each checks who may, runs in one transaction and
records what matters in the audit log. Pages, API, commands and other apps import the module
they need (`from gemeinsam.participation.services import contributions`).

contributions: what participants do; moderation: what moderators do; processes: what the
city's staff do in the staff area.
"""
