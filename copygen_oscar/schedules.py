"""Celery beat entries for a store's settings. No Django imports: settings modules import this.

With django-celery-beat's ``DatabaseScheduler`` these entries are written to the database on beat's start, where
staff can change their intervals or switch them off in the admin (Periodic tasks).
"""


def beat_schedule(sweep_interval=15.0, cpu_queue="copygen_cpu", flush_interval=10.0, tune_interval=300.0,
                  reward_interval=86400.0, generator_interval=7 * 86400.0, gpu_queue="copygen_gpu"):
    """The sweeps that recover stale claims, the serving event flush, the policy tuning job, the reward model's
    daily refit and the weekly generator tuning (on the GPU queue: it trains the model)."""

    def every(task, seconds):
        return {"task": task, "schedule": float(seconds), "options": {"queue": cpu_queue, "expires": float(seconds)}}

    return {
        "copygen-sweep-requests": every("copygen.sweep_requests", sweep_interval),
        # Banner campaigns and customer messages are their own durable work: the same lease-and-wake recovery.
        "copygen-sweep-banners": every("copygen.sweep_banners", sweep_interval),
        "copygen-sweep-service-messages": every("copygen.sweep_service_messages", sweep_interval),
        "copygen-flush-events": every("copygen.flush_events", flush_interval),
        "copygen-tune-policy": every("copygen.tune_policy", tune_interval),
        "copygen-train-reward-model": every("copygen.train_reward_model", reward_interval),
        "copygen-tune-generator": {**every("copygen.tune_generator", generator_interval),
                                   "options": {"queue": gpu_queue, "expires": float(generator_interval)}},
    }
