from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from ..kinds import KINDS, TONES
from ..requests import MAX_VARIANTS
from ..workflow.jobs import MAX_PRODUCTS

Category = get_model("catalogue", "Category")
ProductClass = get_model("catalogue", "ProductClass")

# Service replies are drafted from customer messages, not from a product page.
PRODUCT_KINDS = [(name, name.replace("_", " ")) for name in KINDS if name != "reply"]
TONE_CHOICES = [("", _("Brand default"))] + [(tone, tone) for tone in TONES]


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(choices=PRODUCT_KINDS)
    tone = forms.ChoiceField(choices=TONE_CHOICES, required=False)
    segment = forms.CharField(max_length=64, required=False,
                              help_text=_("Shoppers the copy is for, e.g. gift buyers or returning visitors."))
    n = forms.IntegerField(min_value=1, max_value=MAX_VARIANTS, initial=2, label=_("Variants"))


class ProductIdsField(forms.Field):
    """Ticked product ids; which exist is checked by the job itself (copygen_oscar.workflow.jobs)."""

    widget = forms.SelectMultiple

    def to_python(self, value):
        try:
            return [int(v) for v in value or []]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Product ids are whole numbers.")) from None


class BulkJobForm(forms.Form):
    MODES = [
        ("products", _("The products ticked below")),
        ("category", _("Every product in a category")),
        ("product_class", _("Every product of a class")),
        ("missing", _("Every product without a description")),
    ]
    mode = forms.ChoiceField(choices=MODES, widget=forms.RadioSelect, initial="products")
    products = ProductIdsField(required=False)
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False)
    product_class = forms.ModelChoiceField(queryset=ProductClass.objects.all(), required=False)
    kinds = forms.MultipleChoiceField(choices=PRODUCT_KINDS, widget=forms.CheckboxSelectMultiple,
                                      initial=["description"])
    tone = forms.ChoiceField(choices=TONE_CHOICES, required=False)
    segment = forms.CharField(max_length=64, required=False)
    n = forms.IntegerField(min_value=1, max_value=MAX_VARIANTS, initial=2, label=_("Variants per product"))

    def clean_products(self):
        products = self.cleaned_data["products"]
        if len(products) > MAX_PRODUCTS:
            raise forms.ValidationError(_("At most %(n)s products per job.") % {"n": MAX_PRODUCTS})
        return products

    def selection(self):
        data, mode = self.cleaned_data, self.cleaned_data["mode"]
        if mode == "products":
            return {"mode": mode, "ids": data["products"]}
        if mode in ("category", "product_class"):
            chosen = data.get(mode)
            return {"mode": mode, mode: chosen.pk if chosen else None}
        return {"mode": mode}
