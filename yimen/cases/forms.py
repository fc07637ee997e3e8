"""Front-desk forms (errors in the reader's language; the services check again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yimen.lib.idcodes import is_valid_credit_code, is_valid_id_number, normalize_id_number

from .constants import ApplicantType


class ApplicantForm(forms.Form):
    situation = forms.TypedChoiceField(label=_("Situation"), coerce=int, widget=forms.RadioSelect)
    applicant_type = forms.ChoiceField(label=_("Applicant"), choices=ApplicantType.choices, initial=ApplicantType.PERSON,
                                       widget=forms.RadioSelect)
    applicant_name = forms.CharField(label=_("Name"), max_length=100)
    id_number = forms.CharField(label=_("ID number (person)"), max_length=18, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "latin"}))
    credit_code = forms.CharField(label=_("Unified social credit code (organisation)"), max_length=18, required=False,
                                  widget=forms.TextInput(attrs={"autocomplete": "off"}))
    phone = forms.RegexField(label=_("Mobile phone"), regex=r"^1\d{10}$", required=False,
                             error_messages={"invalid": _("Enter an 11-digit mobile number.")},
                             widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    agent_name = forms.CharField(label=_("Agent (if someone applies on the applicant's behalf)"), max_length=100,
                                 required=False)
    agent_id_number = forms.CharField(label=_("Agent's ID number"), max_length=18, required=False,
                                      widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args, situations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["situation"].choices = [(s.pk, s.name) for s in situations]
        if len(situations) == 1:
            self.fields["situation"].initial = situations[0].pk

    def clean(self):
        data = super().clean()
        kind = data.get("applicant_type")
        if kind == ApplicantType.PERSON and not is_valid_id_number(normalize_id_number(data.get("id_number", ""))):
            self.add_error("id_number", _("This ID number is not valid (check digit of GB 11643)."))
        if kind == ApplicantType.ORGANISATION and not is_valid_credit_code(
                normalize_id_number(data.get("credit_code", ""))):
            self.add_error("credit_code", _("This credit code is not valid (check character of GB 32100)."))
        agent = normalize_id_number(data.get("agent_id_number", ""))
        if agent and not is_valid_id_number(agent):
            self.add_error("agent_id_number", _("This ID number is not valid (check digit of GB 11643)."))
        return data
