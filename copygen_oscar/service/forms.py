from django import forms
from django.utils.translation import gettext_lazy as _

MAX_BODY = 4000


class QuestionForm(forms.Form):
    """A question about one of the signed-in customer's own orders (the order comes from the URL)."""

    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    message = forms.CharField(label=_("Your question"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 5}))
    # Honeypot: hidden from people, filled by bots; a filled one is refused.
    website = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("Your message could not be sent."))
        return ""

    def clean_message(self):
        text = self.cleaned_data["message"].strip()
        if len(text) < 3:
            raise forms.ValidationError(_("Please write a little more."))
        return text


class ContactForm(QuestionForm):
    """The general form: anyone. An order number needs the e-mail address the order was placed with."""

    name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    order_number = forms.CharField(label=_("Order number (optional)"), max_length=64, required=False)

    field_order = ["name", "email", "order_number", "subject", "message"]
