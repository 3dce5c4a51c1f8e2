"""Celery beat entries for a store's settings. No Django imports: settings modules import this.

With django-celery-beat's ``DatabaseScheduler`` these entries are written to the database on beat's start, where
staff can change their intervals or switch them off in the admin (Periodic tasks).
"""


def beat_schedule(sweep_interval=15.0, cpu_queue="copygen_cpu", flush_interval=10.0, tune_interval=300.0,
                  reward_interval=86400.0):
    """The sweep that recovers stale claims, the serving event flush, the policy tuning job and the reward model's
    daily refit."""

    def every(task, seconds):
        return {"task": task, "schedule": float(seconds), "options": {"queue": cpu_queue, "expires": float(seconds)}}

    return {
        "copygen-sweep-requests": every("copygen.sweep_requests", sweep_interval),
        "copygen-flush-events": every("copygen.flush_events", flush_interval),
        "copygen-tune-policy": every("copygen.tune_policy", tune_interval),
        "copygen-train-reward-model": every("copygen.train_reward_model", reward_interval),
    }
