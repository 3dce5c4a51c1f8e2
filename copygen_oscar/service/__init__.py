"""Customer-service replies: messages in, grounded drafts out, a person approves before anything is sent.

intake (storefront forms, import, API) -> intents (MiniLM + logistic regression) -> context (the verified order,
policies, product facts: the only grounding) -> drafts (the engine's ``reply`` kind, every candidate guarded;
deterministic grounded templates when none passes) -> sending (staff approve, edit or discard; Oscar's
Dispatcher e-mails) -> masked training pairs.
"""
