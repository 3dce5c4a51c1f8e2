"""Generation throughput through the worker path: one request at a time versus batched claims.

The same 64 demo products, the same model (the default model shipped in the package), the same decoding settings
(one candidate, one variant, seeded sampling). (a) naive: claim and generate one request at a time, as a
one-task-per-product design would. (b) batched: the worker claims up to 64 requests and generates them in one call.
The naive phase takes about ten seconds, so a burst of other work on the machine averages out over it; the batched
phase takes about one, so it runs five times (the requests recreated each time, same seed) and its median counts.
Runs in a throw-away SQLite database; the demo's own data is not touched.
LAST line: batched_over_naive=<ratio of tokens per second>
"""

import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["SHOP_VAR_DIR"] = str(ROOT / "var" / "bench")
os.environ["DATABASE_URL"] = ""
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_demo.settings")
PRODUCTS = 64
BATCHED_RUNS = 5


def main():
    model = ROOT / "copygen_oscar" / "default_model"
    if not (model / "config.json").is_file():
        sys.exit(f"No model at {model}: run `make default-model` first")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from oscar.core.loading import get_model

    settings.COPYGEN_MODEL_PATH = str(model)
    settings.COPYGEN_SEED = 0
    settings.COPYGEN_CANDIDATES_PER_VARIANT = 1
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from copygen_oscar.backends import get_backend
        from copygen_oscar.receivers import auto_generation_paused
        from copygen_oscar.requests import GenerationRequest, claim_batch, process_claimed, request_generation

        Product = get_model("catalogue", "Product")
        call_command("copygen_demo_catalogue", stdout=io.StringIO())
        products = list(Product.objects.order_by("upc")[:PRODUCTS])
        backend = get_backend()
        backend.model_info()  # load once, outside the clocks

        def run(batch_size):
            GenerationRequest.objects.all().delete()
            with auto_generation_paused():
                for product in products:
                    request_generation(product, n=1, source=GenerationRequest.STAFF)
            tokens_before, started = backend.generated_tokens, time.perf_counter()
            while claimed := claim_batch("bench", limit=batch_size):
                process_claimed(claimed, "bench")
            seconds = time.perf_counter() - started
            done = GenerationRequest.objects.filter(status="done").count()
            return (backend.generated_tokens - tokens_before) / seconds, seconds, done

        naive, naive_s, naive_done = run(1)
        runs = [run(PRODUCTS) for _ in range(BATCHED_RUNS)]
        batched, batched_s, batched_done = sorted(runs, key=lambda result: result[0])[len(runs) // 2]
        print(f"device={backend._load()[5]} products={len(products)}")
        print(f"naive: {naive:.0f} tokens/s, {naive_s:.1f} s, {naive_done} done")
        print(f"batched runs, in order: {', '.join(f'{r[1]:.2f} s' for r in runs)}")
        print(f"batched (median): {batched:.0f} tokens/s, {batched_s:.2f} s, {batched_done} done")
        print(f"batched_over_naive={batched / naive:.2f}")
    finally:
        connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
