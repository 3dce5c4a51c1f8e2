"""The guard: nothing the model writes is stored or shown before it passes here."""
