from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q
from oscar.core.loading import get_model

from copygen_oscar.simulation import simulate

CopyVariant = get_model("copygen", "CopyVariant")
GenerationRequest = get_model("copygen", "GenerationRequest")
Product = get_model("catalogue", "Product")
SERVED = [CopyVariant.APPROVED, CopyVariant.LIVE]


class Command(BaseCommand):
    help = ("Simulate shoppers with a hidden taste visiting products that have two or more approved descriptions, "
            "so the demo's serving, rewards, tuning and experiment report have something to show.")

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=4, help="How many products to send shoppers to.")
        parser.add_argument("--rounds", type=int, default=4)
        parser.add_argument("--visits", type=int, default=200, help="Visits per round.")
        parser.add_argument("--base-rate", type=float, default=0.08, help="Chance a visit ends in an order.")
        parser.add_argument("--lift", type=float, default=3.0,
                            help="How many times likelier shoppers buy when the copy names the key benefit.")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--prepare", action="store_true",
                            help="First generate three descriptions for products that have fewer than two approved "
                                 "and approve them (what a merchant does in the dashboard; logged as this command).")

    def handle(self, *args, **options):
        if options["prepare"]:
            self.prepare(options["products"])
        products = list(Product.objects.annotate(served=Count(
            "copygen_variants", filter=Q(copygen_variants__kind="description", copygen_variants__status__in=SERVED)))
            .filter(served__gte=2, parent__isnull=True).order_by("pk")[: options["products"]])
        if not products:
            raise CommandError("No product has two approved descriptions: approve some in the dashboard, or run "
                               "with --prepare.")
        simulate(products, rounds=options["rounds"], visits=options["visits"], base_rate=options["base_rate"],
                 lift=options["lift"], seed=options["seed"], log=self.stdout.write)
        self.stdout.write("See Dashboard -> Copy -> Experiments.")

    def prepare(self, n):
        from copygen_oscar.requests import process_pending, request_generation
        from copygen_oscar.workflow.review import approve

        candidates = list(Product.objects.filter(parent__isnull=True).exclude(description="").order_by("upc")[:n])
        for product in candidates:
            if CopyVariant.objects.filter(product=product, kind="description", status__in=SERVED).count() < 2:
                request_generation(product, kind="description", n=3, source=GenerationRequest.STAFF)
        self.stdout.write(f"generating descriptions for {len(candidates)} products (the model runs here)...")
        process_pending()
        for variant in CopyVariant.objects.filter(product__in=candidates, kind="description",
                                                  status=CopyVariant.DRAFT):
            approve(variant, None, channel="command")
