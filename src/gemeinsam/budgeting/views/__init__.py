"""Budgeting's pages: public.py (process, proposing, the ballot), results.py, staff.py."""
