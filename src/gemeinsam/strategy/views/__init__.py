"""The strategy's pages: public (overview, measure, map, changelog, survey), report (the
success-control report and the open-data exports), staff (versions) and staff_tracking."""
