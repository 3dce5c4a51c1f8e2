"""Serving approved copy variants to shoppers: which variant a page shows, and how traffic follows the evidence."""
