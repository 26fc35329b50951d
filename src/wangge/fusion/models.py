"""Data of this app (filled in as the app grows)."""
