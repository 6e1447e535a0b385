"""Shared foundation: users, roles, organisations, actor groups, districts and the page layout."""
