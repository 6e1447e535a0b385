"""File builders of the strategy: open data as CSV and JSON (open_data) and the
success-control report as PDF (report_pdf)."""
