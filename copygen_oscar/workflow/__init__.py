"""The merchant's side of copy: review, publish and revert, bulk jobs, automatic rules, and the audit log.

Dashboard views, admin actions and the REST API all call these functions, so each rule (who may publish, what may
be overwritten, what gets logged) lives in one place.
"""


class WorkflowError(ValueError):
    """A merchant action that cannot be done as asked; the message says why, for the merchant."""
