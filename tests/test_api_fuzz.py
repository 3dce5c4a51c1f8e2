"""The API fuzzed against its own OpenAPI schema (schemathesis): whatever a client sends, never a 5xx.

Every operation of ``/api/copygen/schema/`` gets generated requests (valid and invalid bodies, query strings and
path ids), sent in-process through the WSGI application as a staff user holding every copygen right, with a few
products, variants, requests, jobs, publications, model versions, service messages and banner campaigns in the
database so that most generated ids hit real rows. Bounded and derandomised: the same cases every run.
"""

from collections import Counter
from datetime import timedelta

import pytest
import schemathesis
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory, create_product
from rest_framework.authtoken.models import Token
from rest_framework.throttling import ScopedRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode

from copygen_oscar.registry import DEFAULT_MODEL, register

BannerCampaign = get_model("copygen", "BannerCampaign")
BannerVariant = get_model("copygen", "BannerVariant")
BulkJob = get_model("copygen", "BulkJob")
CopyVariant = get_model("copygen", "CopyVariant")
GenerationRequest = get_model("copygen", "GenerationRequest")
Publication = get_model("copygen", "Publication")
ServiceDraft = get_model("copygen", "ServiceDraft")

SCHEMA_PATH = "/api/copygen/schema/"


def staff_with_every_copygen_right():
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="copygen"))
    return user


def catalogue(user):
    """A few rows of each kind the API addresses by id; returns ``{url segment: [ids]}``."""
    from copygen_oscar.banners.workflow import create_campaign
    from copygen_oscar.service.intake import receive

    products = [create_product(title=f"Oakmere Trail Jacket {i}", description="<p>Written by the shop.</p>")
                for i in range(3)]
    variants = [CopyVariant.objects.create(product=product, kind="description", body=f"<p>Warm jacket {i}.</p>",
                                           fields={"text": f"Warm jacket {i}."}, guard={"passed": True},
                                           status=status)
                for i, (product, status) in enumerate(zip(products, ("draft", "approved", "rejected")))]
    requests = [GenerationRequest.objects.create(product=product, kind="description") for product in products[:2]]
    publications = [Publication.objects.create(product=products[0], kind="description")]
    job = BulkJob.objects.create(kinds=["description"])
    version = register(DEFAULT_MODEL)
    messages = [receive(email=f"customer{i}@example.com", body="Where is my order?", channel="import",
                        draft=False)[0] for i in range(2)]
    drafts = [ServiceDraft.objects.create(message=message, intent="order_status", text="Hello,\n\nThanks.",
                                          body="<p>Hello,</p><p>Thanks.</p>", guard={"passed": True})
              for message in messages]
    campaign = create_campaign(dict(name="Summer sale", goal=BannerCampaign.SALE, product=products[0],
                                    starts_at=timezone.now(), ends_at=timezone.now() + timedelta(days=30)), user)
    banners = [BannerVariant.objects.create(campaign=campaign, index=i, body="<p>Summer sale</p>",
                                            fields={"Headline": "Summer sale", "Subline": "Oakmere Trail Jacket",
                                                    "Call to action": "Shop now"},
                                            guard={"passed": True}, status=status)
               for i, status in enumerate((BannerVariant.DRAFT, BannerVariant.APPROVED))]
    return {"products": [p.pk for p in products], "variants": [v.pk for v in variants],
            "requests": [r.pk for r in requests], "publications": [p.pk for p in publications], "jobs": [job.pk],
            "models": [version.pk], "service-messages": [m.pk for m in messages],
            "service-drafts": [d.pk for d in drafts], "campaigns": [campaign.pk],
            "banners": [b.pk for b in banners]}


@pytest.fixture
def api_schema(db, monkeypatch, request):
    # Throttling answers 429 after a few generation calls: raise it so the fuzzer reaches the views behind it.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"copygen_generate": "100000/minute"})
    cache.clear()
    user = staff_with_every_copygen_right()
    token = Token.objects.create(user=user)
    ids = catalogue(user)
    from shop_demo.wsgi import application

    # The real WSGI handler closes the database connection around each request, which would end the test's
    # transaction: detach that, as Django's test client does.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
        request.addfinalizer(lambda signal=signal: signal.connect(close_old_connections))

    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, application, headers=headers)
    schema.config.update(headers=headers)

    @schema.hook("map_path_parameters")
    def real_ids_mostly(ctx, path_parameters):
        """Two generated ids in three become an existing row's id; the rest stay as generated (404s)."""
        if not path_parameters:
            return path_parameters
        value = path_parameters.get("id")
        segment = ctx.operation.path.removeprefix("/api/copygen/").split("/")[0]
        known = ids.get(segment)
        if known and isinstance(value, int) and value % 3:
            path_parameters["id"] = known[value % len(known)]
        return path_parameters

    yield schema
    cache.clear()


# Not ``schemathesis.pytest.from_fixture``: its pytest integration (schemathesis 4.32) sets ``Node._nodeid``, which
# pytest 9.2 no longer has. Each operation runs as its own Hypothesis test here instead, in both generation modes.
FUZZ = hypothesis_settings(max_examples=10, deadline=None, derandomize=True, database=None, print_blob=False,
                            suppress_health_check=list(HealthCheck))


def test_no_generated_request_gets_a_server_error(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 30, [op.label for op in operations]
    failures, statuses = [], Counter()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FUZZ
            @given(case=operation.as_strategy(generation_mode=mode))
            def fuzz(case):
                response = case.call()
                statuses[response.status_code] += 1
                case.validate_response(response, checks=[not_a_server_error])

            try:
                fuzz()
            except Unsatisfiable:
                # Nothing to make invalid (no body, no required parameter): no negative cases to send.
                if mode != GenerationMode.NEGATIVE:
                    failures.append(f"{operation.label} ({mode.value}): no valid request could be generated")
            except (Exception, FailureGroup) as exc:  # noqa: BLE001  (every operation is tried, every failure told)
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
    # Not a vacuous pass: the token and rights let the fuzzer through to the views, and many calls succeeded.
    assert not statuses[401] and not statuses[403], statuses
    assert sum(n for code, n in statuses.items() if 200 <= code < 300) >= 50, statuses
