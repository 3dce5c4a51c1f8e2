import json
from datetime import datetime, timezone
from pathlib import Path

from django.core.management.base import CommandError
from django.test.utils import override_settings
from oscar.core.loading import get_model

from copygen_oscar import app_settings
from copygen_oscar.kinds import KINDS
from copygen_oscar.management.commands.copygen_train import TRAINED_KINDS
from copygen_oscar.management.model_command import ModelCommand

ModelVersion = get_model("copygen", "ModelVersion")


class Command(ModelCommand):
    help = ("Score a model on held-out examples (chrF, ROUGE-L, fact precision, coverage, hallucination before and "
            "after the guard, diversity, length limits, perplexity) beside the template baseline; print a table "
            "and write JSON.")

    version_help = "Model version id (its metrics get the result, key 'eval')."

    def add_arguments(self, parser):
        self.add_model_arguments(parser)
        parser.add_argument("--data", help="CSV or JSONL file of products with copy, instead of the catalogue.")
        parser.add_argument("--columns", default="",
                            help="Column mapping for --data: 'title=Name,description=About', or a preset "
                                 "(amazon_us_2020, amazon_uk_toys).")
        parser.add_argument("--kinds", default=",".join(TRAINED_KINDS), help="Comma-separated copy kinds to score.")
        parser.add_argument("--holdout", type=float, default=0.1,
                            help="Share of products held out, split as training splits (1 scores every example).")
        parser.add_argument("--limit", type=int, help="At most this many held-out examples of each kind.")
        parser.add_argument("--variants", type=int, default=1, help="Variants kept per example (as a request's n).")
        parser.add_argument("--seed", type=int, default=0, help="Sampling seed, so two runs score the same copy.")
        parser.add_argument("--json", default="copygen_eval.json", help="Where to write the JSON report.")
        parser.add_argument("--no-template", action="store_true", help="Skip the template baseline column.")
        parser.add_argument("--no-slots", action="store_true",
                            help="Perplexity on raw values (for a model trained with --no-slots; default: as its "
                                 "training report says).")

    def handle(self, *args, **options):
        from copygen_oscar.backends.base import BackendError
        from copygen_oscar.backends.transformers import TransformersBackend
        from copygen_oscar.training.baseline import TemplateBaseline
        from copygen_oscar.training.discriminator import Discriminator
        from copygen_oscar.training.evaluate import (
            EvaluationError, examples_digest, evaluate, format_kind_table, format_table,
        )

        version, path = self.resolve_model(options)
        examples, held_out, context = self.held_out(options)
        slots = False if options["no_slots"] else None
        systems = [("model", TransformersBackend(path=path))]
        if not options["no_template"]:
            systems.append(("template", TemplateBaseline()))
        # The model's realism discriminator, when one is current: P(human) of every system's stored copy.
        discriminator = Discriminator.for_model(path)
        scorers = {"realism": discriminator.realism} if discriminator else None
        log = self.stderr.write if options["verbosity"] >= 2 else None
        results = {}
        try:
            with override_settings(COPYGEN_SEED=options["seed"]):
                for name, system in systems:
                    results[name] = evaluate(system, held_out, n=options["variants"], context=context, slots=slots,
                                             scorers=scorers, name=name, log=log)
        except BackendError as exc:
            raise CommandError(f"The model at {path} cannot generate: {exc}") from exc
        except EvaluationError as exc:
            raise CommandError(str(exc)) from exc

        report = {
            "model": {"path": path, "version": version.pk if version else None},
            "held_out": {"source": options["data"] or "store catalogue", "examples": len(held_out),
                         "of": len(examples), "holdout": options["holdout"], "limit_per_kind": options["limit"],
                         "kinds": sorted({e.kind for e in held_out}), "digest": examples_digest(held_out)},
            "settings": {"seed": options["seed"], "variants": options["variants"],
                         "candidates_per_variant": app_settings.COPYGEN_CANDIDATES_PER_VARIANT,
                         "temperature": app_settings.COPYGEN_TEMPERATURE, "top_p": app_settings.COPYGEN_TOP_P},
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "systems": results,
        }
        self.stdout.write(f"Held out: {len(held_out)} examples ({', '.join(report['held_out']['kinds'])}) "
                          f"from {report['held_out']['source']}; model {path}\n")
        self.stdout.write(format_table(results))
        self.stdout.write("")
        self.stdout.write(format_kind_table(results))
        for name, result in results.items():
            for error in result.get("errors", []):
                self.stderr.write(f"{name}: {error}")
        out = Path(options["json"])
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(report, indent=2))
        except OSError as exc:
            raise CommandError(f"Could not write {out}: {exc.strerror or exc}") from exc
        self.stdout.write(f"\nJSON report: {out}")
        if version is not None:
            version.metrics = {**(version.metrics or {}), "eval": report}
            version.save(update_fields=["metrics"])
            self.stdout.write(f"Stored on model version {version.pk} (metrics['eval'])")

    def held_out(self, options):
        """(all examples, held-out examples, guard context) for the chosen data."""
        from copygen_oscar.training.data import split
        from copygen_oscar.training.evaluate import GuardContext

        kinds = [k.strip() for k in options["kinds"].split(",") if k.strip()]
        unknown = [k for k in kinds if k not in KINDS]
        if unknown or not kinds:
            raise CommandError(f"Unknown copy kind(s) {', '.join(unknown) or '(none given)'}; "
                               f"known kinds: {', '.join(sorted(KINDS))}")
        if not 0 < options["holdout"] <= 1:
            raise CommandError(f"--holdout is a share between 0 and 1, not {options['holdout']}")
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be at least 1")
        if options["data"]:
            try:
                from copygen_oscar.training.files import file_examples, parse_columns
            except ImportError as exc:
                raise CommandError(f"--data needs copygen_oscar.training.files, which is missing here ({exc})") from exc
            try:
                examples, _ = file_examples(options["data"], parse_columns(options["columns"]), kinds=kinds)
            except ValueError as exc:
                raise CommandError(f"Could not read {options['data']}: {exc}") from exc
            context = GuardContext.from_examples(examples)
            source = options["data"]
        else:
            from copygen_oscar.training.data import store_examples

            examples = store_examples(kinds=kinds)
            context = GuardContext.from_store()
            source = "the store's human-written copy"
        _, held_out = split(examples, options["holdout"])
        if options["limit"]:
            taken, counts = [], {}
            for example in held_out:
                if counts.get(example.kind, 0) < options["limit"]:
                    counts[example.kind] = counts.get(example.kind, 0) + 1
                    taken.append(example)
            held_out = taken
        if not held_out:
            raise CommandError(f"The held-out set is empty: {len(examples)} examples of kinds {', '.join(kinds)} "
                               f"from {source}, {options['holdout']:.0%} held out")
        return examples, held_out, context
