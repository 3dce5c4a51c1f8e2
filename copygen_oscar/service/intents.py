"""What a customer's message is about: a softmax regression on the offline MiniLM encoder's embeddings.

The training set is this project's own: short hand-written phrasings per intent (below), expanded with openers,
products and order numbers. No sentence of any public data set is in it; the benchmark
(``benchmarks/service_replies.py``) measures the classifier on labelled real conversations instead.

The fitted weights (384 x 8 floats, a bias per intent and a JSON metadata string) ship in the package as
``intent_weights.npz``, read with ``allow_pickle=False``. When the file is missing (or ``COPYGEN_SERVICE_INTENT_MODEL_PATH``
names one that does not exist yet) the classifier trains on first use, a few seconds on a CPU, and saves it there;
``python -m copygen_oscar.service.intents`` retrains the shipped file.
"""

import json
import logging
import random
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import app_settings
from ..weights import save_npz

logger = logging.getLogger(__name__)

INTENTS = ("order_status", "delivery_problem", "return_refund", "exchange_size", "product_question",
           "discount_code", "complaint", "other")
FORMAT = 1
SHIPPED = Path(__file__).with_name("intent_weights.npz")

# Hand-written for this project. {product} and {number} are filled from the lists below.
PHRASES = {
    "order_status": [
        "where is my order", "when will my order arrive", "has my order been shipped yet",
        "can you tell me the status of order {number}", "I placed an order last week and have heard nothing",
        "what is happening with my {product} order", "is my parcel on its way", "has order {number} been dispatched",
        "any update on my order", "I would like to know when my {product} will be sent",
        "could you check on my purchase please", "how long until my order ships", "my order still says pending",
        "I ordered a {product} on Monday, when does it leave the warehouse", "can I get a tracking update",
        "what is the delivery date for my order", "when should I expect my package",
        "just checking in on order {number}", "is there a tracking number for my order",
        "the order confirmation came but nothing since, where is it",
    ],
    "delivery_problem": [
        "my parcel never arrived", "the tracking says delivered but I have nothing", "the box arrived damaged",
        "my {product} arrived broken", "the courier left my package outside in the rain",
        "I received someone else's parcel", "half of my order is missing", "the delivery is two weeks late",
        "the driver did not follow my delivery instructions", "my package was sent to the wrong address",
        "only one item of order {number} came", "the parcel was lost in transit", "delivery keeps getting postponed",
        "the {product} was crushed when it got here", "nobody knocked and now the parcel went back",
        "my order {number} has not turned up", "it says out for delivery for five days now",
        "the package was opened when it arrived", "I was missing an item from the box",
        "can you resend my order, it never came",
    ],
    "return_refund": [
        "I want to return my {product}", "how do I send this back for a refund", "when will I get my money back",
        "I returned order {number} but have not been refunded", "what is your returns policy",
        "can I get a refund for this", "I would like to return an item", "how many days do I have to return something",
        "the refund has not reached my card", "please refund order {number}", "I no longer want the {product}",
        "do you cover return postage", "I sent the item back, where is my refund", "can I cancel and get a refund",
        "how do I get a return label", "I changed my mind about my purchase", "the {product} is faulty, I want a refund",
        "is it too late to return my order", "my refund is still pending", "I was charged but want to return it",
    ],
    "exchange_size": [
        "the {product} is too small, can I swap it for a bigger size", "can I exchange this for a different size",
        "I need a medium instead of a large", "the size guide was wrong, it does not fit",
        "can I change the colour of my {product}", "I ordered the wrong size", "does this run small or large",
        "could I exchange order {number} for a size up", "the fit is too tight", "I want to swap it for another colour",
        "what size should I get if I am usually a 10", "the shoes are half a size too big",
        "can you send a smaller one and I will return this one", "is an exchange possible instead of a refund",
        "the {product} is too long for me, do you have it shorter", "how do exchanges work",
        "I need to exchange a gift for a different size", "the trousers do not fit at the waist",
        "can I get the next size down", "which size is right for me",
    ],
    "product_question": [
        "is the {product} waterproof", "what is the {product} made of", "does the {product} come with a warranty",
        "how big is the {product}", "is the {product} in stock", "when will the {product} be back in stock",
        "can the {product} go in the dishwasher", "what colours does the {product} come in",
        "how much does the {product} weigh", "is the {product} suitable for children", "does it need batteries",
        "what is the difference between these two models", "how do I clean the {product}",
        "is this compatible with my phone", "do you sell spare parts for the {product}", "what are the dimensions",
        "is the {product} vegan", "how long does the battery last", "do you offer gift wrapping",
        "how much is the {product}",
    ],
    "discount_code": [
        "my discount code is not working", "the promo code says invalid", "I forgot to apply my voucher",
        "can I still use my code on order {number}", "when does the discount code expire", "do you have any offers",
        "the voucher did not take money off", "can I combine two codes", "where do I enter my promo code",
        "I was promised a discount code in your email", "is there a student discount", "my coupon was rejected at checkout",
        "the sale price was not applied to my {product}", "can you give me the discount after I paid",
        "is there a code for free delivery", "the newsletter code does not work", "how much is the discount",
        "the gift card will not apply", "my code has expired, can you extend it", "do you price match",
    ],
    "complaint": [
        "this is the worst service I have ever had", "I am very disappointed with your store", "this is unacceptable",
        "I want to make a formal complaint", "nobody answers my emails, terrible", "your staff were rude to me",
        "I will never shop here again", "this is a disgrace", "I am furious about how I have been treated",
        "you are ripping customers off", "I have been waiting weeks and nobody cares", "shame on you",
        "your prices are outrageous and greedy", "I want to speak to a manager", "this company is a scam",
        "appalling quality and appalling service", "I am going to report you", "stop profiteering from your customers",
        "I am sick of being ignored", "the worst experience, avoid this shop",
    ],
    "other": [
        "what are your opening hours", "do you have a physical store", "I cannot log in to my account",
        "how do I reset my password", "can I change my email address", "how do I unsubscribe from your emails",
        "do you ship abroad", "are you hiring", "how do I delete my account", "can I pay with a bank transfer",
        "do you have an app", "I want to update my billing details", "can I become a wholesale partner",
        "how do I contact you by phone", "thank you for your help", "hello", "I have a question",
        "can I change my subscription", "do you have a loyalty scheme", "who owns this company",
    ],
}
OPENERS = ("", "hi, ", "hello, ", "good morning, ", "hey ", "excuse me, ", "dear team, ", "quick question: ")
CLOSERS = ("", "", " thanks", " please help", " thank you", "?", "!", " cheers")
PRODUCTS = ("jacket", "kettle", "t-shirt", "headphones", "mug", "backpack", "lamp", "trainers", "dress", "phone case")
NUMBERS = ("100042", "100117", "#4821", "200913", "A-5530")


class IntentModelError(ValueError):
    """The weights file cannot be read or does not match this classifier."""


def training_examples(per_phrase=6, seed=7):
    """(text, intent) pairs: every phrasing a few times, with openers, closers, products and numbers filled in."""
    rng = random.Random(seed)
    rows = []
    for intent, phrases in PHRASES.items():
        for phrase in phrases:
            for _ in range(per_phrase):
                text = phrase.format(product=rng.choice(PRODUCTS), number=rng.choice(NUMBERS))
                text = rng.choice(OPENERS) + text + rng.choice(CLOSERS)
                rows.append((text[0].upper() + text[1:] if rng.random() < 0.5 else text, intent))
    rng.shuffle(rows)
    return rows


def fit(embeddings, labels, *, l2=1e-3, steps=400, lr=2.0):
    """Softmax regression by full-batch gradient descent: (weights (d x k), bias (k,))."""
    x = np.asarray(embeddings, dtype=np.float64)
    y = np.zeros((len(labels), len(INTENTS)))
    y[np.arange(len(labels)), [INTENTS.index(label) for label in labels]] = 1.0
    weights, bias = np.zeros((x.shape[1], len(INTENTS))), np.zeros(len(INTENTS))
    for _ in range(steps):
        probabilities = softmax(x @ weights + bias)
        error = (probabilities - y) / len(x)
        weights -= lr * (x.T @ error + l2 * weights)
        bias -= lr * error.sum(axis=0)
    return weights, bias


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class Prediction:
    intent: str
    confidence: float
    probabilities: dict


class IntentClassifier:
    def __init__(self, weights, bias, meta):
        self.weights = np.asarray(weights, dtype=np.float64)
        self.bias = np.asarray(bias, dtype=np.float64).reshape(-1)
        self.meta = dict(meta)
        if self.weights.shape != (384, len(INTENTS)) or tuple(self.meta.get("intents", ())) != INTENTS:
            raise IntentModelError("the intent weights do not match this classifier's intents or encoder")

    @classmethod
    def train(cls, per_phrase=6):
        from ..training.discriminator import Encoder

        rows = training_examples(per_phrase)
        weights, bias = fit(Encoder.embed([text for text, _ in rows]), [label for _, label in rows])
        return cls(weights, bias, {"format": FORMAT, "intents": list(INTENTS), "encoder": Encoder.name,
                                   "examples": len(rows), "source": "copygen_oscar.service.intents.PHRASES"})

    def save(self, path):
        return save_npz(path, self.meta, weights=self.weights.astype(np.float32), bias=self.bias.astype(np.float32))

    @classmethod
    def load(cls, path):
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(data["weights"], data["bias"], json.loads(str(data["meta"])))
        except (OSError, ValueError, KeyError) as exc:
            raise IntentModelError(f"cannot read intent weights {path}: {exc}") from exc

    def predict(self, texts):
        from ..training.discriminator import Encoder

        texts = list(texts)
        if not texts:
            return []
        probabilities = softmax(Encoder.embed(texts).astype(np.float64) @ self.weights + self.bias)
        out = []
        for row in probabilities:
            best = int(row.argmax())
            out.append(Prediction(INTENTS[best], round(float(row[best]), 4),
                                  {intent: round(float(p), 4) for intent, p in zip(INTENTS, row)}))
        return out


_lock = threading.Lock()
_loaded = {}


def classifier():
    """The classifier of this process: the configured or shipped weights, trained and saved first when missing."""
    path = Path(app_settings.COPYGEN_SERVICE_INTENT_MODEL_PATH or SHIPPED)
    with _lock:
        if path not in _loaded:
            if path.is_file():
                _loaded[path] = IntentClassifier.load(path)
            else:
                logger.info("copygen: no intent weights at %s; training them now", path)
                model = IntentClassifier.train()
                try:
                    model.save(path)
                except OSError as exc:  # a read-only install still classifies, it just trains again next process
                    logger.warning("copygen: could not save the intent weights to %s: %s", path, exc)
                _loaded[path] = model
        return _loaded[path]


def classify(texts):
    return classifier().predict(texts)


if __name__ == "__main__":
    model = IntentClassifier.train()
    print(f"wrote {model.save(SHIPPED)} ({model.meta['examples']} examples)")
