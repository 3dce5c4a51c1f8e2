from django.core.management.base import BaseCommand
from django.db import transaction
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.core.loading import get_model
from django.utils.text import slugify

from copygen_oscar.demo_catalogue import CLASSES, demo_products
from copygen_oscar.receivers import auto_generation_paused

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductCategory = get_model("catalogue", "ProductCategory")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")

PARTNER_NAME = "Copygen Demo Supplies"


class Command(BaseCommand):
    help = "Load the demo catalogue (162 products, 6 product classes). Running it again changes nothing."

    def handle(self, *args, **options):
        created = 0
        with transaction.atomic(), auto_generation_paused():
            partner, _ = Partner.objects.get_or_create(name=PARTNER_NAME)
            classes = {}
            for class_name, attributes in CLASSES.items():
                product_class, _ = ProductClass.objects.get_or_create(
                    slug=slugify(class_name), defaults={"name": class_name, "requires_shipping": True}
                )
                for code, name, kind in attributes:
                    ProductAttribute.objects.get_or_create(
                        product_class=product_class, code=code, defaults={"name": name, "type": kind}
                    )
                classes[class_name] = product_class
            categories = {}
            for spec in demo_products():
                if Product.objects.filter(upc=spec.upc).exists():
                    continue  # never touch a product that exists: the store may have edited it
                if spec.category not in categories:
                    categories[spec.category] = create_from_breadcrumbs(spec.category)
                product = Product(
                    upc=spec.upc,
                    title=spec.title,
                    product_class=classes[spec.product_class],
                    description=spec.description,
                    structure=Product.STANDALONE,
                )
                for code, value in spec.attributes.items():
                    setattr(product.attr, code, value)
                product.save()
                ProductCategory.objects.create(product=product, category=categories[spec.category])
                StockRecord.objects.create(
                    product=product,
                    partner=partner,
                    partner_sku=spec.upc,
                    price_currency="GBP",
                    price=spec.price,
                    num_in_stock=spec.num_in_stock,
                )
                created += 1
        total = Product.objects.filter(upc__startswith="CG").count()
        self.stdout.write(f"Demo catalogue: {created} products created, {total} demo products in the store.")
