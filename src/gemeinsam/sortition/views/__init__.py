"""Pages of sortition: public.py for everyone (transparency, volunteering), staff.py and
staff_draw.py for city staff."""
