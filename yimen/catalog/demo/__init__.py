"""Demo catalogue of a district administrative service center (marked demo; no real personal data).

Modelled on the public catalogues of Shanghai district centers (崇明区行政服务中心 and others).
The items live in `items_a.py` and `items_b.py`, one list `ITEMS` each, in the schema below; the
loader (`yimen.catalog.demo_loader`) turns them into rows idempotently.

Item schema (a dict):
    code            str, unique, e.g. "SCJG-001" (agency key upper-case + number)
    agency          key of AGENCIES below
    name            full item name as on the real catalogue, e.g. "营业执照（有限责任公司设立登记）"
    item_type       licensing | confirmation | payment | levy | ruling | award | other_power | public_service
    audience        person | organisation | both
    case_type       immediate | promised
    legal_limit     int (working days); promised_limit int <= legal_limit (0 for immediate items)
    visits_required int; onsite_reason str (required when visits_required > 0)
    online_depth    1..4 (4 => visits_required == 0)
    is_fee          bool; fees: list of {"name", "standard", "basis"} (required when is_fee)
    result_name     str, e.g. "营业执照"
    legal_basis     str (laws and articles)
    summary         one or two sentences for the item page
    keywords        space-separated extra search words (common names citizens use)
    delivery_methods list of "window" | "post" | "e_licence"
    on_terminal_list bool (can be done at a self-service terminal)
    life_events     list of LIFE_EVENTS slugs
    situations      list (>= 1) of:
        code        "01", "02", ...
        name        e.g. "首次申领", "变更", "补领"
        conditions  受理条件 text
        procedure   办理流程 text (steps separated by "；" or newlines)
        notes       注意事项 (may be "")
        review_points  业务手册 审查要点 text
        criteria    业务手册 审查标准 text
        materials   list (>= 1) of:
            name, necessity (required|optional|deferrable), form (paper|electronic|either),
            kind (original|copy|original_and_copy), copies int, source str,
            acceptance_standard str (never empty), exempt_reason ("" | shanghai_issued |
            e_licence | data_sharing | no_legal_basis), exempt_reference str,
            when: None or a choice key from this item's questions (material needed only then)
    questions       list (may be empty) of {"text", "choices": [{"key", "text", "situation": code or None}]}
"""

AGENCIES = [
    # key, name, short name, consultation phone
    ("scjg", "上海市崇明区市场监督管理局", "区市场监管局", "021-69611380"),
    ("ghzy", "上海市崇明区规划和自然资源局", "区规划资源局", "021-69621250"),
    ("bdc", "上海市崇明区不动产登记事务中心", "区不动产登记中心", "021-69622331"),
    ("rsj", "上海市崇明区人力资源和社会保障局", "区人社局", "021-69695678"),
    ("ybj", "上海市崇明区医疗保障局", "区医保局", "021-69626201"),
    ("gaj", "上海市公安局崇明分局", "崇明公安分局", "021-69615110"),
    ("crj", "上海市公安局崇明分局出入境管理办公室", "区出入境办", "021-69612345"),
    ("mzj", "上海市崇明区民政局", "区民政局", "021-69622812"),
    ("cl", "上海市崇明区残疾人联合会", "区残联", "021-69695001"),
    ("wjw", "上海市崇明区卫生健康委员会", "区卫健委", "021-69617321"),
    ("jtw", "上海市崇明区交通委员会", "区交通委", "021-69612206"),
    ("zjw", "上海市崇明区住房和城乡建设管理委员会", "区建设管理委", "021-69623180"),
    ("swj", "国家税务总局上海市崇明区税务局", "区税务局", "021-12366"),
    ("sthj", "上海市崇明区生态环境局", "区生态环境局", "021-69696210"),
    ("jyj", "上海市崇明区教育局", "区教育局", "021-69612150"),
    ("whly", "上海市崇明区文化和旅游局", "区文旅局", "021-69693218"),
    ("gjj", "上海市公积金管理中心崇明分中心", "区公积金分中心", "021-12329"),
    ("xf", "上海市崇明区消防救援支队", "区消防救援支队", "021-69616119"),
    ("nyw", "上海市崇明区农业农村委员会", "区农业农村委", "021-69617210"),
    ("tyj", "上海市崇明区体育局", "区体育局", "021-69691301"),
]

SUPERVISE_PHONE = "021-12345"  # the citywide 12345 hotline takes complaints about every item

LIFE_EVENTS = [
    # slug, name, audience
    ("birth", "出生", "person"),
    ("schooling", "上学", "person"),
    ("employment", "就业创业", "person"),
    ("marriage", "婚育", "person"),
    ("housing", "住房", "both"),
    ("medical", "就医", "person"),
    ("elderly", "养老", "person"),
    ("disability", "助残", "person"),
    ("travel", "出入境", "person"),
    ("residence", "户籍与居住", "person"),
    ("retirement", "退休", "person"),
    ("start-business", "开办企业", "organisation"),
    ("food-business", "开餐饮店", "organisation"),
    ("operate", "经营许可", "organisation"),
    ("construction", "工程建设", "organisation"),
    ("close-business", "企业注销", "organisation"),
    ("tax", "纳税缴费", "both"),
]

CENTER = {
    "code": "cm-district",
    "name": "崇明区行政服务中心（演示）",
    "address": "上海市崇明区城桥镇翠竹路1501号（演示地址）",
    "phone": "021-69690000",
}
