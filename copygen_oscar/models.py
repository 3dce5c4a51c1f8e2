from oscar.core.loading import is_model_registered

from .abstract_models import (
    AbstractAttributedOrder,
    AbstractAuditEvent,
    AbstractBasketEvent,
    AbstractEventCounter,
    AbstractImpression,
    AbstractAutoRule,
    AbstractBulkJob,
    AbstractCopyVariant,
    AbstractGenerationRequest,
    AbstractModelVersion,
    AbstractPublication,
)

__all__ = []

if not is_model_registered("copygen", "ModelVersion"):

    class ModelVersion(AbstractModelVersion):
        pass

    __all__.append("ModelVersion")

if not is_model_registered("copygen", "GenerationRequest"):

    class GenerationRequest(AbstractGenerationRequest):
        pass

    __all__.append("GenerationRequest")

if not is_model_registered("copygen", "CopyVariant"):

    class CopyVariant(AbstractCopyVariant):
        pass

    __all__.append("CopyVariant")

if not is_model_registered("copygen", "BulkJob"):

    class BulkJob(AbstractBulkJob):
        pass

    __all__.append("BulkJob")

if not is_model_registered("copygen", "Publication"):

    class Publication(AbstractPublication):
        pass

    __all__.append("Publication")

if not is_model_registered("copygen", "AuditEvent"):

    class AuditEvent(AbstractAuditEvent):
        pass

    __all__.append("AuditEvent")

if not is_model_registered("copygen", "AutoRule"):

    class AutoRule(AbstractAutoRule):
        pass

    __all__.append("AutoRule")

if not is_model_registered("copygen", "Impression"):

    class Impression(AbstractImpression):
        pass

    __all__.append("Impression")

if not is_model_registered("copygen", "BasketEvent"):

    class BasketEvent(AbstractBasketEvent):
        pass

    __all__.append("BasketEvent")

if not is_model_registered("copygen", "AttributedOrder"):

    class AttributedOrder(AbstractAttributedOrder):
        pass

    __all__.append("AttributedOrder")

if not is_model_registered("copygen", "EventCounter"):

    class EventCounter(AbstractEventCounter):
        pass

    __all__.append("EventCounter")
