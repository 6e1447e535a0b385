"""Participation: processes with phases, ideas on the map, comments, ratings and moderation.

This is the strategy's idea store (Ideenspeicher) and Arena of Ideas (Arena der Ideen).
"""
