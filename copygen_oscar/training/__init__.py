"""Training the store's own generator: data preparation and trainers."""
