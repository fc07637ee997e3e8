"""The service catalogue (事项目录, domain.md §3.2).

Invariants checked in `clean()` (and therefore in the admin and the API, which both call
`full_clean`): promised <= legal in one unit; depth IV means zero visits; visits > 0 need a
reason; both phones present and different; fees need a basis, a standard and fee items.
Publishing a guide goes through `services.publish_guide`, which checks its materials.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from yimen.lib.pinyin import pinyin_forms
from yimen.workdays.constants import LimitUnit

from .constants import (
    AgencyNature,
    Audience,
    CaseType,
    ChangeKind,
    ChangeState,
    DocStatus,
    ExemptReason,
    ItemStatus,
    ItemType,
    MaterialForm,
    MaterialKind,
    Necessity,
    OnlineDepth,
    RevisionReason,
    Scope,
)


class Agency(models.Model):
    code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    nature = models.CharField(_("nature"), max_length=12, choices=AgencyNature.choices, default=AgencyNature.STATUTORY)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("parent"))
    is_stationed = models.BooleanField(_("stationed in the center"), default=True)
    sort = models.PositiveSmallIntegerField(_("sort order"), default=100)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["sort", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from yimen.lib.idcodes import is_valid_credit_code

        if self.code and not is_valid_credit_code(self.code):
            raise ValidationError({"code": _("This is not a valid unified social credit code (GB 32100 checksum).")})


class ServiceItem(models.Model):
    # identity
    name = models.CharField(_("name"), max_length=120)
    basic_code = models.CharField(_("basic code"), max_length=40, blank=True)
    code = models.CharField(_("implementation code"), max_length=40, unique=True)
    handling_code = models.CharField(_("handling code"), max_length=60, blank=True)
    item_type = models.CharField(_("item type"), max_length=20, choices=ItemType.choices, default=ItemType.LICENSING)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="items", verbose_name=_("agency"))
    level = models.CharField(_("exercise level"), max_length=20, default="区级")
    legal_basis = models.TextField(_("legal basis"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    keywords = models.CharField(_("search keywords"), max_length=200, blank=True)
    # limits
    audience = models.CharField(_("audience"), max_length=14, choices=Audience.choices, default=Audience.PERSON)
    case_type = models.CharField(_("case type"), max_length=10, choices=CaseType.choices, default=CaseType.PROMISED)
    legal_limit = models.PositiveSmallIntegerField(_("legal limit"), default=20)
    legal_unit = models.CharField(_("legal limit unit"), max_length=2, choices=LimitUnit.choices, default=LimitUnit.WD)
    promised_limit = models.PositiveSmallIntegerField(_("promised limit"), default=20)
    promised_unit = models.CharField(_("promised limit unit"), max_length=2, choices=LimitUnit.choices,
                                     default=LimitUnit.WD)
    correction_notice_wd = models.PositiveSmallIntegerField(_("correction notice limit (WD)"), default=5)
    applicant_correction_cd = models.PositiveSmallIntegerField(_("applicant's correction period (CD)"), default=30)
    extension_allowed = models.BooleanField(_("extension allowed"), default=True)
    extension_wd = models.PositiveSmallIntegerField(_("extension (WD)"), default=10)
    max_extensions = models.PositiveSmallIntegerField(_("maximum extensions"), default=1)
    suspension_allowed = models.BooleanField(_("suspension allowed"), default=True)
    suspension_reasons = models.TextField(_("suspension reasons"), blank=True)
    delivery_wd = models.PositiveSmallIntegerField(_("delivery limit (WD)"), default=10)
    roll_forward = models.BooleanField(_("calendar-day limit ending on a rest day rolls forward"), default=True)
    # visits and online
    visits_required = models.PositiveSmallIntegerField(_("visits required"), default=1)
    onsite_reason = models.CharField(_("reason for visits"), max_length=200, blank=True)
    online_depth = models.PositiveSmallIntegerField(_("online depth"), choices=OnlineDepth.choices,
                                                    default=OnlineDepth.II)
    online_capabilities = models.JSONField(_("online capabilities"), default=list, blank=True)
    online_url = models.URLField(_("online address"), blank=True)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, default=Scope.DISTRICT)
    # fees and logistics
    is_fee = models.BooleanField(_("charges a fee"), default=False)
    place = models.CharField(_("place"), max_length=200, blank=True)
    hours = models.CharField(_("hours"), max_length=200, blank=True)
    consult_phone = models.CharField(_("consultation phone"), max_length=40)
    supervise_phone = models.CharField(_("supervision phone"), max_length=40)
    result_name = models.CharField(_("result"), max_length=120, blank=True)
    delivery_methods = models.JSONField(_("delivery methods"), default=list, blank=True)
    # lifecycle
    status = models.CharField(_("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.ACTIVE)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_demo = models.BooleanField(_("demo data"), default=False)
    updated_at = models.DateTimeField(auto_now=True)
    # search forms, derived on save
    search_pinyin = models.CharField(max_length=600, blank=True, editable=False)
    search_initials = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["agency__sort", "code"]
        indexes = [models.Index(fields=["status", "agency"], name="catalog_item_status_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors: dict[str, str] = {}
        if self.promised_unit != self.legal_unit:
            errors["promised_unit"] = _("The promised limit must use the same unit as the legal limit.")
        elif self.promised_limit > self.legal_limit:
            errors["promised_limit"] = _("The promised limit (%(p)s) cannot exceed the legal limit (%(l)s).") % {
                "p": self.promised_limit, "l": self.legal_limit}
        if self.online_depth == OnlineDepth.IV and self.visits_required:
            errors["visits_required"] = _("An item handled entirely online (depth IV) needs zero visits.")
        if self.visits_required and not self.onsite_reason.strip():
            errors["onsite_reason"] = _("Give the reason why the applicant must come in person.")
        if not (self.consult_phone or "").strip():
            errors["consult_phone"] = _("The consultation phone is required.")
        if not (self.supervise_phone or "").strip():
            errors["supervise_phone"] = _("The supervision phone is required.")
        elif self.consult_phone.strip() == self.supervise_phone.strip():
            errors["supervise_phone"] = _("The supervision phone must differ from the consultation phone.")
        if self.case_type == CaseType.IMMEDIATE and self.promised_limit != 0:
            errors["promised_limit"] = _("An immediate item is decided on the spot: its promised limit is 0.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.search_pinyin, self.search_initials = pinyin_forms(f"{self.name} {self.keywords}")
        super().save(*args, **kwargs)
        from .services import bump_catalog_version

        bump_catalog_version()


class FeeItem(models.Model):
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="fees", verbose_name=_("item"))
    name = models.CharField(_("name"), max_length=100)
    standard = models.CharField(_("standard"), max_length=200)
    basis = models.CharField(_("basis"), max_length=300)

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")

    def __str__(self) -> str:
        return self.name


class LifeEvent(models.Model):
    """A life or business event (出生, 开办企业 …) grouping items for browsing."""

    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40)
    audience = models.CharField(_("audience"), max_length=14, choices=Audience.choices, default=Audience.PERSON)
    sort = models.PositiveSmallIntegerField(_("sort order"), default=100)
    items = models.ManyToManyField(ServiceItem, related_name="life_events", blank=True, verbose_name=_("items"))

    class Meta:
        verbose_name = _("life event")
        verbose_name_plural = _("life events")
        ordering = ["sort", "name"]

    def __str__(self) -> str:
        return self.name


class CenterItem(models.Model):
    """An item entered into a center (进驻事项), on its window list and/or terminal list."""

    center = models.ForeignKey("hall.Center", on_delete=models.CASCADE, related_name="center_items",
                               verbose_name=_("center"))
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="center_items",
                             verbose_name=_("item"))
    on_window_list = models.BooleanField(_("on the window list"), default=True)
    on_terminal_list = models.BooleanField(_("on the self-service terminal list"), default=False)
    entered_on = models.DateField(_("entered on"), null=True, blank=True)
    exited_on = models.DateField(_("exited on"), null=True, blank=True)

    class Meta:
        verbose_name = _("center item")
        verbose_name_plural = _("center items")
        constraints = [models.UniqueConstraint(fields=["center", "item"], name="catalog_center_item_unique")]

    def __str__(self) -> str:
        return f"{self.center} · {self.item}"


class Situation(models.Model):
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="situations",
                             verbose_name=_("item"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    promised_limit = models.PositiveSmallIntegerField(_("promised limit override"), null=True, blank=True)
    visits_required = models.PositiveSmallIntegerField(_("visits override"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort = models.PositiveSmallIntegerField(_("sort order"), default=1)

    class Meta:
        verbose_name = _("situation")
        verbose_name_plural = _("situations")
        ordering = ["item", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="catalog_situation_code_unique")]

    def __str__(self) -> str:
        return f"{self.item.name}（{self.name}）"

    @property
    def effective_promised_limit(self) -> int:
        return self.item.promised_limit if self.promised_limit is None else self.promised_limit

    @property
    def effective_visits(self) -> int:
        return self.item.visits_required if self.visits_required is None else self.visits_required

    def clean(self):
        if self.promised_limit is not None and self.item_id and self.promised_limit > self.item.legal_limit:
            raise ValidationError({"promised_limit": _("The promised limit cannot exceed the item's legal limit.")})


class Question(models.Model):
    """A smart-guide question (智能办事指南) asked for an item."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="questions", verbose_name=_("item"))
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    text = models.CharField(_("question"), max_length=200)
    help_text = models.CharField(_("help"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("smart-guide question")
        verbose_name_plural = _("smart-guide questions")
        ordering = ["item", "order", "id"]

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    """An answer; it may select a situation, and materials may depend on it."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices",
                                 verbose_name=_("question"))
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    text = models.CharField(_("answer"), max_length=200)
    situation = models.ForeignKey(Situation, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("selects situation"))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["question", "order", "id"]

    def __str__(self) -> str:
        return self.text


class _VersionedDoc(models.Model):
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=12, choices=DocStatus.choices, default=DocStatus.DRAFT)
    revision_reason = models.CharField(_("revision reason"), max_length=12, choices=RevisionReason.choices,
                                       default=RevisionReason.INITIAL)
    revision_note = models.CharField(_("revision note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("published by"))

    class Meta:
        abstract = True

    @property
    def is_editable(self) -> bool:
        return self.status in (DocStatus.DRAFT, DocStatus.REVIEW)


class Guide(_VersionedDoc):
    """The public guide (办事指南) of one situation, versioned: 一情形、一指南."""

    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="guides",
                                  verbose_name=_("situation"))
    conditions = models.TextField(_("conditions of acceptance"))
    procedure = models.TextField(_("procedure"))
    basis = models.TextField(_("legal basis"), blank=True)
    quantity_limit = models.CharField(_("quantity limit"), max_length=200, default="无数量限制")
    result_delivery = models.CharField(_("how results are delivered"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("guide")
        verbose_name_plural = _("guides")
        ordering = ["situation", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["situation", "version"], name="catalog_guide_version_unique"),
            models.UniqueConstraint(fields=["situation"], condition=models.Q(status="published"),
                                    name="catalog_one_published_guide"),
        ]

    def __str__(self) -> str:
        return f"{self.situation} v{self.version}"


class Material(models.Model):
    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="materials", verbose_name=_("guide"))
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    name = models.CharField(_("name"), max_length=200)
    necessity = models.CharField(_("necessity"), max_length=10, choices=Necessity.choices, default=Necessity.REQUIRED)
    form = models.CharField(_("form"), max_length=10, choices=MaterialForm.choices, default=MaterialForm.PAPER)
    kind = models.CharField(_("original or copy"), max_length=20, choices=MaterialKind.choices,
                            default=MaterialKind.ORIGINAL)
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)
    source = models.CharField(_("source"), max_length=100, default="申请人自备")
    basis = models.CharField(_("basis"), max_length=300, blank=True)
    acceptance_standard = models.TextField(_("acceptance standard"), blank=True)
    blank_form = models.CharField(_("blank form"), max_length=200, blank=True)
    sample = models.CharField(_("filled-in sample"), max_length=200, blank=True)
    exempt_reason = models.CharField(_("exempt from submission"), max_length=16, choices=ExemptReason.choices,
                                     blank=True)
    exempt_reference = models.CharField(_("exemption reference"), max_length=200, blank=True,
                                        help_text=_("The e-licence or shared data used instead"))
    condition = models.ForeignKey(Choice, null=True, blank=True, on_delete=models.PROTECT, related_name="materials",
                                  verbose_name=_("only when the answer is"))

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["guide", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Manual(_VersionedDoc):
    """The internal handling manual (业务手册) of one situation, versioned: 一情形、一手册."""

    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="manuals",
                                  verbose_name=_("situation"))
    review_points = models.TextField(_("review points"))
    criteria = models.TextField(_("criteria"), blank=True)
    steps = models.TextField(_("internal steps"), blank=True)
    templates = models.TextField(_("document templates"), blank=True)

    class Meta:
        verbose_name = _("handling manual")
        verbose_name_plural = _("handling manuals")
        ordering = ["situation", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["situation", "version"], name="catalog_manual_version_unique"),
            models.UniqueConstraint(fields=["situation"], condition=models.Q(status="published"),
                                    name="catalog_one_published_manual"),
        ]

    def __str__(self) -> str:
        return f"{self.situation} v{self.version}"


class ItemChange(models.Model):
    """A change of a center's items: proposed, agreed by both sides, filed, then effective (domain.md §4.4)."""

    center = models.ForeignKey("hall.Center", on_delete=models.PROTECT, related_name="item_changes",
                               verbose_name=_("center"))
    kind = models.CharField(_("kind"), max_length=8, choices=ChangeKind.choices)
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="changes", verbose_name=_("item"))
    on_window_list = models.BooleanField(_("on the window list"), default=True)
    on_terminal_list = models.BooleanField(_("on the self-service terminal list"), default=False)
    diff = models.JSONField(_("proposed changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"))
    legal_basis = models.TextField(_("legal basis"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=ChangeState.choices, default=ChangeState.DRAFT)
    version = models.PositiveIntegerField(default=1)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("proposed by"))
    center_agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", verbose_name=_("agreed for the center by"))
    center_agreed_at = models.DateTimeField(null=True, blank=True)
    agency_agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", verbose_name=_("agreed for the agency by"))
    agency_agreed_at = models.DateTimeField(null=True, blank=True)
    filing_no = models.CharField(_("filing number"), max_length=40, null=True, blank=True, unique=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("filed by"))
    filed_at = models.DateTimeField(null=True, blank=True)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("item change")
        verbose_name_plural = _("item changes")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "effective_date"], name="catalog_change_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.item}"
