"""The merchant workflow as a REST API: the dashboard's service functions and rights, for scripts and other systems.

Mounted by the project under ``api/copygen/`` (``copygen_oscar.api.urls``).
"""
