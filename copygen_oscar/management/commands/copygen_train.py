import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from copygen_oscar.registry import RegistryError, activate, register
from copygen_oscar.training.data import split
from copygen_oscar.training.loop import TrainingError

# Every kind that a store's descriptions can teach; replies come from service conversations, not product copy.
TRAINED_KINDS = ("description", "bullets", "seo", "banner", "search_ad", "social", "email")


class Command(BaseCommand):
    help = ("Train a generator on the store's own copy (or a data file, or the built-in corpus): from scratch, or "
            "by fine-tuning a local causal LM (optionally with LoRA). The result is registered as a candidate.")

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="Model folder to write (safetensors, tokenizer, card).")
        source = parser.add_argument_group("data")
        source.add_argument("--data", help="A CSV or JSONL file of products with copy, instead of the catalogue.")
        source.add_argument("--columns", default="",
                            help="Column mapping for --data, e.g. 'title=Product Name,description=About'.")
        source.add_argument("--corpus", choices=["builtin"],
                            help="Train on the corpus this project writes itself (the shipped default model).")
        source.add_argument("--kinds", default=",".join(TRAINED_KINDS),
                            help="Comma-separated copy kinds to teach (targets cut from the descriptions).")
        source.add_argument("--no-slots", action="store_true",
                            help="Train on raw values instead of fact slots (slots keep a small model truthful).")
        model = parser.add_argument_group("model")
        model.add_argument("--base", help="Fine-tune this local causal LM folder instead of training from scratch.")
        model.add_argument("--lora", action="store_true", help="With --base: train LoRA adapters (peft), then merge.")
        model.add_argument("--layers", type=int, help="From scratch: transformer blocks.")
        model.add_argument("--width", type=int, help="From scratch: embedding width.")
        model.add_argument("--heads", type=int, help="From scratch: attention heads.")
        model.add_argument("--vocab", type=int, help="From scratch: BPE vocabulary size.")
        loop = parser.add_argument_group("training")
        loop.add_argument("--steps", type=int)
        loop.add_argument("--batch-size", type=int)
        loop.add_argument("--learning-rate", type=float)
        loop.add_argument("--eval-every", type=int, help="Steps between validation passes and checkpoints.")
        loop.add_argument("--patience", type=int, help="Validation passes without improvement before stopping.")
        loop.add_argument("--seed", type=int)
        loop.add_argument("--fresh", action="store_true",
                          help="Discard a checkpoint left by an interrupted run instead of resuming it.")
        out = parser.add_argument_group("output")
        out.add_argument("--fp16", action="store_true", help="Store the weights in float16 (half the size).")
        out.add_argument("--overwrite", action="store_true", help="Replace a model already in --output.")
        out.add_argument("--no-register", action="store_true", help="Do not add the result to the model registry.")
        out.add_argument("--activate", action="store_true", help="Serve the result at once (a staff decision).")

    def handle(self, *args, **options):
        try:
            examples, data = self.examples(options)
            train, validation = split(examples, 0.1)
            slots = not options["no_slots"]
            data.update(train_examples=len(train), validation_examples=len(validation))
            pairs = [e.pair(slots) for e in train], [e.pair(slots) for e in validation]
            report = self.train(pairs, data, options)
        except (TrainingError, RegistryError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Trained on {report['train_pairs']} pairs ({report['validation_pairs']} held out) in {report['steps']} "
            f"steps: validation loss {report['validation_loss']:.3f}, {report['parameters']:,} parameters "
            f"-> {options['output']}"
        )
        if options["no_register"]:
            return
        try:
            version = register(options["output"], base_model=report.get("base_model", ""),
                               training_summary={k: report[k] for k in ("trainer", "data", "config", "steps",
                                                                        "parameters", "seconds")},
                               metrics={"validation_loss": report["validation_loss"],
                                        "validation_perplexity": report["validation_perplexity"]})
            if options["activate"]:
                activate(version)
        except RegistryError as exc:
            raise CommandError(str(exc)) from exc
        state = "active" if options["activate"] else "candidate: activate it with `copygen_models activate " \
                                                     f"{version.pk}` or from the dashboard"
        self.stdout.write(f"Registered as model version {version.pk} ({state})")

    def examples(self, options):
        """(examples, summary of where they came from and what cleaning dropped)."""
        kinds = [k.strip() for k in options["kinds"].split(",") if k.strip()]
        if options["corpus"]:
            from copygen_oscar.training.corpus import build_corpus

            examples = build_corpus(seed=options["seed"] if options["seed"] is not None else 13)
            return examples, {"source": "built-in corpus (copygen_oscar.training.corpus)",
                              "kinds": sorted({e.kind for e in examples}), "examples": len(examples)}
        if options["data"]:
            from copygen_oscar.training.files import file_examples, parse_columns

            examples, dropped = file_examples(options["data"], parse_columns(options["columns"]), kinds=kinds)
            source = f"file {Path(options['data']).name}"
        else:
            from copygen_oscar.training.data import store_examples

            examples, dropped = store_examples(kinds=kinds, with_report=True)
            source = "the store's human-written product copy"
        self.stdout.write(str(dropped))
        if len(examples) < 10:
            raise TrainingError(f"Only {len(examples)} usable training examples from {source}; at least 10 are "
                                f"needed to train")
        return examples, {"source": source, "kinds": kinds, "examples": len(examples),
                          "dropped": dropped.as_dict()}

    def train(self, pairs, data, options):
        from copygen_oscar.training.finetune import FinetuneConfig, finetune
        from copygen_oscar.training.scratch import ScratchConfig, train_from_scratch

        output = Path(options["output"])
        checkpoint_dir = output.with_name(output.name + ".checkpoint")
        if options["fresh"]:
            shutil.rmtree(checkpoint_dir, ignore_errors=True)
        common = {"steps": options["steps"], "batch_size": options["batch_size"],
                  "learning_rate": options["learning_rate"], "eval_every": options["eval_every"],
                  "patience": options["patience"], "seed": options["seed"]}
        kwargs = dict(data=data, checkpoint_dir=checkpoint_dir, overwrite=options["overwrite"], fp16=options["fp16"],
                      log=self.stdout.write)
        data["slots"] = not options["no_slots"]
        if options["base"]:
            config = FinetuneConfig(**{k: v for k, v in {**common, "lora": options["lora"]}.items() if v is not None})
            report = finetune(options["base"], *pairs, output, config, **kwargs)
        else:
            if options["lora"]:
                raise TrainingError("--lora needs --base (a model to put adapters on)")
            shape = {"n_layer": options["layers"], "n_embd": options["width"], "n_head": options["heads"],
                     "vocab_size": options["vocab"]}
            config = ScratchConfig(**{k: v for k, v in {**common, **shape}.items() if v is not None})
            report = train_from_scratch(*pairs, output, config, **kwargs)
        shutil.rmtree(checkpoint_dir, ignore_errors=True)
        return report
