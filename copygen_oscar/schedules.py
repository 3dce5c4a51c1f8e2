"""Celery beat entries for a store's settings. No Django imports: settings modules import this."""


def beat_schedule(sweep_interval=15.0, cpu_queue="copygen_cpu"):
    """The periodic sweep that recovers stale claims and re-sends lost wake-ups."""
    return {
        "copygen-sweep-requests": {
            "task": "copygen.sweep_requests",
            "schedule": float(sweep_interval),
            "options": {"queue": cpu_queue, "expires": float(sweep_interval)},
        },
    }
