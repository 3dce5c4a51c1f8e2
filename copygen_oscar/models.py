from oscar.core.loading import is_model_registered

from .abstract_models import (
    AbstractAuditEvent,
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
