"""Bulk catalogue data for the search benchmark: 10,000 realistic ServiceItems and the query list.

Names combine base items (the demo catalogue's, completed by the built-in list below while the demo
catalogue is small) with a town prefix and/or a situation suffix, e.g. 堡镇居住证办理（补领）. bulk_create
skips `ServiceItem.save()`, so the search forms are computed here with the same `pinyin_forms` call.
"""

from __future__ import annotations

import random
import time

BULK_ITEMS = 10_000
MIN_BASES = 40

# (name, keywords, agency short name as in yimen.catalog.demo.AGENCIES, audience)
BUILTIN_BASES = [
    ("营业执照（有限责任公司设立登记）", "开公司 注册公司", "区市场监管局", "organisation"),
    ("营业执照（个体工商户设立登记）", "个体户 开店", "区市场监管局", "both"),
    ("食品经营许可证核发", "开饭店 餐饮许可", "区市场监管局", "organisation"),
    ("食品生产许可证核发", "食品厂", "区市场监管局", "organisation"),
    ("药品零售企业经营许可", "开药店", "区市场监管局", "organisation"),
    ("企业注销登记", "公司注销 关公司", "区市场监管局", "organisation"),
    ("建设工程规划许可证核发", "规划许可", "区规划资源局", "organisation"),
    ("建设用地规划许可证核发", "用地许可", "区规划资源局", "organisation"),
    ("不动产登记（首次登记）", "房产证 产权证", "区不动产登记中心", "both"),
    ("不动产登记（转移登记）", "过户 买房", "区不动产登记中心", "both"),
    ("不动产抵押登记", "房贷 抵押", "区不动产登记中心", "both"),
    ("不动产登记资料查询", "查房产", "区不动产登记中心", "both"),
    ("社会保障卡申领", "社保卡 市民卡", "区人社局", "person"),
    ("就业失业登记", "失业证 就业登记", "区人社局", "person"),
    ("失业保险金申领", "失业金", "区人社局", "person"),
    ("职工退休申请", "退休 养老金", "区人社局", "person"),
    ("创业担保贷款申请", "创业贷款", "区人社局", "person"),
    ("城乡居民基本医疗保险参保登记", "医保 参保", "区医保局", "person"),
    ("医疗费用零星报销", "医保报销", "区医保局", "person"),
    ("异地就医备案", "异地医保", "区医保局", "person"),
    ("居民身份证申领", "身份证 办身份证", "崇明公安分局", "person"),
    ("居住证办理", "居住证 积分", "崇明公安分局", "person"),
    ("户口迁移", "落户 迁户口", "崇明公安分局", "person"),
    ("出生登记", "报户口 新生儿", "崇明公安分局", "person"),
    ("普通护照签发", "护照 出国", "区出入境办", "person"),
    ("往来港澳通行证签发", "港澳通行证 去香港", "区出入境办", "person"),
    ("往来台湾通行证签发", "台湾通行证", "区出入境办", "person"),
    ("内地居民结婚登记", "结婚证 领证", "区民政局", "person"),
    ("内地居民离婚登记", "离婚", "区民政局", "person"),
    ("最低生活保障审核确认", "低保", "区民政局", "person"),
    ("养老机构备案", "养老院", "区民政局", "organisation"),
    ("残疾人证核发", "残疾证", "区残联", "person"),
    ("出生医学证明签发", "出生证明", "区卫健委", "person"),
    ("医疗机构执业登记", "诊所 开诊所", "区卫健委", "organisation"),
    ("公共场所卫生许可证核发", "卫生许可证", "区卫健委", "organisation"),
    ("道路运输经营许可", "运输证 货运", "区交通委", "organisation"),
    ("出租汽车驾驶员从业资格证核发", "出租车", "区交通委", "person"),
    ("建筑工程施工许可证核发", "施工许可", "区建设管理委", "organisation"),
    ("商品房预售许可", "预售证", "区建设管理委", "organisation"),
    ("税务登记信息确认", "办税 报到", "区税务局", "organisation"),
    ("发票领用", "领发票 发票", "区税务局", "organisation"),
    ("个人所得税专项附加扣除", "个税", "区税务局", "person"),
    ("排污许可证核发", "排污证", "区生态环境局", "organisation"),
    ("民办学校办学许可", "办学许可证", "区教育局", "organisation"),
    ("义务教育阶段入学登记", "入学 报名", "区教育局", "person"),
    ("娱乐场所经营许可", "KTV 歌舞厅", "区文旅局", "organisation"),
    ("上网服务营业场所经营许可", "网吧", "区文旅局", "organisation"),
    ("住房公积金提取", "公积金 提取公积金", "区公积金分中心", "person"),
    ("住房公积金贷款", "公积金贷款", "区公积金分中心", "person"),
    ("公众聚集场所投入使用营业前消防安全检查", "消防检查", "区消防救援支队", "organisation"),
    ("农药经营许可", "农药", "区农业农村委", "organisation"),
    ("渔业捕捞许可证核发", "捕捞证", "区农业农村委", "person"),
    ("高危险性体育项目经营许可", "游泳池", "区体育局", "organisation"),
]

TOWNS = ["城桥镇", "堡镇", "新河镇", "庙镇", "竖新镇", "向化镇", "三星镇", "港沿镇", "中兴镇", "陈家镇",
         "绿华镇", "港西镇", "建设镇", "新海镇", "东平镇", "长兴镇", "新村乡", "横沙乡"]
SUFFIXES = ["补领", "换领", "变更", "注销", "延续", "遗失补办", "首次申领", "跨省通办", "全程网办", "告知承诺",
            "加急", "委托代办"]

# ~30 queries as citizens type them: Chinese, pinyin initials, full pinyin, typos, codes and misses.
QUERIES = [
    ("营业执照", "chinese"), ("社保卡", "chinese"), ("居住证", "chinese"), ("不动产登记", "chinese"),
    ("食品经营许可", "chinese"), ("身份证", "chinese"), ("港澳通行证", "chinese"), ("公积金提取", "chinese"),
    ("结婚登记", "chinese"), ("残疾人证", "chinese"), ("开饭店", "chinese"), ("堡镇 居住证", "chinese"),
    ("补领", "chinese"),
    ("yyzz", "initials"), ("sbk", "initials"), ("jzz", "initials"), ("bdcdj", "initials"), ("spjyxk", "initials"),
    ("shebaoka", "pinyin"), ("yingyezhizhao", "pinyin"), ("huzhao", "pinyin"), ("gongjijin", "pinyin"),
    ("yinyezhizhao", "typo"), ("营叶执照", "typo"), ("不动产登纪", "typo"), ("juzhuzhen", "typo"),
    ("shebaoca", "typo"),
    ("BENCH-00042", "code"),
    ("火星移民登记", "miss"), ("xqzwvb", "miss"), ("量子纠缠许可", "miss"),
]


def _name(base: str, town: str, suffix: str) -> str:
    if suffix:
        base = f"{base[:-1]}，{suffix}）" if base.endswith("）") else f"{base}（{suffix}）"
    return f"{town}{base.removeprefix('上海市')}" if town else base


def create_items(count: int = BULK_ITEMS) -> dict:
    """Add `count` active items in bulk; returns what was generated (for the JSON)."""
    from django.db import transaction

    from yimen.catalog.constants import ItemStatus
    from yimen.catalog.models import Agency, ServiceItem
    from yimen.catalog.services import bump_catalog_version
    from yimen.lib.pinyin import pinyin_forms

    t0 = time.perf_counter()
    agencies = list(Agency.objects.order_by("sort", "id"))
    if not agencies:
        raise RuntimeError("load_demo created no agencies")
    by_short = {a.short_name: a.id for a in agencies}
    demo = list(ServiceItem.objects.filter(status=ItemStatus.ACTIVE)
                .values_list("name", "keywords", "agency_id", "audience"))
    bases = list(demo)
    if len(bases) < MIN_BASES:
        known = {b[0] for b in bases}
        bases += [(n, k, by_short.get(short, agencies[i % len(agencies)].id), aud)
                  for i, (n, k, short, aud) in enumerate(BUILTIN_BASES) if n not in known]
    demo_names = {d[0] for d in demo}
    combos = [(b, t, s) for b in bases for t in ["", *TOWNS] for s in ["", *SUFFIXES]
              if not (t == "" and s == "" and b[0] in demo_names)]
    rng = random.Random(42)
    chosen = rng.sample(combos, min(count, len(combos)))

    items = []
    for n, ((base, keywords, agency_id, audience), town, suffix) in enumerate(chosen, start=1):
        name = _name(base, town, suffix)
        pinyin, initials = pinyin_forms(f"{name} {keywords}")
        limit = rng.randint(1, 20)
        items.append(ServiceItem(
            code=f"BENCH-{n:05d}", handling_code=f"BENCH-{n:05d}-01", name=name, keywords=keywords,
            agency_id=agency_id, audience=audience, legal_limit=20, promised_limit=limit, visits_required=1,
            onsite_reason="核验原件", online_depth=2, consult_phone="021-69690000", supervise_phone="021-12345",
            delivery_methods=["window"], status=ItemStatus.ACTIVE, search_pinyin=pinyin[:600],
            search_initials=initials[:200]))
    generated_s = time.perf_counter() - t0
    with transaction.atomic():
        ServiceItem.objects.bulk_create(items, batch_size=500)
    bump_catalog_version()
    return {
        "items_added": len(items),
        "demo_items": len(demo),
        "base_names": len(bases),
        "base_names_source": "demo" if len(demo) >= MIN_BASES else ("demo+builtin" if demo else "builtin"),
        "agencies_used": len({i.agency_id for i in items}),
        "active_items_total": ServiceItem.objects.filter(status=ItemStatus.ACTIVE).count(),
        "examples": [i.name for i in items[:5]],
        "generate_s": round(generated_s, 2),
        "insert_s": round(time.perf_counter() - t0 - generated_s, 2),
    }
