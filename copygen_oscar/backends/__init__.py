"""Generation backends behind one interface (``base.GenerationBackend``), chosen by ``COPYGEN_BACKEND``."""

from django.utils.module_loading import import_string

from .. import app_settings

_instances = {}


def get_backend():
    """One backend instance per process and setting: it holds the loaded model between batches."""
    path = app_settings.COPYGEN_BACKEND
    if path not in _instances:
        _instances[path] = import_string(path)()
    return _instances[path]
