"""Service replies on real customer messages: intent accuracy, guard pass rate, draft length, unsupported claims.

Reads the e-commerce conversations of ../shared/datasets/twitter_customer_care (rows flagged is_ecommerce_retail;
the last customer message) and ../shared/datasets/abcd_retail_cs_sample (the first two customer turns of each
conversation, as one message). The intent labels below are this project's own, assigned by reading each
conversation (the sets carry none usable: ABCD flows exist for 3 of 20). Every message goes through the real path:
intake (tags stripped, bounded), the shipped intent classifier, the verified context (a demo order is attached where
the predicted intent is about an order), the shipped default model through the generation backend, the guard, and
the grounded template fallback. Runs in a throw-away SQLite database; the demo's own data is not touched.
The dataset text is untrusted input; none of it is stored outside the throw-away database.
LAST line: unsupported_claims=<share of drafts with a claim the context does not support>
"""

import json
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
DATASETS = ROOT.parent / "shared" / "datasets"
TWITTER = DATASETS / "twitter_customer_care" / "conversations.jsonl"
ABCD = DATASETS / "abcd_retail_cs_sample" / "conversations.jsonl"
ORDER_INTENTS = {"order_status", "delivery_problem", "return_refund", "exchange_size", "complaint"}

# Labels assigned for this benchmark (session / conversation id -> intent).
LABELS = {
    "asapp-3592": "return_refund", "asapp-9489": "return_refund", "asapp-3695": "discount_code",
    "jaxk-sample-3": "delivery_problem", "jaxk-sample-4": "other", "jaxk-sample-5": "product_question",
    "jaxk-sample-6": "other", "jaxk-sample-7": "return_refund", "jaxk-sample-8": "other", "jaxk-sample-9": "other",
    "jaxk-sample-10": "other", "jaxk-sample-11": "return_refund", "jaxk-sample-12": "discount_code",
    "jaxk-sample-13": "other", "jaxk-sample-14": "other", "jaxk-sample-15": "product_question",
    "jaxk-sample-16": "other", "jaxk-sample-17": "other", "jaxk-sample-18": "complaint", "jaxk-sample-19": "other",
    "aGkqzZ3iXq39Uz3bdJfQ": "complaint", "6f3ouFv3X8Xr3NJXkcJj": "complaint", "cPnd5JNHq49VbtLhoGKk": "other",
    "VHEpu6iVT0um22co1nIr": "complaint", "MU6nhoAUmvLVArfhzway": "complaint", "OKjPI95e5rDZqXTkIX6E": "complaint",
    "evb5exAbIg9ARYFDbzze": "complaint", "nrwIBhKUZmcTN1RCQuxP": "complaint", "ROEEabSfgjSpj5Jqcgqf": "complaint",
    "j1yS3w271xLfxEnZNB4B": "complaint", "XfHLwaniKRhZEWXQDd8M": "complaint", "AyRfUMjS6uWSNxDyxN5w": "complaint",
    "hG6McwpfSeVtrQWwLFdl": "delivery_problem", "eCLGe3N7d3SVg77gkd4w": "complaint", "rEMRj0Gc7wDlWWUOrHVt": "other",
    "LJGiLll2Loe3PFSnID9Z": "complaint", "ZZldrGo4mOL4lHnhrSRC": "complaint", "Ezp7zf8d2lmKGiJbF55m": "complaint",
    "5zaJDI5oZMX6NMS2wskL": "complaint", "aBTVs1lcxMuhtLE1T3kV": "complaint", "2jsRkWKcZKJZXqwveSdx": "complaint",
    "PSqZCdJBH1igvoe91gSn": "other", "2v3TpcSzVfUYVXr4fnI9": "other", "PBDcUqQhxJKlVXVrHYJS": "complaint",
    "oQvobq4D8y2eCtdWH7u5": "complaint", "L9JnvKfObWJxqT1yVkgC": "complaint", "GPiPPyQRHo4MMUpORABV": "complaint",
    "mWHQd5Ecycvw0qzPI6vg": "other", "JZghzPbI40cUzMA04uPO": "complaint", "sLiVpt7veVRnPE2FneBZ": "complaint",
    "Ql76WJYdqZfsy59u9Zv8": "complaint", "j0JNLjFUh4ra4pwTR5ug": "other", "2tjZID3MZ2Bi1xttjaLe": "complaint",
    "CSDMqZ6y6lpyrD8BpHeX": "delivery_problem", "N8vFASQAICyLjg6kUUSg": "return_refund",
    "2xfwlADx7XJ6XUJQcfqh": "delivery_problem", "FcVileNMZCYKimToC55o": "complaint",
    "PRlDbzxBA0m8FM2FotvZ": "complaint", "le7wFHeSRy6MdIIc0SWw": "complaint", "Nhb0Q3zZsNoCNXJHmgwb": "other",
    "IUQNxsvizQeicvG5u2CH": "complaint", "F94l98ipFXJaBTM2eaSA": "complaint", "u5jNWu6VEOYln1UQXVtL": "complaint",
    "ix1eVIcp7ekW3Gt2FI9o": "complaint", "t1aG9WuPAwxAD1Y9jzPJ": "complaint",
}


def load_rows():
    rows = []
    with open(TWITTER, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("is_ecommerce_retail"):
                rows.append(("twitter", row["session_id"], row["last_customer_message"]))
    with open(ABCD, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            turns = [t["text"] for t in row["turns"] if t["role"] == "customer"][:2]
            rows.append(("abcd", row["conversation_id"], "\n".join(turns)))
    return rows


def demo_order():
    from decimal import Decimal

    from oscar.apps.partner.strategy import Default
    from oscar.core.loading import get_model
    from oscar.test.factories import ShippingAddressFactory, create_order

    Basket = get_model("basket", "Basket")
    Product = get_model("catalogue", "Product")
    basket = Basket.objects.create()
    basket.strategy = Default()
    for product in Product.objects.filter(stockrecords__isnull=False, structure="standalone").order_by("upc")[:2]:
        basket.add_product(product)
    assert basket.num_lines, "the demo catalogue has no product with stock"
    address = ShippingAddressFactory(first_name="Sam", last_name="Demo")
    order = create_order(number="900001", basket=basket, shipping_address=address, guest_email="sam@example.com")
    assert order.total_incl_tax > Decimal("0")
    return order


def main():
    for path in (TWITTER, ABCD):
        if not path.is_file():
            sys.exit(f"Dataset file missing: {path} (the benchmark reads ../shared/datasets next to the project)")
    model = ROOT / "copygen_oscar" / "default_model"
    if not (model / "config.json").is_file():
        sys.exit(f"No model at {model}: run `make default-model` first")
    import io

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.COPYGEN_MODEL_PATH = str(model)
    settings.COPYGEN_SEED = 0
    settings.COPYGEN_SERVICE_AUTO_SEND_INTENTS = ()
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from oscar.core.loading import get_model

        from copygen_oscar.receivers import auto_generation_paused
        from copygen_oscar.service.drafts import process_pending
        from copygen_oscar.service.intake import receive
        from copygen_oscar.service.intents import classify

        ServiceMessage = get_model("copygen", "ServiceMessage")
        with auto_generation_paused():
            call_command("copygen_demo_catalogue", stdout=io.StringIO())
            order = demo_order()
        rows = load_rows()
        predictions = classify([body for _, _, body in rows])
        messages = []
        for (source, key, body), prediction in zip(rows, predictions):
            message, _ = receive(email="customer@example.com", body=body, channel="import", external_id=key,
                                 order=order if prediction.intent in ORDER_INTENTS else None, draft=False)
            ServiceMessage.objects.filter(pk=message.pk).update(intent=prediction.intent,
                                                                intent_confidence=prediction.confidence)
            messages.append((source, key, message, prediction))
        started = time.perf_counter()
        drafted = process_pending()
        seconds = time.perf_counter() - started

        labelled = [(src, LABELS[key], p.intent) for src, key, _, p in messages if key in LABELS]
        correct = sum(gold == pred for _, gold, pred in labelled)
        drafts = [m.drafts.get() for *_, m, _ in messages]
        candidates = sum(d.scores.get("candidates", 0) for d in drafts)
        passed_candidates = candidates - sum(d.scores.get("rejected", 0) for d in drafts)
        lengths = [len(d.text) for d in drafts]
        unsupported = sum(1 for d in drafts if d.guard.get("claims", 0) > d.guard.get("supported", 0))
        from collections import Counter

        reasons = Counter()
        for d in drafts:
            for part in (d.scores.get("rejected_reasons") or "").split("; "):
                count, _, reason = part.partition("x ")
                if count.isdigit():
                    reasons[reason.split("(")[0].split("'")[0].strip()] += int(count)
        print(f"messages={len(rows)} (twitter e-commerce {sum(s == 'twitter' for s, *_ in rows)}, "
              f"abcd {sum(s == 'abcd' for s, *_ in rows)}), drafted={drafted} in {seconds:.1f} s "
              f"({seconds / max(drafted, 1):.2f} s per message, batched, CPU)")
        for source in ("twitter", "abcd"):
            rows_of = [(g, p) for s, g, p in labelled if s == source]
            print(f"intent_accuracy[{source}]={sum(g == p for g, p in rows_of) / len(rows_of):.3f} "
                  f"on {len(rows_of)} labelled rows")
        print(f"intent_accuracy={correct / len(labelled):.3f} on {len(labelled)} labelled rows")
        print(f"model_candidates={candidates} passing_guard={passed_candidates} "
              f"candidate_pass_rate={passed_candidates / max(candidates, 1):.3f}")
        print(f"commonest rejections: {dict(reasons.most_common(5))}")
        model_drafts = sum(d.source == "model" for d in drafts)
        print(f"drafts: model={model_drafts} template={len(drafts) - model_drafts} "
              f"handover={sum(d.handover for d in drafts)} with_order={sum(bool(m.order_id) for *_, m, _ in messages)}")
        print(f"draft_guard_pass_rate={sum(bool(d.guard.get('passed')) for d in drafts) / len(drafts):.3f}")
        print(f"draft_chars mean={statistics.mean(lengths):.0f} median={statistics.median(lengths):.0f} "
              f"min={min(lengths)} max={max(lengths)}")
        if os.environ.get("SHOW_MODEL_DRAFTS"):
            for d in [d for d in drafts if d.source == "model"][:5]:
                print("---", d.intent, "\n" + d.text)
        print(f"unsupported_claims={unsupported / len(drafts):.3f}")
    finally:
        connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
