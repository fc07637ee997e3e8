"""The citizen's booking form (errors in the reader's language; the service checks again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

ID_HINT = _("18 characters; the last may be X. An enterprise enters its unified social credit code.")


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    id_number = forms.CharField(label=_("ID number or unified social credit code"), max_length=20,
                                help_text=ID_HINT,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                                              "autocapitalize": "characters"}))
    phone = forms.CharField(label=_("Mobile phone"), max_length=11, help_text=_("11 digits"),
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))

    # service refusal code -> the field it is about
    FIELD_OF = {"bad_name": "name", "invalid_id": "id_number", "invalid_credit_code": "id_number",
                "invalid_phone": "phone", "duplicate": "id_number", "blocked": "id_number",
                "rate_limited": "phone"}

    def add_refusal(self, code: str, message: str) -> None:
        self.add_error(self.FIELD_OF.get(code), message)

    def aria(self) -> None:
        """aria-invalid and aria-describedby on fields with errors (a11y-security A6)."""
        for name, field in self.fields.items():
            described = [f"{name}-help"] if field.help_text else []
            if name in self.errors:
                field.widget.attrs["aria-invalid"] = "true"
                described.append(f"{name}-error")
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)
