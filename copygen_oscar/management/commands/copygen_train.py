from django.core.management.base import BaseCommand, CommandError

from copygen_oscar.training.data import split, store_examples

# Every kind that a store's descriptions can teach; replies come from service conversations, not product copy.
TRAINED_KINDS = ("description", "bullets", "seo", "banner", "search_ad", "social", "email")
from copygen_oscar.training.scratch import ScratchConfig, train_from_scratch


class Command(BaseCommand):
    help = "Train a small GPT-2-style model from scratch on the store's own human-written descriptions."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="Model folder to write (safetensors, tokenizer, card).")
        parser.add_argument("--steps", type=int, default=ScratchConfig.steps)
        parser.add_argument("--layers", type=int, default=ScratchConfig.n_layer)
        parser.add_argument("--width", type=int, default=ScratchConfig.n_embd)
        parser.add_argument("--seed", type=int, default=ScratchConfig.seed)
        parser.add_argument("--kinds", default=",".join(TRAINED_KINDS),
                            help="Comma-separated copy kinds to teach (targets cut from the descriptions).")
        parser.add_argument("--no-slots", action="store_true",
                            help="Train on raw values instead of fact slots (slots keep a small model truthful).")

    def handle(self, *args, **options):
        examples = store_examples(kinds=options["kinds"].split(","))
        if len(examples) < 10:
            raise CommandError(
                f"Only {len(examples)} training pairs from human-written descriptions; at least 10 are needed to train."
            )
        config = ScratchConfig(steps=options["steps"], n_layer=options["layers"], n_embd=options["width"],
                               seed=options["seed"])
        train, validation = split(examples, 0.1)
        slots = not options["no_slots"]
        report = train_from_scratch([e.pair(slots) for e in train], [e.pair(slots) for e in validation],
                                    options["output"], config, log=self.stdout.write)
        self.stdout.write(
            f"Trained on {report['train_pairs']} pairs ({report['validation_pairs']} held out): "
            f"validation loss {report['validation_loss']:.3f}, {report['parameters']:,} parameters -> {options['output']}"
        )
