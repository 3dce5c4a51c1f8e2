"""The reward model learns from the decision log and the reranker uses it for new candidates."""

import uuid

import pytest
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test.factories import create_product

from copygen_oscar.kinds import ParsedCopy
from copygen_oscar.requests import rank
from copygen_oscar.tuning.reward_training import context, reward_scorer, train_reward_model

CopyVariant = get_model("copygen", "CopyVariant")
Impression = get_model("copygen", "Impression")

pytestmark = pytest.mark.django_db
GIFT = "<p>Wrapped and ready as a gift, with a handwritten card.</p>"
PLAIN = "<p>Ships in a brown box within two days.</p>"


def logged(product, body, wins, trials):
    variant = CopyVariant.objects.create(product=product, kind="description", body=body, status="approved")
    Impression.objects.bulk_create([Impression(
        event_id=uuid.uuid4(), shown_at=timezone.now(), visitor=f"v{i}", product=product, kind="description",
        segment="new", variant=variant, arm=str(variant.pk), probability=0.5, arms={},
        reward=1 if i < wins else -1) for i in range(trials)])


def test_the_log_trains_a_reward_model_that_orders_new_candidates(tmp_path, settings):
    settings.COPYGEN_REWARD_MODEL_PATH = str(tmp_path / "reward.npz")
    assert train_reward_model() == {"skipped": "no decisions with an outcome yet"}
    for i in range(12):
        product = create_product(title=f"Gift Candle {i}")
        logged(product, GIFT.replace("card", f"card no. {i}"), wins=12, trials=40)
        logged(product, PLAIN.replace("two", f"{i + 2}"), wins=3, trials=40)
    assert "needed" in train_reward_model(min_pairs=100)["skipped"]
    report = train_reward_model(min_pairs=10)
    assert report["pairs"] == 12 and (tmp_path / "reward.npz").is_file()

    score = reward_scorer()
    where = context("description", "new", "")
    unseen = score(["Wrapped as a gift with a card, ready to give.", "Ships in a box within days."], [where] * 2)
    assert unseen[0] > unseen[1]

    # The reranker weighs it in: with equal guard scores, the copy shoppers convert on comes first.
    settings.COPYGEN_REWARD_WEIGHT = 1.0
    plain, gift = (ParsedCopy(body=b, scores={}) for b in (PLAIN, GIFT))
    verdict = type("V", (), {"coverage": 0.5, "as_dict": lambda self: {"passed": True}})()
    kept = rank([(1.0, plain, verdict, "a"), (1.0, gift, verdict, "b")], [], 2, 2, rewards=[0.2, 0.8])
    assert [parsed.body for parsed, *_ in kept] == [GIFT, PLAIN] and kept[0][1]["reward"] == 0.8
