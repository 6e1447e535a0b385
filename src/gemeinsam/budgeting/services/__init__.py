"""Budgeting's writers, one module per idea: proposals, ballots, voting codes, imports, counts.

Callers import the module they need (`from gemeinsam.budgeting.services import ballots`).
"""
