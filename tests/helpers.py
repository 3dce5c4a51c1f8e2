from oscar.core.loading import get_model

GenerationRequest = get_model("copygen", "GenerationRequest")


def finished(request):
    """The request, reloaded, once a worker has written its outcome; None before."""
    request.refresh_from_db()
    return request if request.status in (GenerationRequest.DONE, GenerationRequest.FAILED) else None
