"""Pure helpers without Django models: parsing, geometry, small utilities."""
