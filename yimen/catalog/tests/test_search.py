import pytest

from yimen.catalog.search import Entry, SearchIndex, search_items
from yimen.lib.pinyin import pinyin_forms

from .factories import make_agency, make_item

NAMES = [
    ("营业执照（有限责任公司设立登记）", "开公司 注册公司"),
    ("食品经营许可证核发", "开饭店 餐饮许可"),
    ("社会保障卡申领", "社保卡 市民卡"),
    ("居住证办理", ""),
    ("建设工程规划许可证核发", ""),
    ("残疾人证核发", ""),
]


def index():
    entries = []
    for i, (name, kw) in enumerate(NAMES):
        py, ini = pinyin_forms(f"{name} {kw}")
        entries.append(Entry(i, f"C-{i}", name, 1, "person", kw, py, ini))
    return SearchIndex(entries)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("营业执照", "营业执照（有限责任公司设立登记）"),
        ("yyzz", "营业执照（有限责任公司设立登记）"),
        ("YYZZ", "营业执照（有限责任公司设立登记）"),
        ("yingyezhizhao", "营业执照（有限责任公司设立登记）"),
        ("yinyezhizhao", "营业执照（有限责任公司设立登记）"),  # typo: missing g
        ("营叶执照", "营业执照（有限责任公司设立登记）"),  # homophone typo
        ("社保卡", "社会保障卡申领"),
        ("shebaoka", "社会保障卡申领"),
        ("开饭店", "食品经营许可证核发"),
        ("残疾人证", "残疾人证核发"),
        ("jzz", "居住证办理"),
        ("c-3", "居住证办理"),
    ],
)
def test_finds_by_text_pinyin_initials_and_typos(query, expected):
    hits = index().search(query)
    assert hits, query
    assert hits[0].entry.name == expected


def test_no_nonsense_matches():
    assert index().search("xqzwvb") == []
    assert index().search("") == []


def test_exact_name_ranks_above_keyword_match():
    hits = index().search("许可证")
    assert {h.entry.name for h in hits} == {"食品经营许可证核发", "建设工程规划许可证核发"}


def test_index_follows_catalogue_changes(db):
    make_item(make_agency(), name="护照签发", code="CRJ-9", keywords="出国")
    assert [h.entry.code for h in search_items("huzhao")] == ["CRJ-9"]
    make_item(make_agency(), name="港澳通行证签发", code="CRJ-10")
    assert [h.entry.code for h in search_items("gatxz")] == ["CRJ-10"]
