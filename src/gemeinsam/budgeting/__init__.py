"""Participatory budgeting (Bürgerhaushalt): proposals with costs, ballots, proportional rules."""
