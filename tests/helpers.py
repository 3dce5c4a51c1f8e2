from oscar.core.loading import get_model

GenerationRequest = get_model("copygen", "GenerationRequest")


def finished(request):
    """The request, reloaded, once a worker has written its outcome; None before."""
    request.refresh_from_db()
    return request if request.status in (GenerationRequest.DONE, GenerationRequest.FAILED) else None


def demo_products_cleared(n=1, offset=0, clear=True):
    """Load the demo catalogue, then clear the human copy of ``n`` products and save them as a merchant would.

    The saves ask for copy; the test model was trained on this catalogue's copy, so it can write true copy.
    """
    import io

    from django.core.management import call_command

    Product = get_model("catalogue", "Product")
    call_command("copygen_demo_catalogue", stdout=io.StringIO())
    products = list(Product.objects.exclude(description="").order_by("upc")[offset : offset + n])
    for product in products if clear else []:
        product.description = ""
        product.save()
    return products
