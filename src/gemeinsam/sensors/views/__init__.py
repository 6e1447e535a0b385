"""The public pages of the urban data hub (public.py); the API's views are in sta/views.py."""
