from django.core.management.base import BaseCommand, CommandError
from oscar.core.loading import get_model
from tqdm import tqdm

from copygen_oscar import app_settings
from copygen_oscar.backends import get_backend
from copygen_oscar.facts import EmptyFacts, product_facts
from copygen_oscar.guard import FactIndex, description_corpus, store_vocabulary
from copygen_oscar.kinds import KINDS, get_kind
from copygen_oscar.workflow.publishing import machine_owned
from copygen_oscar.requests import (
    GenerationRequest, catalogue_brands, process_pending, request_generation, rerank, summarise,
)

Product = get_model("catalogue", "Product")


class Command(BaseCommand):
    help = "Generate copy for chosen products: by id, product class, category, those missing copy, or all."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="Product ids.")
        parser.add_argument("--product-class", help="Product class slug or name.")
        parser.add_argument("--category", help="Category name (its subcategories included).")
        parser.add_argument("--missing", action="store_true", help="Every product whose copy of --kind is empty or copygen's own.")
        parser.add_argument("--all", action="store_true", help="Every standalone and parent product.")
        parser.add_argument("--kind", default="description", choices=sorted(KINDS))
        parser.add_argument("--variants", type=int, default=None, help="Variants per product.")
        parser.add_argument("--enqueue", action="store_true", help="Only record the requests; workers do the rest.")
        parser.add_argument("--dry-run", action="store_true", help="Print the copy; store nothing.")

    def products(self, options):
        products = Product.objects.exclude(structure=Product.CHILD).order_by("pk")
        if options["ids"]:
            products = products.filter(pk__in=options["ids"])
        if options["product_class"]:
            value = options["product_class"]
            products = products.filter(product_class__slug=value) | products.filter(product_class__name=value)
        if options["category"]:
            Category = get_model("catalogue", "Category")
            roots = Category.objects.filter(name=options["category"])
            if not roots:
                raise CommandError(f"No category named {options['category']!r}")
            tree = [c for root in roots for c in root.get_descendants_and_self()]
            products = products.filter(categories__in=tree).distinct()
        if options["missing"]:
            products = [p for p in products if machine_owned(p, options["kind"])]
        elif not (options["ids"] or options["product_class"] or options["category"] or options["all"]):
            raise CommandError("Choose products: ids, --product-class, --category, --missing or --all")
        return list(products)

    def handle(self, *args, **options):
        products = self.products(options)
        if not products:
            raise CommandError("No product matches.")
        n = options["variants"] or app_settings.COPYGEN_VARIANTS_PER_REQUEST
        if options["dry_run"]:
            return self.dry_run(products, options["kind"], n)
        for product in tqdm(products, desc="requests", disable=options["verbosity"] < 1):
            request_generation(product, kind=options["kind"], source=GenerationRequest.STAFF, n=n)
        if options["enqueue"]:
            self.stdout.write(f"{len(products)} requests recorded; workers will generate them.")
            return
        done = process_pending()
        failed = GenerationRequest.objects.filter(product__in=products, status=GenerationRequest.FAILED).count()
        self.stdout.write(f"{done} generated, {failed} failed (reasons in the dashboard).")

    def dry_run(self, products, kind_name, n):
        kind, backend = get_kind(kind_name), get_backend()
        brands, vocabulary = catalogue_brands(), store_vocabulary()
        corpus = description_corpus() if kind.checks_duplicates else None
        k = n * max(1, app_settings.COPYGEN_CANDIDATES_PER_VARIANT)
        batch = app_settings.COPYGEN_BATCH_SIZE
        for start in tqdm(range(0, len(products), batch), desc="batches", disable=len(products) <= batch):
            jobs = []
            for product in products[start : start + batch]:
                try:
                    facts = product_facts(product)
                except EmptyFacts as exc:
                    self.stdout.write(f"# {product.pk} {product.get_title()}: {exc}\n")
                    continue
                jobs.append((product, facts, kind.build_prompt(facts, brand=app_settings.COPYGEN_BRAND_NAME)))
            outputs = backend.generate([prompt for *_, prompt in jobs], n=k,
                                       max_new_tokens=min(kind.max_new_tokens, app_settings.COPYGEN_MAX_NEW_TOKENS))
            for (product, facts, prompt), texts in zip(jobs, outputs):
                kept, rejected = rerank(kind, facts, FactIndex.from_facts(facts, brands), texts, n, vocabulary,
                                        corpus, product.pk, lambda candidates: backend.fluency(prompt, candidates))
                self.stdout.write(f"# {product.pk} {product.get_title()}")
                for parsed, scores, _ in kept:
                    self.stdout.write(f"{parsed.body}\n  (score {scores['score']}, coverage {scores['coverage']}, "
                                      f"fluency {scores['fluency']})")
                if rejected:
                    self.stdout.write(f"  rejected {len(rejected)} of {len(texts)}: {summarise(rejected)}")
                self.stdout.write("")
