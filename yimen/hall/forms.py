from django import forms
from django.utils.translation import gettext_lazy as _

from .constants import PauseReason
from .models import Center, Window
from .services import NOTE_MAX


class SignInForm(forms.Form):
    window = forms.ModelChoiceField(label=_("Window"), queryset=Window.objects.none(), empty_label=_("Choose a window"),
                                    error_messages={"required": _("Choose the window you sit at."),
                                                    "invalid_choice": _("Choose one of your center's windows.")})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["window"].queryset = Window.objects.filter(center_id=user.center_id, is_active=True)


class PauseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", _("Choose a reason")), *PauseReason.choices],
                               error_messages={"required": _("Choose why you step away."),
                                               "invalid_choice": _("Choose a reason from the list.")})
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_MAX,
                           help_text=_("Required for 'other'; for example where you went."))

    def clean(self):
        data = super().clean()
        if data.get("reason") == PauseReason.OTHER and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why when the reason is 'other'."))
        return data


class CenterChoiceForm(forms.Form):
    center = forms.ModelChoiceField(label=_("Center"), queryset=Center.objects.none(), to_field_name="code",
                                    empty_label=None, required=False)

    def __init__(self, *args, centers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers
