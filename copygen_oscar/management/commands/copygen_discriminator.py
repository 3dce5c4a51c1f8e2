from django.core.management.base import CommandError

from copygen_oscar.management.model_command import ModelCommand


class Command(ModelCommand):
    help = ("Train the realism discriminator of a model: the model writes copy for the store's products, and a "
            "classifier on the MiniLM encoder learns to tell it from the human copy. Saved as discriminator.npz in "
            "the model folder; the reranker and copygen_eval use it while the model is unchanged.")

    def add_arguments(self, parser):
        from copygen_oscar.training.discriminator import DEFAULT_LIMIT

        self.add_model_arguments(parser)
        parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT,
                            help=f"At most this many examples (product x kind) to train on (default {DEFAULT_LIMIT}).")
        parser.add_argument("--candidates", type=int, default=2, help="Generated texts per example (default 2).")
        parser.add_argument("--seed", type=int, default=0, help="Sampling and sampling-of-examples seed.")
        parser.add_argument("--if-stale", action="store_true",
                            help="Do nothing when the model already has a current discriminator.")

    def handle(self, *args, **options):
        from copygen_oscar.training.discriminator import (
            Discriminator, DiscriminatorError, train_discriminator, training_examples,
        )

        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be at least 1")
        _, path = self.resolve_model(options)
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
