"""Tuning on the store's own outcomes: models learnt from logged (copy, context) -> reward."""
