from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from .models import Choice, Guide, ItemChange, Manual, Material, ServiceItem


class GuideForm(forms.ModelForm):
    class Meta:
        model = Guide
        fields = ["conditions", "procedure", "basis", "quantity_limit", "result_delivery", "notes",
                  "revision_reason", "revision_note"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in ["conditions", "procedure", "basis", "notes"]}


class ManualForm(forms.ModelForm):
    class Meta:
        model = Manual
        fields = ["review_points", "criteria", "steps", "templates"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in fields}


class MaterialForm(forms.ModelForm):
    class Meta:
        model = Material
        fields = ["order", "name", "necessity", "form", "kind", "copies", "source", "acceptance_standard",
                  "exempt_reason", "exempt_reference", "condition"]
        widgets = {"acceptance_standard": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["condition"].queryset = Choice.objects.filter(question__item=item).select_related("question")
        self.fields["acceptance_standard"].required = True
        self.fields["acceptance_standard"].error_messages["required"] = _("Every material needs its acceptance standard.")


MaterialFormSet = inlineformset_factory(Guide, Material, form=MaterialForm, extra=1, can_delete=True)


class ItemChangeForm(forms.ModelForm):
    class Meta:
        model = ItemChange
        fields = ["center", "kind", "item", "on_window_list", "on_terminal_list", "reason", "legal_basis"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 2}), "legal_basis": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        items = ServiceItem.objects.select_related("agency").order_by("code")
        if user is not None and user.role == "agency_editor" and not user.is_superuser:
            items = items.filter(agency_id=user.agency_id)
        self.fields["item"].queryset = items
        if user is not None and user.center_id:
            self.fields["center"].initial = user.center_id
