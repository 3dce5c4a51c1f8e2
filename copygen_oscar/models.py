from oscar.core.loading import is_model_registered

from .abstract_models import AbstractCopyVariant, AbstractGenerationRequest, AbstractModelVersion

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
