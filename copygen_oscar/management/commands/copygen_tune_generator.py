import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Tune the serving generator on the store's conversions (KTO): copy that converted better than the rest of "
            "its product's copy is good, clearly worse is bad. The result is registered as a candidate version; "
            "activate it after looking at its metrics.")

    def add_arguments(self, parser):
        parser.add_argument("--min-rows", type=int,
                            help="Good and bad variants needed, each (default COPYGEN_TUNE_MIN_ROWS).")
        parser.add_argument("--steps", type=int, help="Optimiser steps (default: KTOTuneConfig's).")
        parser.add_argument("--output", help="Model folder to write (default: a new one in COPYGEN_TUNED_MODELS_DIR).")
        parser.add_argument("--dry-run", action="store_true", help="Print the preference data summary; tune nothing.")

    def handle(self, *args, **options):
        from copygen_oscar.registry import RegistryError
        from copygen_oscar.training.loop import TrainingError
        from copygen_oscar.tuning.tasks import tune_from_conversions
        from copygen_oscar.workflow.audit import record

        if options["min_rows"] is not None and options["min_rows"] < 1:
            raise CommandError("--min-rows must be at least 1")
        if options["steps"] is not None and options["steps"] < 1:
            raise CommandError("--steps must be at least 1")
        log = self.stderr.write if options["verbosity"] >= 2 else (lambda *_: None)
        try:
            result = tune_from_conversions(output=options["output"], min_rows=options["min_rows"],
                                           steps=options["steps"], dry_run=options["dry_run"], log=log)
        except (TrainingError, RegistryError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, indent=2, default=str))
        if options["dry_run"]:
            return
        record("tune_generator", channel="staff", **result)
        if result["status"] == "tuned":
            self.stdout.write(f"Registered as model version {result['version']} (candidate: activate it with "
                              f"`copygen_models activate {result['version']}` or from the dashboard)")
        else:
            self.stdout.write(f"Nothing tuned: {result['reason']}")
