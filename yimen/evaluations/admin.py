"""Evaluations and work orders are viewed here and changed only through `services` (every change
of a work order is an event); evaluator data is shown masked. Reason tags are center data, edited
here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from yimen.lib.admin import EventInline, MaskedReadOnlyAdmin, ReadOnlyAdminMixin, ReadOnlyInline

from .models import (
    Appeal,
    BadReview,
    BadReviewEvent,
    ContactAttempt,
    Evaluation,
    GuideRevisionTask,
    ReasonTag,
    Rectification,
    ReviewEscalation,
)


@admin.register(ReasonTag)
class ReasonTagAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "center", "sort", "is_active"]
    list_filter = ["center", "is_active"]
    list_editable = ["sort", "is_active"]


@admin.register(Evaluation)
class EvaluationAdmin(MaskedReadOnlyAdmin):
    list_display = ["pk", "center", "channel", "level", "status", "case", "ticket", "window", "staff", "item",
                    "real_name", "masked_applicant_name", "masked_applicant_phone", "created_at"]
    list_filter = ["center", "channel", "level", "status", "real_name"]
    date_hierarchy = "created_at"
    exclude = ["applicant_name", "applicant_phone", "applicant_index", "token_hash", "reason_tags"]
    masked_fields = ["masked_applicant_name", "masked_applicant_phone", "tags"]

    @admin.display(description=_("evaluator name"))
    def masked_applicant_name(self, obj):
        return obj.masked_name

    @admin.display(description=_("evaluator phone"))
    def masked_applicant_phone(self, obj):
        return obj.masked_phone

    @admin.display(description=_("reason tags"))
    def tags(self, obj):
        return "、".join(t.name for t in obj.reason_tags.all())


class BadReviewEventInline(EventInline):
    model = BadReviewEvent


class ContactAttemptInline(ReadOnlyInline):
    model = ContactAttempt


class RectificationInline(ReadOnlyInline):
    model = Rectification


class AppealInline(ReadOnlyInline):
    model = Appeal


@admin.register(BadReview)
class BadReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "center", "state", "round", "owner", "agency", "window", "real_name", "contact_due",
                    "feedback_due", "callback_due", "is_complex", "received_at"]
    list_filter = ["center", "state", "is_complex", "real_name", "verification", "reply_rating"]
    date_hierarchy = "received_at"
    inlines = [ContactAttemptInline, RectificationInline, AppealInline, BadReviewEventInline]


@admin.register(BadReviewEvent)
class BadReviewEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["review", "seq", "action", "from_state", "to_state", "actor", "at"]
    list_filter = ["action"]


@admin.register(GuideRevisionTask)
class GuideRevisionTaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "center", "agency", "item", "state", "created_at", "done_at"]
    list_filter = ["center", "state", "agency"]


@admin.register(ReviewEscalation)
class ReviewEscalationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["review", "due_kind", "due_date", "level", "created_at"]
    list_filter = ["due_kind", "level"]
