import os

from django.core.management.base import BaseCommand, CommandError
from oscar.core.loading import get_model

ModelVersion = get_model("copygen", "ModelVersion")


class Command(BaseCommand):
    help = ("Train the realism discriminator of a model: the model writes copy for the store's products, and a "
            "classifier on the MiniLM encoder learns to tell it from the human copy. Saved as discriminator.npz in "
            "the model folder; the reranker and copygen_eval use it while the model is unchanged.")

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version names a model version here, not Django's version: the later definition wins.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        from copygen_oscar.training.discriminator import DEFAULT_LIMIT

        which = parser.add_mutually_exclusive_group()
        which.add_argument("--model", help="Model folder (default: the model serving now).")
        which.add_argument("--version", type=int, help="Model version id.")
        parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT,
                            help=f"At most this many examples (product x kind) to train on (default {DEFAULT_LIMIT}).")
        parser.add_argument("--candidates", type=int, default=2, help="Generated texts per example (default 2).")
        parser.add_argument("--seed", type=int, default=0, help="Sampling and sampling-of-examples seed.")
        parser.add_argument("--if-stale", action="store_true",
                            help="Do nothing when the model already has a current discriminator.")

    def handle(self, *args, **options):
        from copygen_oscar.registry import serving_path
        from copygen_oscar.training.discriminator import (
            Discriminator, DiscriminatorError, train_discriminator, training_examples,
        )

        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be at least 1")
        if options["version"] is not None:
            version = ModelVersion.objects.filter(pk=options["version"]).first()
            if version is None:
                raise CommandError(f"No model version {options['version']}: see `copygen_models list`")
            path = version.path
        else:
            path = options["model"] or serving_path()
            if not path:
                raise CommandError("No model: pass --model PATH or --version ID")
        path = os.fspath(path)
        if not os.path.isfile(os.path.join(path, "config.json")):
            raise CommandError(f"No model folder at {path} (config.json missing)")
        if options["if_stale"] and Discriminator.for_model(path) is not None:
            self.stdout.write(f"The discriminator beside {path} is current; nothing to do")
            return
        log = self.stderr.write if options["verbosity"] >= 2 else None
        try:
            examples = training_examples(limit=options["limit"], seed=options["seed"])
            report = train_discriminator(path, examples, seed=options["seed"], candidates=options["candidates"],
                                         log=log)
        except DiscriminatorError as exc:
            raise CommandError(str(exc)) from exc
        metrics = report["metrics"]
        self.stdout.write(
            f"Discriminator trained on {report['human_texts']} human and {report['generated_texts']} generated texts "
            f"({report['unusable_candidates']} unusable candidates skipped) in {report['seconds']['total']:.1f} s: "
            f"held-out accuracy {_fmt(metrics['held_out_accuracy'])}, AUC {_fmt(metrics['held_out_auc'])} "
            f"({metrics['folds']}-fold cross-validation over {metrics['products']} products) -> {report['file']}"
        )


def _fmt(value):
    return "-" if value is None else f"{value:.3f}"
