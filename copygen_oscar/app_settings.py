"""Every ``COPYGEN_*`` setting with its default.

Values are read lazily from ``django.conf.settings`` on each access (``app_settings.COPYGEN_X``), so
``override_settings`` in tests and per-process environment in workers both take effect.
"""

from django.conf import settings

DEFAULTS = {
    # Dotted path of the generation backend class (one interface: copygen_oscar.backends.base.GenerationBackend).
    "COPYGEN_BACKEND": "copygen_oscar.backends.transformers.TransformersBackend",
    # Folder of the causal LM the transformers backend serves (a local path; nothing is fetched from a hub).
    "COPYGEN_MODEL_PATH": None,
    # "auto" picks CUDA when present (bf16 where supported), otherwise CPU; or name a torch device ("cpu", "cuda:1").
    "COPYGEN_DEVICE": "auto",
    # OpenAI-compatible server (vLLM, TGI, llama.cpp) for copygen_oscar.backends.openai.OpenAIBackend.
    "COPYGEN_OPENAI_BASE_URL": "http://127.0.0.1:8001/v1",
    # Model name the server knows.
    "COPYGEN_OPENAI_MODEL": "",
    # Bearer token, if the server wants one (read it from the environment in your settings).
    "COPYGEN_OPENAI_API_KEY": "",
    # "completions" for base models with the plain prompt format, "chat" for instruction-tuned ones.
    "COPYGEN_OPENAI_MODE": "completions",
    # Seconds per HTTP request, tries per prompt (429/5xx/timeouts are retried), and requests in flight at once.
    "COPYGEN_OPENAI_TIMEOUT": 60.0,
    "COPYGEN_OPENAI_RETRIES": 3,
    "COPYGEN_OPENAI_CONCURRENCY": 8,
    # Ask for a description automatically when a product without one is saved.
    "COPYGEN_AUTO_GENERATE": True,
    # Copy kinds requested automatically on save (for product classes without their own rule in the admin).
    "COPYGEN_AUTO_KINDS": ("description",),
    # Publish automatically generated copy without review when every guard check passed and no human copy is in the
    # way (for product classes without their own rule). Off: a person approves and publishes.
    "COPYGEN_AUTO_PUBLISH": False,
    # Variants generated per request (the merchant picks among them).
    "COPYGEN_VARIANTS_PER_REQUEST": 2,
    # Requests a worker claims and generates together in one batched forward pass.
    "COPYGEN_BATCH_SIZE": 16,
    # Upper bound on generated tokens per variant.
    "COPYGEN_MAX_NEW_TOKENS": 160,
    # Seed for sampling (None: fresh randomness each batch); a fixed seed makes a batch's output reproducible.
    "COPYGEN_SEED": None,
    # Sampling temperature and nucleus for generation.
    "COPYGEN_TEMPERATURE": 0.8,
    "COPYGEN_TOP_P": 0.95,
    # Sample only among this many likeliest tokens (0: no limit); 50 is transformers' own default.
    "COPYGEN_TOP_K": 50,
    # Above 1.0 discourages repeated tokens (it also discourages copying facts: keep it low for small models).
    "COPYGEN_REPETITION_PENALTY": 1.0,
    # Seconds a claimed request stays leased to one worker before the sweep hands it to another.
    "COPYGEN_LEASE_SECONDS": 300,
    # Claims of one request before it is failed for good (a request that keeps killing workers must stop).
    "COPYGEN_MAX_ATTEMPTS": 3,
    # A pending request older than this many seconds gets a fresh wake-up message from the sweep.
    "COPYGEN_STALE_PENDING_SECONDS": 20,
    # Celery queue of the model-holding workers (one solo worker per GPU).
    "COPYGEN_GPU_QUEUE": "copygen_gpu",
    # Most wake-ups one bulk job sends (one per batch it fills): set it to the number of GPU workers.
    "COPYGEN_WAKE_FANOUT": 4,
    # Seconds a product save may spend reaching a broker that is down (the request row is committed regardless).
    "COPYGEN_PUBLISH_TIMEOUT": 0.5,
    # Seconds between periodic sweeps (see copygen_oscar.schedules.beat_schedule).
    "COPYGEN_SWEEP_INTERVAL": 15.0,
    # Brand voice the prompts carry.
    "COPYGEN_BRAND_NAME": "",
    # Phrases copy must never contain (matched on words, case-insensitive); a candidate with one is dropped.
    "COPYGEN_BANNED_PHRASES": (),
    # Sentences every piece of copy must contain verbatim (e.g. a legal line); a candidate without one is dropped.
    "COPYGEN_REQUIRED_DISCLAIMERS": (),
    # Jaccard similarity (word 3-grams) with another product's description at which a description is a copy of it.
    "COPYGEN_NEAR_DUPLICATE": 0.8,
    # Least share of a product's attribute values a description must state (true copy that says nothing is weak).
    "COPYGEN_MIN_COVERAGE": 0.25,
    # Candidates generated per kept variant: the guard drops the untrue ones and the rerank keeps the best.
    "COPYGEN_CANDIDATES_PER_VARIANT": 3,
    # Weight of the realism score (P(human) from the model's discriminator, 0-1) in the rerank; 0 turns it off.
    "COPYGEN_REALISM_WEIGHT": 0.5,
    # Serving: pick among approved variants per product, kind and shopper segment (copygen_oscar.serving).
    "COPYGEN_SERVING": True,
    # Dotted path of the bandit policy (interface: copygen_oscar.serving.policy.BanditPolicy).
    "COPYGEN_BANDIT_POLICY": "copygen_oscar.serving.thompson.ThompsonSampling",
    # Callable(request) -> segment name; the default tells first visits from returning visitors.
    "COPYGEN_SEGMENTER": "copygen_oscar.serving.visitors.segment_for",
    # Every segment the segmenter can return (arm tables are kept per segment).
    "COPYGEN_SEGMENTS": ("new", "returning"),
    # Seconds an arm table stays cached if the tuning job does not rebuild it first.
    "COPYGEN_ARMS_TTL": 3600,
    # Hours after a decision in which a purchase of the product rewards it (+1); after that it counts -1.
    "COPYGEN_ATTRIBUTION_HOURS": 72.0,
    # Seconds the visitor cookie lives.
    "COPYGEN_VISITOR_COOKIE_AGE": 365 * 24 * 3600,
    # Where serving events wait for the flush: a Redis list, or an append-only file on a single machine.
    "COPYGEN_EVENT_BUFFER": "copygen_oscar.serving.events.FileBuffer",
    # Redis for the event buffer (RedisBuffer).
    "COPYGEN_REDIS_URL": "redis://127.0.0.1:6379/0",
    # Retire an approved variant whose probability of being best is under this after enough decisions...
    "COPYGEN_RETIRE_BELOW": 0.05,
    # ...that is, at least this many decisions with a reward.
    "COPYGEN_MIN_IMPRESSIONS": 200,
    # Variants kept alive per product and kind: the tuning job asks for challengers when retiring leaves fewer.
    "COPYGEN_LIVE_VARIANTS": 3,
    # The learned reward model (copygen_oscar.tuning.reward_model): its class, its file (default: VAR_DIR of the
    # settings, else the working folder), the comparable pairs of copy it needs before training, the decisions an
    # arm needs to count, and its weight in the reranker (its score is 0-1; 0 turns it off).
    "COPYGEN_REWARD_MODEL": "copygen_oscar.tuning.reward_model.MiniLMRewardModel",
    "COPYGEN_REWARD_MODEL_PATH": None,
    "COPYGEN_REWARD_MIN_PAIRS": 20,
    "COPYGEN_REWARD_MIN_TRIALS": 20,
    "COPYGEN_REWARD_WEIGHT": 0.5,
    # Generator tuning (KTO on the store's conversions, copygen.tune_generator): labelled variants of each kind
    # (good and bad) needed before tuning, how sure a label must be (P(better than the rest)), and the folder tuned
    # models are written to (None: the task reports that it is not configured).
    "COPYGEN_TUNE_MIN_ROWS": 20,
    "COPYGEN_TUNE_CONFIDENCE": 0.9,
    "COPYGEN_TUNED_MODELS_DIR": None,
    # Seconds between event flushes and between policy tuning runs (copygen_oscar.schedules.beat_schedule).
    "COPYGEN_FLUSH_INTERVAL": 10.0,
    "COPYGEN_TUNE_INTERVAL": 300.0,
    # Banner campaigns (copygen_oscar.banners): brand colours of the rendered banners (text falls back to white or
    # near-black where the brand's text colour would miss the contrast minimum), the logo file (None: no logo), the
    # least WCAG contrast of text against the pixels under it, the largest product image read (pixels), where the
    # images are stored (default storage), the variants asked per campaign, and the sizes rendered.
    "COPYGEN_BANNER_COLOURS": {"background": "#1f3a5f", "text": "#ffffff", "accent": "#f2b33d",
                               "accent_text": "#111111"},
    "COPYGEN_BANNER_LOGO": None,
    "COPYGEN_BANNER_MIN_CONTRAST": 4.5,
    "COPYGEN_BANNER_MAX_IMAGE_PIXELS": 40_000_000,
    "COPYGEN_BANNER_STORAGE_PREFIX": "copygen/banners",
    "COPYGEN_BANNER_VARIANTS": 3,
    "COPYGEN_BANNER_SIZES": ("leaderboard", "medium_rectangle", "social", "square", "hero"),
    # Service replies (copygen_oscar.service): days a customer has to return an item (the returns policy drafts state).
    "COPYGEN_SERVICE_RETURNS_DAYS": 30,
    # Shipping times per shipping method name ({"Standard shipping": "3-5 working days"}); "*" is any other method.
    "COPYGEN_SERVICE_SHIPPING_TIMES": {"*": "3-5 working days"},
    # URLs of flat pages (e.g. "/returns/") whose text is store policy a reply may state (cleaned, bounded).
    "COPYGEN_SERVICE_POLICY_PAGES": (),
    # Where customers reach a person: the hand-over line names it (an e-mail address or a page).
    "COPYGEN_SERVICE_CONTACT": "our customer service team",
    # Greeting and sign-off of every reply ({name}: the customer's first name, or "there").
    "COPYGEN_SERVICE_GREETING": "Hello {name},",
    "COPYGEN_SERVICE_SIGN_OFF": "Kind regards,\nThe customer service team",
    # Tone of model drafts (one of kinds.TONES, or "" for the store's plain voice).
    "COPYGEN_SERVICE_TONE": "friendly",
    # Intent confidence under which a draft hands the customer over to a person.
    "COPYGEN_SERVICE_MIN_CONFIDENCE": 0.5,
    # Intents whose drafts hand over to a person whatever the confidence.
    "COPYGEN_SERVICE_HANDOVER_INTENTS": ("complaint",),
    # Intents whose drafts are e-mailed without review when every check passes (empty: staff send every reply).
    "COPYGEN_SERVICE_AUTO_SEND_INTENTS": (),
    # Model candidates generated per message (the guard drops untrue ones; none left: a grounded template reply).
    "COPYGEN_SERVICE_CANDIDATES": 4,
    # Celery queue of the drafting task (None: the default queue, i.e. the CPU workers; the model loads there too).
    "COPYGEN_SERVICE_QUEUE": None,
    # Messages per sender IP address per window on the public forms: (count, seconds).
    "COPYGEN_SERVICE_FORM_RATE": (5, 600),
    # Behind a proxy, the request header holding the client's address for the form's rate limit (e.g.
    # "HTTP_X_REAL_IP", or "HTTP_X_FORWARDED_FOR": its last hop); None uses REMOTE_ADDR.
    "COPYGEN_SERVICE_CLIENT_IP_HEADER": None,
    # Characters kept of a customer's message (longer ones are cut on a word boundary).
    "COPYGEN_SERVICE_MAX_MESSAGE": 4000,
    # Path of the intent classifier's weights (None: the file shipped in the package, trained on first use if absent).
    "COPYGEN_SERVICE_INTENT_MODEL_PATH": None,
    # Bearer token that may read /metrics/ (Prometheus) besides staff with the view right; "" means staff only.
    "COPYGEN_METRICS_TOKEN": "",
}


def __getattr__(name):
    if name in DEFAULTS:
        return getattr(settings, name, DEFAULTS[name])
    raise AttributeError(name)
