from oscar.core.loading import is_model_registered

from .abstract_models import (
    AbstractBannerCampaign,
    AbstractBannerVariant,
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
    AbstractServiceDraft,
    AbstractServiceMessage,
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

if not is_model_registered("copygen", "BannerCampaign"):

    class BannerCampaign(AbstractBannerCampaign):
        pass

    __all__.append("BannerCampaign")

if not is_model_registered("copygen", "BannerVariant"):

    class BannerVariant(AbstractBannerVariant):
        pass

    __all__.append("BannerVariant")

if not is_model_registered("copygen", "ServiceMessage"):

    class ServiceMessage(AbstractServiceMessage):
        pass

    __all__.append("ServiceMessage")

if not is_model_registered("copygen", "ServiceDraft"):

    class ServiceDraft(AbstractServiceDraft):
        pass

    __all__.append("ServiceDraft")
