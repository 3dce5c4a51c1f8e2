"""The merchant's loop in a real browser (Debian's headless Chromium driven by Playwright).

Log into the dashboard, start a bulk job on 10 demo products, watch its progress bar reach 100%, approve and publish
one generated variant, see it on the product's storefront page; a screenshot of the copy page is saved under
``VAR_DIR/test-artifacts``. A script planted in a product title and in a stored variant must never run.

Chromium is Debian's package (``make browser`` installs it); Playwright's own browser download is not used.
"""

import io
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from oscar.core.loading import get_model

from copygen_oscar.guard.sanitise import plain_text
from copygen_oscar.receivers import auto_generation_paused
from tests.conftest import ROOT, Worker, purge_broker, worker_env

BulkJob = get_model("copygen", "BulkJob")
CopyVariant = get_model("copygen", "CopyVariant")
GenerationRequest = get_model("copygen", "GenerationRequest")
Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db(transaction=True)

CHROMIUM = "/usr/bin/chromium"
EMAIL, PASSWORD = "demo@example.com", "copygen-demo"
N_PRODUCTS = 10
JOB_TIMEOUT = 150  # seconds for the worker to finish the 10 requests (well under a minute on 2 cores)
# Both run only if the page turns them into markup; escaped or sanitised, they are inert text (or gone).
PLANTED = '<img src=x onerror="window.__copygen_pwned=1"><script>window.__copygen_pwned=1</script>'
PLANTED_VARIANT = f"<p>A planted draft.</p>{PLANTED}<p onclick=\"window.__copygen_pwned=1\">Click me.</p>"


# Oscar's product page: a "Product Description" header, then the description, up to the next header.
DESCRIPTION_TEXT = """() => {
  const texts = [];
  for (let n = document.getElementById("product_description")?.nextElementSibling;
       n && !n.classList.contains("sub-header"); n = n.nextElementSibling) { texts.push(n.innerText); }
  return texts.join("\\n");
}"""


def squash(text):
    return " ".join(text.split())


def assert_not_pwned(page, dialogs, where):
    assert page.evaluate("() => window.__copygen_pwned") is None, f"a planted script ran on {where} ({page.url})"
    assert not dialogs, f"a dialog opened on {where} ({page.url}): {dialogs}"


class OffLoop:
    """Runs ORM calls on a thread of its own: Playwright's sync API keeps an asyncio loop in the test's thread, where
    Django refuses database access (SynchronousOnlyOperation). One thread, so one connection, closed at the end."""

    def __init__(self):
        self.executor = ThreadPoolExecutor(max_workers=1)

    def __call__(self, fn, *args, **kwargs):
        return self.executor.submit(fn, *args, **kwargs).result()

    def close(self):
        self.executor.submit(lambda: connection.close()).result()  # this thread's connection
        self.executor.shutdown()


def requests_summary(job):
    rows = GenerationRequest.objects.filter(job=job).order_by("pk").values_list("product_id", "status", "reason")
    return "\n".join(f"  product {pk}: {status} {reason}" for pk, status, reason in rows)


def pick_and_plant(job, planted):
    """A draft the job wrote: the planted product's when it has one, else the first product's that has one; then a
    stored variant of the planted product holding a script (as if one got past the generator's own sanitiser)."""
    drafts = CopyVariant.objects.filter(request__job=job, status=CopyVariant.DRAFT).select_related("product")
    variant = drafts.filter(product=planted).first() or drafts.order_by("product__upc", "pk").first()
    CopyVariant.objects.create(product=planted, kind="description", body=PLANTED_VARIANT)
    return variant, variant.product if variant else None


def test_bulk_job_review_and_publish_in_a_real_browser(live_server, tmp_path):
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright

    assert Path(CHROMIUM).exists(), \
        f"Debian's chromium is not installed at {CHROMIUM}: run `make browser` (apt-get install chromium)"

    call_command("copygen_demo_catalogue", stdout=io.StringIO())
    get_user_model().objects.create_superuser(username="demo", email=EMAIL, password=PASSWORD)
    products = list(Product.objects.filter(upc__startswith="CG", parent__isnull=True).order_by("upc")[:N_PRODUCTS])
    assert len(products) == N_PRODUCTS
    planted = products[0]
    with auto_generation_paused():  # a rename is a facts change: no request of its own, the job asks for the copy
        planted.title = f"{planted.title} {PLANTED}"
        planted.save()
    assert not GenerationRequest.objects.exists()

    purge_broker()
    model = ROOT / "copygen_oscar" / "default_model"
    worker = Worker(worker_env(COPYGEN_MODEL_PATH=model, COPYGEN_SEED=7), tmp_path / "worker.log")
    db = OffLoop()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(20_000)
                dialogs, errors = [], []
                page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
                page.on("pageerror", lambda error: errors.append(str(error)))
                url = live_server.url

                # Log in through Oscar's dashboard login page.
                page.goto(f"{url}/dashboard/login/")
                page.fill("#dashboard_login_form input[name=username]", EMAIL)
                page.fill("#dashboard_login_form input[name=password]", PASSWORD)
                with page.expect_navigation():
                    page.click("#dashboard_login_form input[type=submit]")
                assert page.url.rstrip("/").endswith("/dashboard"), f"login failed: {page.url}\n{page.content()[:2000]}"

                # The bulk page: tick the 10 products, one description each.
                page.goto(f"{url}/dashboard/copygen/jobs/new/")
                form = page.locator("form#copygen-bulk-form")
                expect(form.locator("input[name=mode][value=products]")).to_be_checked()
                label = page.locator(f"label[for=product-{planted.pk}]")
                assert PLANTED in label.inner_text(), "the planted title should be shown as text on the bulk page"
                assert_not_pwned(page, dialogs, "the bulk page")
                for product in products:
                    form.locator(f"input.copygen-product-box[value='{product.pk}']").check()
                kinds = form.locator("input[name=kinds]")
                for i in range(kinds.count()):
                    box = kinds.nth(i)
                    box.set_checked(box.get_attribute("value") == "description")
                form.locator("input[name=n]").fill("1")
                with page.expect_navigation():
                    page.click("#copygen-bulk-submit")
                match = re.search(r"/dashboard/copygen/jobs/(\d+)/$", page.url)
                assert match, f"the bulk form did not start a job: {page.url}\n{page.inner_text('body')[:2000]}"
                job = db(BulkJob.objects.get, pk=int(match.group(1)))
                assert job.total == N_PRODUCTS and job.kinds == ["description"] and job.n_variants == 1

                # The job page: watch the bar until the page reloads on the finished job.
                bar = page.locator("#copygen-progress")
                expect(bar).to_have_attribute("role", "progressbar")
                assert page.locator("a.copygen-product-link").count() == N_PRODUCTS
                assert_not_pwned(page, dialogs, "the running job page")
                seen, deadline = [], time.monotonic() + JOB_TIMEOUT
                while True:
                    try:
                        value, status = bar.get_attribute("aria-valuenow", timeout=2000), \
                            bar.get_attribute("data-status", timeout=2000)
                        reloaded = "progress-bar-animated" not in (bar.get_attribute("class", timeout=2000) or "")
                    except PlaywrightError:  # the page reloading under us
                        value = status = None
                        reloaded = False
                    if value is not None and (not seen or seen[-1] != value):
                        seen.append(value)
                    if reloaded and status != "running":
                        break
                    if time.monotonic() > deadline:
                        raise AssertionError(
                            f"the progress bar did not finish in {JOB_TIMEOUT}s (seen {seen}, now {status}):\n"
                            f"{db(requests_summary, job)}\nworker log:\n{worker.output()[-3000:]}")
                    time.sleep(0.25)
                page.wait_for_load_state("load")
                print(f"\nprogress bar: {' -> '.join(seen)} %")
                expect(bar).to_have_attribute("aria-valuenow", "100")
                expect(bar).to_have_attribute("data-status", "done")
                expect(bar).to_have_text("100%")
                progress_text = page.inner_text("#copygen-progress-text")
                finished = db(GenerationRequest.objects.filter(job=job, status__in=GenerationRequest.FINISHED).count)
                assert finished == N_PRODUCTS, db(requests_summary, job)
                assert f"{N_PRODUCTS} total" in progress_text, progress_text
                assert_not_pwned(page, dialogs, "the finished job page")
                print(f"job {job.pk}: {progress_text}")

                # A product whose request gave a variant: the planted one when it did, else the first that did.
                variant, product = db(pick_and_plant, job, planted)
                assert variant is not None, f"no request of the job gave a variant:\n{db(requests_summary, job)}"

                # The planted product's copy page, reached from the job page.
                with page.expect_navigation():
                    page.click(f"a.copygen-product-link[href$='/dashboard/copygen/products/{planted.pk}/']")
                assert PLANTED in page.inner_text("h1"), "the planted title should be shown as text on the copy page"
                assert "A planted draft." in page.inner_text("body")
                assert_not_pwned(page, dialogs, "the planted product's copy page")

                # Approve, then publish, through the buttons.
                page.goto(f"{url}/dashboard/copygen/products/{product.pk}/")
                card = page.locator(f".copygen-variant[data-variant-id='{variant.pk}']")
                expect(card).to_have_attribute("data-status", "draft")
                with page.expect_navigation():
                    card.locator("button.copygen-approve").click()
                expect(card).to_have_attribute("data-status", "approved")
                with page.expect_navigation():
                    card.locator("button.copygen-publish").click()
                expect(card).to_have_attribute("data-status", "live")
                db(variant.refresh_from_db), db(product.refresh_from_db)
                assert variant.status == CopyVariant.LIVE and product.description == variant.body
                published = squash(plain_text(variant.body))
                assert published, variant.body
                assert published in squash(page.inner_text(".copygen-live")), "the copy page's live copy"
                assert_not_pwned(page, dialogs, "the copy page after publishing")
                screenshot = Path(settings.VAR_DIR) / "test-artifacts" / "copy-page.png"
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=True)
                print(f"published variant {variant.pk} of product {product.pk}; screenshot: {screenshot.resolve()}")

                # The storefront: the published copy, and no planted script running.
                with page.expect_navigation():
                    page.click("#copygen-storefront-link")
                assert page.url.endswith(product.get_absolute_url()), page.url
                storefront = squash(page.evaluate(DESCRIPTION_TEXT))
                assert published in storefront, f"the storefront shows {storefront!r}, not {published!r}"
                assert_not_pwned(page, dialogs, "the storefront product page")
                if product != planted:
                    page.goto(f"{url}{planted.get_absolute_url()}")
                    assert PLANTED in page.inner_text("h1")
                    assert_not_pwned(page, dialogs, "the planted product's storefront page")
                print(f"page errors: {errors}" if errors else "no page errors")
            finally:
                browser.close()
    finally:
        db.close()
        worker.stop()
