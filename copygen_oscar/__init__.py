"""copygen-oscar: marketing copy for django-oscar stores, written by language models and checked against the catalogue."""

__version__ = "0.1.0"
