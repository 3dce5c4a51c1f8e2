"""What serving costs a shopper: the demo product page with copygen serving on versus off, and order placement
with conversion attribution versus without, in one run on the same data.

Product page: a demo product with three approved variants and its own copy (four arms). Every request comes from
a new visitor (no cookie), the costly case: each view draws a decision and buffers an impression event (the
demo's file buffer). "Off" is the same page with ``COPYGEN_SERVING = False``: the tag then shows the product's own
copy without reading the cache. Requests alternate on/off so drifts of this noisy machine hit both alike.
Orders: Oscar's OrderCreator places an order for a one-line basket, with copygen's ``order_placed`` receiver
connected (the attribution task is sent on commit, here to the demo's file broker) or disconnected.
Runs in a throw-away SQLite database; the demo's own data is not touched.
Prints order_overhead_ratio=<median order time on / off>, then as its LAST line overhead_ratio=<median page time
on / off>.
"""

import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["SHOP_VAR_DIR"] = str(ROOT / "var" / "bench")
os.environ["DATABASE_URL"] = ""
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_demo.settings")
PAGES, ORDERS = 300, 60


def main():
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from oscar.apps.order.signals import order_placed
    from oscar.apps.partner.strategy import Default
    from oscar.core.loading import get_model
    from oscar.test.factories import create_order

    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from copygen_oscar.receivers import auto_generation_paused
        from copygen_oscar.serving.receivers import attribute_after_commit

        Product = get_model("catalogue", "Product")
        CopyVariant = get_model("copygen", "CopyVariant")
        Basket = get_model("basket", "Basket")
        settings.ALLOWED_HOSTS = ["testserver"]
        with auto_generation_paused():
            call_command("copygen_demo_catalogue", stdout=io.StringIO())
        product = Product.objects.exclude(description="").filter(stockrecords__isnull=False).order_by("upc").first()
        for i in range(3):
            CopyVariant.objects.create(product=product, kind="description", status=CopyVariant.APPROVED,
                                       body=f"<p>{product.title}: variant {i}, written for the benchmark.</p>")
        client, url = Client(), product.get_absolute_url()
        for _ in range(20):  # warm-up: templates, caches, the arm table
            client.get(url)

        times = {True: [], False: []}
        for i in range(2 * PAGES):
            serving = i % 2 == 0
            settings.COPYGEN_SERVING = serving
            client.cookies.clear()
            started = time.perf_counter()
            response = client.get(url)
            times[serving].append(time.perf_counter() - started)
            assert response.status_code == 200
        settings.COPYGEN_SERVING = True
        page_on, page_off = statistics.median(times[True]), statistics.median(times[False])

        order_times = {True: [], False: []}
        for i in range(2 * ORDERS):
            attributed = i % 2 == 0
            if attributed:
                order_placed.connect(attribute_after_commit, dispatch_uid="copygen_order_placed")
            else:
                order_placed.disconnect(dispatch_uid="copygen_order_placed")
            basket = Basket.objects.create()
            basket.strategy = Default()
            basket.add_product(product, 1)
            started = time.perf_counter()
            with transaction.atomic():
                create_order(basket=basket)
            order_times[attributed].append(time.perf_counter() - started)
        order_placed.connect(attribute_after_commit, dispatch_uid="copygen_order_placed")
        order_on, order_off = statistics.median(order_times[True]), statistics.median(order_times[False])

        print(f"product page: serving on {page_on * 1000:.1f} ms, off {page_off * 1000:.1f} ms (median of {PAGES})")
        print(f"order placement: attribution on {order_on * 1000:.1f} ms, off {order_off * 1000:.1f} ms "
              f"(median of {ORDERS})")
        print(f"order_overhead_ratio={order_on / order_off:.3f}")
        print(f"overhead_ratio={page_on / page_off:.3f}")
    finally:
        connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
