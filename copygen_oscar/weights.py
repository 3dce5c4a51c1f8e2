"""Small learned weights (discriminator, reward model, intent classifier): plain arrays and JSON metadata in one
``.npz``, written atomically so a reader never sees half a file, read back without pickle."""

import json
import os
from pathlib import Path

import numpy as np


def save_npz(path, meta, **arrays):
    target = Path(os.fspath(path))
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(staging, "wb") as fh:
            np.savez(fh, **arrays, meta=np.array(json.dumps(meta, sort_keys=True)))
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
    return target
