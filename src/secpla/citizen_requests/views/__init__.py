"""Views of the OIRS; the public pages (no login) are in `public`."""
