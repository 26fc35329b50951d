"""A seeded, realistic demo district: 朝阳区 → 京广路街道 → five communities → their grids.

Why it exists: a grid-governance platform cannot be judged on an empty database, and benchmarks
need the shape of real data (irregular grids, 楼房 and 平房院落, families and group rentals, ~40%
floating population, duplicate names such as 王伟) at up to 500,000 residents.

The module has two halves:

* ``DemoGenerator`` is pure Python: from ``(size, seed)`` it computes region geometry, staff and a
  stream of batches of buildings, rooms, households, persons and residences as plain rows. Every
  random draw comes from generators seeded by ``seed``, and ages are taken at the fixed
  ``REFERENCE_DATE``, so the same seed gives the same names, ID numbers and addresses on any day.
* ``build_demo`` writes those rows with ``bulk_create`` in one transaction. Primary keys are
  assigned here rather than by the database, because persons and households point at each other
  (``Person.household`` / ``Household.head``); both foreign keys are deferred constraints, so a
  household may name its head a moment before the head's row is inserted.

Whether a demo is already present is read from the audit log: the build writes one ``import`` /
``demo`` entry with its size and seed in the same transaction as the data. Unlike a marker file in
the data directory it lives in the same database (also when ``WANGGE_DATABASE_URL`` points to
PostgreSQL), it cannot disagree with the data after a rolled-back build, and the hash chain makes
it tamper-evident.
"""

from __future__ import annotations

import datetime
import json
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Count, Q
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from wangge.access import audit
from wangge.access.models import AuditEntry, Role, RoleAssignment
from wangge.access.services import REVEAL_GROUP, assign_role
from wangge.addresses.models import Building, BuildingKind, Room, RoomUse, Unit
from wangge.core.errors import ServiceError
from wangge.geo.models import Region, RegionLevel, StaffAssignment, StaffPost
from wangge.people.idnumber import make_id_number
from wangge.people.models import (
    Household,
    Person,
    Relation,
    Residence,
    ResidenceType,
    Tag,
)

__all__ = [
    "DEMO_PASSWORD",
    "DISTRICT_CODE",
    "DemoAccount",
    "DemoExists",
    "DemoGenerator",
    "DemoSummary",
    "build_demo",
]

DISTRICT_CODE = "110105"
STREET_CODE = "110105001"
DEMO_PASSWORD = "wangge-demo"
# Ages, move-in dates and the 独居老人 threshold are computed at this fixed date (not today), so a
# seed gives the same data on any day; it lies in the past, so every birth date passes the ID check.
REFERENCE_DATE = datetime.date(2025, 6, 30)
BATCH_SIZE = 5000
MIN_SIZE = 50
# Snapping grid for every boundary (degrees, ~0.1 m): all polygons are noded on it together, so
# neighbours share identical edges and parents are exact unions of their children.
_GRID_SIZE = 1e-6
_EXPECTED_PER_ROOM = 2.25  # residents per room, averaged over uses; sizes the last building

ProgressCallback = Callable[[str, int, int], None]


# --------------------------------------------------------------------------------------------
# Catalogues
# --------------------------------------------------------------------------------------------

# Surname frequencies (per mille, rounded from national statistics); long tail kept short.
_SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71), ("李", 70), ("张", 67), ("刘", 51), ("陈", 46), ("杨", 32), ("黄", 24),
    ("赵", 22), ("吴", 20), ("周", 19), ("徐", 14), ("孙", 14), ("马", 13), ("朱", 13),
    ("胡", 12), ("郭", 11), ("何", 11), ("高", 10), ("林", 10), ("罗", 9), ("郑", 8),
    ("梁", 7), ("谢", 6), ("宋", 6), ("唐", 5.5), ("许", 5.5), ("韩", 5.4), ("冯", 5),
    ("邓", 5), ("曹", 5), ("彭", 4.7), ("曾", 4.5), ("肖", 4.5), ("田", 4.3), ("董", 4.3),
    ("袁", 4.2), ("潘", 4), ("于", 4), ("蒋", 3.8), ("蔡", 3.8), ("余", 3.6), ("杜", 3.5),
    ("叶", 3.5), ("程", 3.4), ("苏", 3.3), ("魏", 3.3), ("吕", 3.2), ("丁", 3.2), ("任", 3.1),
    ("沈", 3), ("姚", 2.9), ("卢", 2.8), ("姜", 2.8), ("崔", 2.7), ("钟", 2.7), ("谭", 2.6),
    ("陆", 2.5), ("汪", 2.4), ("范", 2.4), ("金", 2.3), ("石", 2.2), ("廖", 2.1), ("贾", 2.1),
    ("夏", 2), ("韦", 2), ("付", 2), ("方", 2), ("白", 1.9), ("邹", 1.9), ("孟", 1.9),
    ("熊", 1.8), ("秦", 1.8), ("邱", 1.8), ("江", 1.8), ("尹", 1.7), ("薛", 1.7), ("闫", 1.6),
    ("段", 1.6), ("雷", 1.5), ("侯", 1.5), ("龙", 1.5), ("史", 1.5), ("陶", 1.4), ("黎", 1.4),
    ("贺", 1.4), ("顾", 1.3), ("毛", 1.3), ("郝", 1.3), ("龚", 1.3), ("邵", 1.3), ("万", 1.2),
    ("钱", 1.2), ("严", 1.2), ("武", 1.1), ("戴", 1.1), ("孔", 1), ("常", 1), ("欧阳", 0.3),
    ("司马", 0.1), ("上官", 0.05), ("诸葛", 0.05),
)  # fmt: skip

# Given names by birth era and gender, weighted; single characters like 伟/娜/静 dominate the
# 1960s-80s, which is what makes 王伟, 张伟, 李娜 and 王静 so common in any real ledger.
_GIVEN: dict[tuple[str, str], tuple[tuple[str, float], ...]] = {
    ("old", "男"): (
        ("建国", 5), ("国庆", 3), ("建华", 3), ("建军", 3), ("国强", 3), ("志强", 2),
        ("德明", 2), ("振华", 2), ("福海", 1), ("长顺", 1), ("文华", 2), ("宝山", 1),
        ("永和", 1), ("德胜", 1), ("玉林", 1), ("树林", 1), ("凤山", 1), ("学军", 1),
        ("军", 2), ("平", 2), ("明", 2), ("林", 1), ("华", 2), ("斌", 1), ("刚", 2),
    ),
    ("old", "女"): (
        ("秀英", 6), ("桂英", 4), ("秀兰", 4), ("玉兰", 4), ("淑珍", 4), ("凤英", 3),
        ("淑兰", 3), ("桂兰", 3), ("玉珍", 3), ("秀珍", 3), ("淑英", 2), ("桂珍", 2),
        ("凤兰", 1), ("素芬", 1), ("玉梅", 1), ("秀荣", 1), ("兰英", 1), ("淑华", 2),
        ("英", 1), ("兰", 1), ("珍", 1), ("霞", 1), ("华", 1),
    ),
    ("mid", "男"): (
        ("伟", 7), ("勇", 5), ("军", 5), ("磊", 6), ("强", 5), ("涛", 4), ("斌", 4),
        ("杰", 4), ("刚", 3), ("鹏", 3), ("超", 3), ("明", 3), ("波", 3), ("辉", 3),
        ("亮", 2), ("峰", 3), ("建平", 1), ("海涛", 2), ("志刚", 2), ("立新", 1), ("卫东", 1),
        ("红军", 1), ("志勇", 2), ("晓东", 2), ("建伟", 1), ("永刚", 1), ("海波", 1),
        ("文斌", 1), ("宏伟", 1), ("国栋", 1), ("振宇", 1), ("俊杰", 1), ("建新", 1),
    ),
    ("mid", "女"): (
        ("娜", 6), ("静", 6), ("敏", 6), ("丽", 7), ("艳", 6), ("娟", 5), ("霞", 3),
        ("燕", 4), ("芳", 6), ("颖", 2), ("倩", 2), ("婷", 2), ("丹", 2), ("红", 4), ("梅", 2),
        ("洁", 2), ("玲", 2), ("丽娟", 1), ("秀梅", 1), ("晓燕", 2), ("海燕", 2), ("红梅", 1),
        ("春梅", 1), ("丽华", 1), ("晓红", 1), ("雪梅", 1), ("艳红", 1), ("美玲", 1),
        ("丽丽", 1), ("婷婷", 1), ("晶晶", 1),
    ),
    ("young", "男"): (
        ("浩", 2), ("宇", 2), ("鑫", 2), ("磊", 1), ("帅", 1), ("凯", 1), ("浩然", 2),
        ("子轩", 2), ("宇航", 1), ("俊杰", 1), ("家豪", 1), ("博文", 1), ("天宇", 1),
        ("志远", 1), ("晨阳", 1), ("一鸣", 1), ("思远", 1), ("宇轩", 2), ("梓豪", 1),
        ("子豪", 1), ("浩宇", 1), ("文博", 1), ("明轩", 1), ("嘉伟", 1), ("伟", 1),
    ),
    ("young", "女"): (
        ("欣", 1), ("悦", 1), ("琳", 1), ("雪", 1), ("欣怡", 2), ("梓涵", 2), ("雨桐", 1),
        ("思雨", 1), ("诗涵", 1), ("佳怡", 1), ("子涵", 1), ("梦琪", 1), ("雨欣", 1),
        ("可欣", 1), ("佳琪", 1), ("心怡", 1), ("思琪", 1), ("婉婷", 1), ("雅婷", 1),
        ("佳慧", 1), ("娜", 1), ("静", 1),
    ),
    ("kid", "男"): (
        ("一诺", 2), ("沐宸", 2), ("浩宇", 1), ("奕辰", 1), ("宇泽", 1), ("子墨", 1),
        ("梓睿", 1), ("锦程", 1), ("子骞", 1), ("皓轩", 1), ("思源", 1), ("俊熙", 1),
        ("铭泽", 1), ("瑞霖", 1), ("承泽", 1), ("睿", 1), ("晨", 1),
    ),
    ("kid", "女"): (
        ("一诺", 1), ("若汐", 2), ("梓萱", 2), ("语桐", 1), ("可馨", 1), ("欣妍", 1),
        ("诗琪", 1), ("安琪", 1), ("雨萱", 1), ("思彤", 1), ("芷若", 1), ("沐瑶", 1),
        ("梓晴", 1), ("依诺", 1), ("书瑶", 1), ("悦", 1),
    ),
}  # fmt: skip

_UYGHUR_GIVEN = {
    "男": ("买买提", "艾力", "阿不都", "热合曼", "吐尔逊", "艾克拜尔", "努尔兰"),
    "女": ("阿依古丽", "古丽娜尔", "热依拉", "帕提古丽", "迪丽努尔", "阿依努尔"),
}
_MONGOLIAN_GIVEN = {
    "男": ("巴特尔", "苏和", "额尔敦", "朝鲁", "巴图", "孟和"),
    "女": ("其其格", "乌云", "萨仁", "高娃", "娜仁", "图雅"),
}

# Where ID numbers of Beijing-registered residents were issued (110103 崇文 and 110104 宣武 were
# merged into 东城/西城 in 2010, so they appear only on older people's numbers).
_BEIJING_CODES: tuple[tuple[str, str, float], ...] = (
    ("110105", "朝阳区", 58), ("110101", "东城区", 5), ("110102", "西城区", 5),
    ("110103", "崇文区", 2), ("110104", "宣武区", 2), ("110106", "丰台区", 4),
    ("110107", "石景山区", 1), ("110108", "海淀区", 5), ("110111", "房山区", 1),
    ("110112", "通州区", 2), ("110113", "顺义区", 1), ("110114", "昌平区", 1),
    ("110115", "大兴区", 1), ("110116", "怀柔区", 0.5), ("110117", "平谷区", 0.5),
    ("110118", "密云区", 0.5), ("110119", "延庆区", 0.5),
)  # fmt: skip

# Home counties of the floating population, grouped by province with the province's weight.
_ORIGINS: tuple[tuple[float, tuple[tuple[str, str], ...]], ...] = (
    (20, (("130102", "河北省石家庄市长安区"), ("130123", "河北省石家庄市正定县"),
          ("130181", "河北省辛集市"), ("130229", "河北省唐山市玉田县"),
          ("130424", "河北省邯郸市成安县"), ("130535", "河北省邢台市临西县"),
          ("130682", "河北省定州市"), ("130728", "河北省张家口市怀安县"),
          ("130984", "河北省河间市"), ("131002", "河北省廊坊市安次区"),
          ("131121", "河北省衡水市枣强县"))),
    (17, (("410105", "河南省郑州市金水区"), ("410221", "河南省开封市杞县"),
          ("410322", "河南省洛阳市孟津县"), ("411025", "河南省许昌市襄城县"),
          ("411302", "河南省南阳市宛城区"), ("411424", "河南省商丘市柘城县"),
          ("411521", "河南省信阳市罗山县"), ("411625", "河南省周口市郸城县"),
          ("411627", "河南省周口市太康县"), ("411722", "河南省驻马店市上蔡县"))),
    (10, (("370102", "山东省济南市历下区"), ("370211", "山东省青岛市黄岛区"),
          ("370481", "山东省滕州市"), ("370725", "山东省潍坊市昌乐县"),
          ("370826", "山东省济宁市微山县"), ("371302", "山东省临沂市兰山区"),
          ("371424", "山东省德州市临邑县"), ("371522", "山东省聊城市莘县"))),
    (8, (("340104", "安徽省合肥市蜀山区"), ("340421", "安徽省淮南市凤台县"),
         ("341202", "安徽省阜阳市颍州区"), ("341221", "安徽省阜阳市临泉县"),
         ("341321", "安徽省宿州市砀山县"), ("341622", "安徽省亳州市蒙城县"))),
    (6, (("230102", "黑龙江省哈尔滨市道里区"), ("230602", "黑龙江省大庆市萨尔图区"),
         ("230882", "黑龙江省富锦市"), ("231084", "黑龙江省宁安市"))),
    (5, (("140105", "山西省太原市小店区"), ("140521", "山西省晋城市沁水县"),
         ("141002", "山西省临汾市尧都区"))),
    (5, (("510104", "四川省成都市锦江区"), ("510922", "四川省遂宁市射洪县"),
         ("511321", "四川省南充市南部县"), ("511623", "四川省广安市邻水县"),
         ("511702", "四川省达州市通川区"))),
    (5, (("420111", "湖北省武汉市洪山区"), ("420683", "湖北省枣阳市"),
         ("421181", "湖北省麻城市"))),
    (4, (("150102", "内蒙古自治区呼和浩特市新城区"), ("150203", "内蒙古自治区包头市昆都仑区"),
         ("150404", "内蒙古自治区赤峰市松山区"))),
    (4, (("210102", "辽宁省沈阳市和平区"), ("210202", "辽宁省大连市中山区"),
         ("211302", "辽宁省朝阳市双塔区"))),
    (3, (("220104", "吉林省长春市朝阳区"), ("220202", "吉林省吉林市昌邑区"),
         ("222401", "吉林省延吉市"))),
    (3, (("430104", "湖南省长沙市岳麓区"), ("430621", "湖南省岳阳市岳阳县"),
         ("431102", "湖南省永州市零陵区"))),
    (3, (("320102", "江苏省南京市玄武区"), ("320722", "江苏省连云港市东海县"),
         ("321323", "江苏省宿迁市泗阳县"))),
    (3, (("120104", "天津市南开区"), ("120110", "天津市东丽区"))),
    (3, (("610113", "陕西省西安市雁塔区"), ("610502", "陕西省渭南市临渭区"))),
    (2, (("620102", "甘肃省兰州市城关区"), ("620522", "甘肃省天水市秦安县"))),
    (2, (("360121", "江西省南昌市南昌县"), ("360731", "江西省赣州市于都县"))),
    (2, (("500101", "重庆市万州区"), ("500235", "重庆市云阳县"))),
    (1, (("330106", "浙江省杭州市西湖区"),)),
    (1, (("440106", "广东省广州市天河区"),)),
    (1, (("650102", "新疆维吾尔自治区乌鲁木齐市天山区"), ("652901", "新疆维吾尔自治区阿克苏市"))),
)  # fmt: skip

# 港澳台居民居住证 numbers follow GB 11643 with these region codes, so they pass the ID check.
_OVERSEAS: tuple[tuple[str, str], ...] = (
    ("810000", "香港特别行政区"),
    ("820000", "澳门特别行政区"),
    ("830000", "台湾地区"),
)

_ETHNICITIES: tuple[tuple[str, float], ...] = (
    ("汉族", 930), ("满族", 25), ("回族", 20), ("蒙古族", 8), ("朝鲜族", 4), ("土家族", 3),
    ("壮族", 3), ("苗族", 2), ("藏族", 1), ("彝族", 1), ("维吾尔族", 1),
)  # fmt: skip

_MOBILE_PREFIXES = tuple(
    str(n)
    for n in (
        *range(130, 140),
        *range(150, 160),
        166,
        173,
        175,
        176,
        177,
        178,
        180,
        181,
        182,
        183,
        185,
        186,
        187,
        188,
        189,
        198,
        199,
    )
    if n != 154
)


@dataclass(frozen=True)
class _CommunityPlan:
    name: str
    roads: tuple[str, ...]  # roads with 小区 / 院 compounds of 楼房
    lanes: tuple[str, ...]  # 胡同 and 条 with 平房院落
    courtyard_share: float  # share of buildings that are courtyard houses
    property_company: str


_COMMUNITIES: tuple[_CommunityPlan, ...] = (
    _CommunityPlan(
        "幸福一村社区",
        ("幸福路", "幸福一村西街", "幸福一村中街", "工体东路"),
        ("农丰里胡同", "幸福一村一巷", "幸福一村二巷", "新东路头条"),
        0.35,
        "北京幸福物业管理有限公司",
    ),
    _CommunityPlan(
        "金台里社区",
        ("金台路", "金台里", "金台北街", "东三环中路"),
        ("金台西胡同", "红庙北里胡同"),
        0.15,
        "北京金台物业服务有限公司",
    ),
    _CommunityPlan(
        "光华里社区",
        ("光华路", "光华东里", "光华西里", "东三环中路"),
        ("光华里胡同", "永安里东胡同"),
        0.1,
        "北京光华物业管理有限公司",
    ),
    _CommunityPlan(
        "团结湖社区",
        ("团结湖路", "团结湖北路", "团结湖中路", "水碓子东路"),
        ("团结湖二条", "团结湖三条", "水碓子胡同"),
        0.12,
        "北京团结湖物业管理有限公司",
    ),
    _CommunityPlan(
        "呼家楼社区",
        ("呼家楼北街", "呼家楼南街", "呼家楼西里", "东三环中路"),
        ("呼家楼三条", "核桃园胡同", "小庄东胡同"),
        0.2,
        "北京呼家楼物业服务有限公司",
    ),
)
# Ground floors on these roads are mostly shops (商用).
_MAIN_ROADS = frozenset({"东三环中路", "光华路", "金台路", "团结湖路", "工体东路", "幸福路"})
_COURTYARD_ROOMS = ("1", "2", "3", "4", "东1", "东2", "东3", "西1", "西2", "西3", "南1", "南2", "北1")  # fmt: skip
_POLICE_STATION = "朝阳分局京广路派出所"
_HEALTH_CENTRE = "京广路社区卫生服务中心"

_DUTIES: dict[str, str] = {
    StaffPost.GRID_LEADER: "统筹本网格巡查走访、矛盾纠纷排查和事件上报，督促网格员履职",
    StaffPost.GRID_WORKER: "入户走访，采集更新人口、房屋信息，排查安全隐患，发现问题及时上报",
    StaffPost.POLICE: "治安巡逻，流动人口和出租房屋管理，矛盾纠纷调解",
    StaffPost.DOCTOR: "家庭医生签约，慢病随访，老年人和残疾人等重点人群健康服务",
    StaffPost.PROPERTY: "小区安全巡查、设施设备维修、环境卫生和停车秩序",
    StaffPost.BUILDING_LEADER: "楼内住户信息收集、通知传达，反映居民诉求",
    StaffPost.VOLUNTEER: "敬老助残、环境整治、文明劝导和社区活动",
}

_TAGS: tuple[tuple[str, str, str], ...] = (
    ("elderly_alone", "独居老人", "70岁以上独自居住，需定期探访"),
    ("empty_nest", "空巢老人", "60岁以上，子女不在身边共同居住"),
    ("disabled", "残疾人", "持有残疾人证"),
    ("low_income", "低保", "享受城市最低生活保障"),
    ("five_guarantees", "五保", "特困供养人员（五保对象）"),
    ("key_attention", "重点关注", "需重点关注、定期走访的人员"),
    ("veteran", "退役军人", "退役军人及其他优抚对象"),
)


# --------------------------------------------------------------------------------------------
# Rows produced by the pure generator
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegionRow:
    code: str
    name: str
    level: str
    parent_code: str | None
    boundary: str
    centroid_lon: float
    centroid_lat: float


@dataclass(frozen=True, slots=True)
class StaffRow:
    region_code: str
    post: str
    name: str
    department: str
    phone: str
    duties: str


@dataclass(frozen=True, slots=True)
class BuildingRow:
    key: int
    community_code: str
    grid_code: str
    road: str
    number: str
    name: str
    kind: str
    lon: float
    lat: float
    units: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RoomRow:
    key: int
    building_key: int
    unit: str | None
    name: str
    use: str
    address_code: str
    grid_code: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class HouseholdRow:
    key: int
    room_key: int
    grid_code: str
    head_key: int
    is_rental: bool


@dataclass(frozen=True, slots=True)
class PersonRow:
    key: int
    name: str
    id_number: str
    gender: str
    birth_date: datetime.date
    phone: str
    ethnicity: str
    registered_residence: str
    residence_type: str
    grid_code: str
    household_key: int
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ResidenceRow:
    person_key: int
    household_key: int
    relation: str
    since: datetime.date
    until: datetime.date | None
    note: str = ""


@dataclass
class Batch:
    buildings: list[BuildingRow] = field(default_factory=list)
    rooms: list[RoomRow] = field(default_factory=list)
    households: list[HouseholdRow] = field(default_factory=list)
    persons: list[PersonRow] = field(default_factory=list)
    residences: list[ResidenceRow] = field(default_factory=list)
    staff: list[StaffRow] = field(default_factory=list)  # 楼栋长 of the batch's buildings


# --------------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------------

_LON0, _LAT0 = 116.46, 39.915
# Work in a local plane where one unit is the same distance east and north, so Voronoi cells and
# Lloyd relaxation give evenly shaped grids rather than cells stretched north-south.
_KX = math.cos(math.radians(_LAT0))


def _to_lonlat(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: np.column_stack([xy[:, 0] / _KX, xy[:, 1]]))


def _street_outline(rng: np.random.Generator) -> BaseGeometry:
    """A rounded-rectangle with jittered vertices over roughly 116.44-116.48E, 39.90-39.93N."""
    a, b = 0.0195 * _KX, 0.0145
    points = []
    n = 22
    for i in range(n):
        t = 2 * math.pi * i / n + rng.uniform(-0.08, 0.08)
        c, s = math.cos(t), math.sin(t)
        r = 1.0 / (abs(c) ** 4 + abs(s) ** 4) ** 0.25
        k = rng.uniform(0.93, 1.0)
        points.append((_LON0 * _KX + a * r * c * k, _LAT0 + b * r * s * k))
    return shapely.Polygon(points)


def _seed_points(
    poly: BaseGeometry, n: int, rng: np.random.Generator, lloyd: int = 3
) -> np.ndarray:
    """n well-spread points in poly: uniform samples, then Lloyd relaxation."""
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    found: list[tuple[float, float]] = []
    while len(found) < n:
        xs = rng.uniform(minx, maxx, 8 * n)
        ys = rng.uniform(miny, maxy, 8 * n)
        inside = shapely.contains_xy(poly, xs, ys)
        found.extend(zip(xs[inside].tolist(), ys[inside].tolist(), strict=True))
    points = np.array(found[:n])
    for _ in range(lloyd):
        cells = _cells(poly, points)
        centres = []
        for cell, old in zip(cells, points, strict=True):
            centre = cell.centroid
            if cell.is_empty or not poly.contains(centre):
                centres.append(old)
            else:
                centres.append((centre.x, centre.y))
        points = np.array(centres)
    return points


def _cells(poly: BaseGeometry, points: np.ndarray) -> list[BaseGeometry]:
    """Voronoi cells of points (in input order) clipped to poly."""
    if len(points) == 1:
        return [poly]
    diagram = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=poly, ordered=True)
    return [shapely.intersection(cell, poly) for cell in shapely.get_parts(diagram)]


def _geojson(geom: BaseGeometry) -> str:
    return json.dumps(mapping(geom), separators=(",", ":"))


def _centroid(geom: BaseGeometry) -> tuple[float, float]:
    point = geom.centroid
    if not geom.contains(point):
        point = geom.point_on_surface()
    return round(point.x, 6), round(point.y, 6)


@dataclass
class _Layout:
    street: BaseGeometry
    district: BaseGeometry
    communities: list[BaseGeometry]
    grids: list[list[BaseGeometry]]


def _layout(rng: np.random.Generator, grids_per_community: Sequence[int]) -> _Layout:
    """Street, communities and grids as one noded partition.

    Cells are cut by Voronoi diagrams (communities within the street, grids within each
    community), then all cell boundaries are noded together on the ``_GRID_SIZE`` grid and
    polygonised. Each face goes back to the grid cell it came from, communities are unions of
    their grids and the street the union of its communities, so siblings share identical edges
    and every parent is exactly covered by its children: no slivers, gaps or overlaps that
    clipping each level separately would leave after rounding.
    """
    street = _street_outline(rng)
    community_cells = _cells(street, _seed_points(street, len(grids_per_community), rng))
    flat: list[BaseGeometry] = []
    owner: list[int] = []
    for index, (cell, count) in enumerate(zip(community_cells, grids_per_community, strict=True)):
        for grid_cell in _cells(cell, _seed_points(cell, count, rng)):
            flat.append(_to_lonlat(grid_cell))
            owner.append(index)
    lines = shapely.union_all([shapely.boundary(c) for c in flat], grid_size=_GRID_SIZE)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    tree = shapely.STRtree(flat)
    faces_of: list[list[BaseGeometry]] = [[] for _ in flat]
    for face in faces:
        candidates = tree.query(face, predicate="intersects")
        best = max(candidates, key=lambda i: shapely.area(shapely.intersection(face, flat[i])))
        faces_of[int(best)].append(face)
    grid_polys = [shapely.union_all(parts, grid_size=_GRID_SIZE) for parts in faces_of]
    grids: list[list[BaseGeometry]] = [[] for _ in grids_per_community]
    for index, poly in zip(owner, grid_polys, strict=True):
        grids[index].append(shapely.normalize(poly))
    communities = [
        shapely.normalize(shapely.union_all(children, grid_size=_GRID_SIZE)) for children in grids
    ]
    street_ll = shapely.normalize(shapely.union_all(communities, grid_size=_GRID_SIZE))
    district = shapely.set_precision(
        shapely.simplify(street_ll.buffer(0.012, quad_segs=4), 0.001), _GRID_SIZE
    )
    return _Layout(street_ll, district, communities, grids)


# --------------------------------------------------------------------------------------------
# The pure generator
# --------------------------------------------------------------------------------------------


def _weighted(items: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    values = [item[0] for item in items]
    cumulative: list[float] = []
    total = 0.0
    for _, weight in items:
        total += weight
        cumulative.append(total)
    return values, cumulative


@dataclass(frozen=True)
class _GridPlan:
    code: str
    community: _CommunityPlan
    community_code: str
    polygon: BaseGeometry
    target: int


@dataclass
class _Member:
    relation: str
    gender: str
    birth: datetime.date
    surname: str | None = None
    kind: str = ResidenceType.REGISTERED
    origin: tuple[str, str] | None = None  # (ID region code, registered residence) if not local


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split total in proportion to weights, in whole numbers that add up to total exactly.

    Largest remainders, so ``--size 500000`` means 500,000 residents, not "about".
    """
    scale = total / sum(weights)
    shares = [w * scale for w in weights]
    whole = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: whole[i] - shares[i])
    for i in by_remainder[: total - sum(whole)]:
        whole[i] += 1
    return whole


def _years_before(date: datetime.date, years: float) -> datetime.date:
    return date - datetime.timedelta(days=round(years * 365.2425))


def _age(birth: datetime.date) -> int:
    ref = REFERENCE_DATE
    return ref.year - birth.year - ((ref.month, ref.day) < (birth.month, birth.day))


class DemoGenerator:
    """Everything the demo contains, from (size, seed) alone: no database access.

    ``regions()`` and ``staff()`` are small lists; ``batches()`` streams the address registry and
    population in batches of about ``BATCH_SIZE`` persons, so 500,000 residents never sit in
    memory at once. Keys are 0-based running numbers; the writer turns them into primary keys.
    """

    def __init__(self, size: int, seed: int) -> None:
        if size < MIN_SIZE:
            raise ServiceError(f"演示数据规模至少为{MIN_SIZE}人")
        self.size = size
        self.seed = seed
        geo_rng = np.random.default_rng(seed)
        plan_rng = random.Random(f"{seed}/plan")
        # Real grids hold a few hundred households; a demo with many residents gets more grids.
        scale = round(size / len(_COMMUNITIES) / 1500)
        self._grid_counts = [max(plan_rng.randint(3, 6), scale) for _ in _COMMUNITIES]
        self._layout = _layout(geo_rng, self._grid_counts)
        weights = [[plan_rng.uniform(0.6, 1.4) for _ in grids] for grids in self._layout.grids]
        targets = iter(_apportion(size, [w for grid_weights in weights for w in grid_weights]))
        self._grids: list[_GridPlan] = []
        for c_index, (plan, polys) in enumerate(zip(_COMMUNITIES, self._layout.grids, strict=True)):
            community_code = f"{STREET_CODE}{c_index + 1:03d}"
            for g_index, poly in enumerate(polys):
                self._grids.append(
                    _GridPlan(
                        f"{community_code}{g_index + 1:03d}",
                        plan,
                        community_code,
                        poly,
                        next(targets),
                    )
                )
        self._surnames = _weighted(_SURNAMES)
        self._given = {key: _weighted(pool) for key, pool in _GIVEN.items()}
        self._beijing = _weighted([((code, name), w) for code, name, w in _BEIJING_CODES])
        self._provinces = _weighted([(codes, w) for w, codes in _ORIGINS])
        self._ethnicities = _weighted(_ETHNICITIES)

    # -- regions and staff ------------------------------------------------------------------

    def regions(self) -> list[RegionRow]:
        layout = self._layout
        rows = [
            RegionRow(
                DISTRICT_CODE, "朝阳区", RegionLevel.DISTRICT, None,
                _geojson(layout.district), *_centroid(layout.district),
            ),
            RegionRow(
                STREET_CODE, "京广路街道", RegionLevel.STREET, DISTRICT_CODE,
                _geojson(layout.street), *_centroid(layout.street),
            ),
        ]  # fmt: skip
        for c_index, (plan, poly) in enumerate(zip(_COMMUNITIES, layout.communities, strict=True)):
            code = f"{STREET_CODE}{c_index + 1:03d}"
            rows.append(
                RegionRow(
                    code, plan.name, RegionLevel.COMMUNITY, STREET_CODE,
                    _geojson(poly), *_centroid(poly),
                )
            )  # fmt: skip
        for grid in self._grids:
            rows.append(
                RegionRow(
                    grid.code, f"第{int(grid.code[-3:])}网格", RegionLevel.GRID,
                    grid.community_code, _geojson(grid.polygon), *_centroid(grid.polygon),
                )
            )  # fmt: skip
        return rows

    def staff(self) -> list[StaffRow]:
        """定人定岗: per grid 网格长, 网格员, 片警, 片医; per community 物业 and 志愿者.

        楼栋长 are residents of their building, so they come with the buildings in ``batches()``.
        """
        rng = random.Random(f"{self.seed}/staff")
        rows: list[StaffRow] = []
        phones: set[int] = set()

        def add(region: str, post: str, department: str, age: tuple[int, int] = (24, 55)) -> None:
            gender = "男" if rng.random() < 0.5 else "女"
            birth = self._birth(rng, *age)
            rows.append(
                StaffRow(
                    region, post, self._name(rng, gender, birth), department,
                    self._mobile(rng, phones), _DUTIES[post],
                )
            )  # fmt: skip

        for c_index, plan in enumerate(_COMMUNITIES):
            community_code = f"{STREET_CODE}{c_index + 1:03d}"
            committee = f"{plan.name.removesuffix('社区')}社区居委会"
            for grid in (g for g in self._grids if g.community_code == community_code):
                add(grid.code, StaffPost.GRID_LEADER, committee, (32, 55))
                for _ in range(rng.randint(1, 2)):
                    add(grid.code, StaffPost.GRID_WORKER, committee)
                add(grid.code, StaffPost.POLICE, _POLICE_STATION, (26, 50))
                add(grid.code, StaffPost.DOCTOR, _HEALTH_CENTRE, (28, 58))
            extra = self.size // 25000
            for _ in range(rng.randint(1, 2) + extra // 4):
                add(community_code, StaffPost.PROPERTY, plan.property_company)
            for _ in range(rng.randint(3, 8) + extra):
                add(community_code, StaffPost.VOLUNTEER, f"{plan.name}志愿服务队", (18, 72))
        return rows

    # -- population -------------------------------------------------------------------------

    def batches(self, batch_persons: int = BATCH_SIZE) -> Iterator[Batch]:
        """The address registry and population, building by building, in batches."""
        state = _State(rng=random.Random(f"{self.seed}/people"))
        # Staff phones are drawn from their own stream; residents must not get one of them.
        state.phones.update(int(row.phone) for row in self.staff())
        batch = Batch()
        for grid in self._grids:
            placer = _Placer(grid.polygon, random.Random(f"{self.seed}/place/{grid.code}"))
            remaining = grid.target
            building_index = 0
            while remaining > 0:
                before = state.persons
                self._building(state, grid, placer, building_index, remaining, batch)
                building_index += 1
                remaining -= state.persons - before
                if len(batch.persons) >= batch_persons:
                    yield batch
                    batch = Batch()
        if batch.persons or batch.buildings:
            yield batch

    def _building(
        self,
        state: _State,
        grid: _GridPlan,
        placer: _Placer,
        index: int,
        remaining: int,
        batch: Batch,
    ) -> None:
        rng = state.rng
        plan = grid.community
        courtyard = rng.random() < plan.courtyard_share or remaining < 45
        lon, lat = placer.place()
        if courtyard:
            road = rng.choice(plan.lanes)
            number = state.next_number(road, rng)
            room_count = rng.randint(3, 9)
            if room_count * _EXPECTED_PER_ROOM > remaining * 1.3:
                room_count = max(1, round(remaining / _EXPECTED_PER_ROOM))
            names = list(_COURTYARD_ROOMS[:4]) + rng.sample(_COURTYARD_ROOMS[4:], 9)
            layout: list[tuple[str | None, str, int]] = [
                (None, name, 1) for name in sorted(names[:room_count], key=_COURTYARD_ROOMS.index)
            ]
            units: tuple[str, ...] = ()
            kind, name = BuildingKind.COURTYARD, ""
        else:
            floors = rng.randint(6, 18)
            unit_count = rng.randint(2, 4)
            per_floor = rng.randint(2, 4)
            capacity = remaining * 1.15 / _EXPECTED_PER_ROOM
            while floors * unit_count * per_floor > capacity:
                if floors > 6:
                    floors = max(6, floors - 2)
                elif unit_count > 2:
                    unit_count -= 1
                elif per_floor > 2:
                    per_floor -= 1
                else:
                    break
            road, number, name = state.compound_building(grid.code, plan, rng)
            units = tuple(str(u) for u in range(1, unit_count + 1))
            layout = [
                (unit, f"{floor}{room:02d}", floor)
                for unit in units
                for floor in range(1, floors + 1)
                for room in range(1, per_floor + 1)
            ]
            kind = BuildingKind.APARTMENT
        building_key = state.buildings
        state.buildings += 1
        batch.buildings.append(
            BuildingRow(
                building_key, grid.community_code, grid.code, road, number, name, kind,
                lon, lat, units,
            )
        )  # fmt: skip
        label = f"{road}{number}号" + (f"{name}号楼" if name else "")
        first_person = len(batch.persons)
        for r_index, (unit, room_name, floor) in enumerate(layout):
            use = self._room_use(rng, kind, floor, road)
            if use in (RoomUse.OWNER_OCCUPIED, RoomUse.RENTED) and remaining <= 0:
                # The grid is full: the rest of the building is not lived in, and says so.
                use = RoomUse.VACANT
            room_key = state.rooms
            state.rooms += 1
            batch.rooms.append(
                RoomRow(
                    room_key, building_key, unit, room_name, use,
                    f"{grid.code}{index:04d}{r_index:04d}", grid.code, lon, lat,
                )
            )  # fmt: skip
            if use in (RoomUse.OWNER_OCCUPIED, RoomUse.RENTED):
                address = label + (f"{unit}单元" if unit else "") + room_name
                remaining -= self._household(
                    state, grid, room_key, use == RoomUse.RENTED, address, batch, remaining
                )
        if kind == BuildingKind.APARTMENT:
            self._building_leader(state, grid, label, batch, first_person)

    @staticmethod
    def _building_leader(
        state: _State, grid: _GridPlan, label: str, batch: Batch, first_person: int
    ) -> None:
        """Some 楼房 have a 楼栋长: a registered resident of that very building, with their phone."""
        rng = state.rng
        if rng.random() >= 0.35:
            return
        candidates = [
            p
            for p in batch.persons[first_person:]
            if p.residence_type == ResidenceType.REGISTERED
            and p.phone.startswith("1")
            and 35 <= _age(p.birth_date) <= 75
        ]
        if not candidates:
            return
        leader = rng.choice(candidates)
        batch.staff.append(
            StaffRow(
                grid.code,
                StaffPost.BUILDING_LEADER,
                leader.name,
                f"{grid.community.name.removesuffix('社区')}社区居委会",
                leader.phone,
                f"{label}楼栋长：{_DUTIES[StaffPost.BUILDING_LEADER]}",
            )
        )

    @staticmethod
    def _room_use(rng: random.Random, kind: str, floor: int, road: str) -> str:
        x = rng.random()
        if kind == BuildingKind.APARTMENT and floor == 1 and road in _MAIN_ROADS and x < 0.3:
            return RoomUse.COMMERCIAL
        courtyard = kind == BuildingKind.COURTYARD
        cuts = (0.47, 0.86, 0.96) if courtyard else (0.52, 0.88, 0.985)
        if x < cuts[0]:
            return RoomUse.OWNER_OCCUPIED
        if x < cuts[1]:
            return RoomUse.RENTED
        if x < cuts[2]:
            return RoomUse.VACANT
        return RoomUse.COMMERCIAL

    # -- households ---------------------------------------------------------------------------

    def _household(
        self,
        state: _State,
        grid: _GridPlan,
        room_key: int,
        rental: bool,
        address: str,
        batch: Batch,
        limit: int,
    ) -> int:
        """Add one household of at most ``limit`` persons; return how many persons it has."""
        rng = state.rng
        members = self._tenants(rng) if rental else self._family(rng)
        # The grid's last household is cut to fit (head first, so the head always stays).
        del members[max(1, limit) :]
        household_key = state.households
        state.households += 1
        state.rental_flags.append(rental)
        move_in = self._move_in(rng, members[0].birth, rental)
        self._surnames_for(rng, members)
        ethnicity = self._ethnicity(rng)
        hukou = f"北京市朝阳区{address}"
        phones: list[str] = []
        for member in members:
            key = state.persons
            state.persons += 1
            if member.kind == ResidenceType.OVERSEAS:
                ethnicity_here = ""
            elif member.relation == Relation.TENANT or rng.random() < 0.1:
                ethnicity_here = self._ethnicity(rng)
            else:
                ethnicity_here = ethnicity
            code, residence_text = self._origin(rng, member, hukou, rental)
            if ethnicity_here == "维吾尔族":
                name = self._uyghur_name(rng, member.gender)
            elif ethnicity_here == "蒙古族" and rng.random() < 0.5:
                name = rng.choice(_MONGOLIAN_GIVEN[member.gender])
            else:
                name = (member.surname or self._surname(rng)) + self._given_name(
                    rng, member.gender, member.birth
                )
            since = max(move_in, member.birth)
            if member.relation == Relation.PARENT and rng.random() < 0.5:
                since = since + datetime.timedelta(
                    days=rng.randint(0, max(0, (REFERENCE_DATE - since).days - 1))
                )
            phone = self._member_phone(rng, member, phones, state.phones)
            id_number = state.id_number(code, member.birth, member.gender)
            batch.persons.append(
                PersonRow(
                    key, name, id_number, member.gender, member.birth, phone, ethnicity_here,
                    residence_text, member.kind, grid.code, household_key, (),
                )
            )  # fmt: skip
            batch.residences.append(ResidenceRow(key, household_key, member.relation, since, None))
            if household_key > 0 and rng.random() < 0.05:
                self._earlier_residence(state, key, member.birth, since, batch)
        self._tag(rng, members, rental, batch)
        head_key = state.persons - len(members)
        batch.households.append(HouseholdRow(household_key, room_key, grid.code, head_key, rental))
        return len(members)

    def _surnames_for(self, rng: random.Random, members: list[_Member]) -> None:
        """Children take the father's surname, the head's father shares the head's."""
        head = members[0]
        head.surname = self._surname(rng)
        spouse = next((m for m in members if m.relation == Relation.SPOUSE), None)
        if spouse is not None:
            spouse.surname = self._surname(rng)
        father = head if head.gender == "男" or spouse is None else spouse
        for member in members[1:]:
            if member.relation in (Relation.CHILD, Relation.GRANDCHILD):
                member.surname = father.surname if rng.random() < 0.95 else head.surname
            elif member.relation == Relation.PARENT and member.gender == "男":
                member.surname = head.surname
            elif member.surname is None:
                member.surname = self._surname(rng)

    def _family(self, rng: random.Random) -> list[_Member]:
        """An owner-occupied household: one of the common family shapes of a Beijing street."""
        x = rng.random()
        female_head = rng.random() < 0.3
        head_gender, other = ("女", "男") if female_head else ("男", "女")
        members: list[_Member]
        if x < 0.10:  # elderly living alone, more often a widow
            gender = "女" if rng.random() < 0.65 else "男"
            members = [_Member(Relation.HEAD, gender, self._birth(rng, 66, 94))]
        elif x < 0.18:  # single adult
            members = [_Member(Relation.HEAD, head_gender, self._birth(rng, 24, 65))]
        elif x < 0.33:  # elderly couple, children moved out (空巢)
            head = self._birth(rng, 60, 90)
            members = [
                _Member(Relation.HEAD, head_gender, head),
                _Member(Relation.SPOUSE, other, self._spouse_birth(rng, head, 60)),
            ]
        elif x < 0.45:  # couple without children
            head = self._birth(rng, 24, 59)
            members = [
                _Member(Relation.HEAD, head_gender, head),
                _Member(Relation.SPOUSE, other, self._spouse_birth(rng, head, 20)),
            ]
        elif x < 0.78:  # couple with children
            head = self._birth(rng, 27, 58)
            members = [
                _Member(Relation.HEAD, head_gender, head),
                _Member(Relation.SPOUSE, other, self._spouse_birth(rng, head, 22)),
            ]
            members += self._children(rng, head, rng.choice((1, 1, 1, 2, 2)), Relation.CHILD)
        elif x < 0.93:  # three generations: elderly parents of the head live in
            head = self._birth(rng, 30, 55)
            members = [
                _Member(Relation.HEAD, head_gender, head),
                _Member(Relation.SPOUSE, other, self._spouse_birth(rng, head, 22)),
            ]
            members += self._children(rng, head, rng.choice((1, 1, 2)), Relation.CHILD)
            father = _years_before(head, rng.uniform(23, 34))
            if _age(father) <= 96:
                parents = [("男", father), ("女", self._spouse_birth(rng, father, 45))]
                if rng.random() < 0.4:
                    parents.pop(rng.randrange(2))
                for gender, birth in parents:
                    members.append(_Member(Relation.PARENT, gender, birth))
        elif x < 0.97:  # grandparents raising a grandchild
            head = self._birth(rng, 55, 75)
            members = [
                _Member(Relation.HEAD, head_gender, head),
                _Member(Relation.SPOUSE, other, self._spouse_birth(rng, head, 50)),
            ]
            child_birth = _years_before(head, rng.uniform(24, 34))
            members += self._children(rng, child_birth, 1, Relation.GRANDCHILD)
        else:  # single parent
            head = self._birth(rng, 28, 55)
            members = [_Member(Relation.HEAD, head_gender, head)]
            members += self._children(rng, head, 1, Relation.CHILD)
        # Owner households are mostly 户籍; some bought here without moving their 户口, and
        # parents who came to help with grandchildren (老漂族) or a spouse from elsewhere often
        # keep theirs in the home town.
        y = rng.random()
        if y < 0.004:
            kind = ResidenceType.OVERSEAS
        elif y < 0.125:
            kind = ResidenceType.FLOATING
        else:
            kind = ResidenceType.REGISTERED
        origin = self._hometown(rng) if kind == ResidenceType.FLOATING else None
        parents_origin = self._hometown(rng)
        for member in members:
            member.kind = kind
            member.origin = origin
            if kind == ResidenceType.REGISTERED:
                if member.relation == Relation.PARENT and rng.random() < 0.4:
                    member.kind, member.origin = ResidenceType.FLOATING, parents_origin
                elif member.relation == Relation.SPOUSE and rng.random() < 0.1:
                    member.kind, member.origin = ResidenceType.FLOATING, self._hometown(rng)
        if kind == ResidenceType.OVERSEAS:
            overseas = rng.choice(_OVERSEAS)
            for member in members:
                member.origin = overseas
        return members

    def _tenants(self, rng: random.Random) -> list[_Member]:
        """A rented room: single tenants, couples, young families or a shared flat (合租)."""
        x = rng.random()
        gender = "男" if rng.random() < 0.55 else "女"
        other = "女" if gender == "男" else "男"
        if x < 0.33:
            members = [_Member(Relation.HEAD, gender, self._birth(rng, 19, 55))]
        elif x < 0.58:
            head = self._birth(rng, 22, 50)
            members = [
                _Member(Relation.HEAD, gender, head),
                _Member(Relation.SPOUSE, other, self._spouse_birth(rng, head, 20)),
            ]
        elif x < 0.75:
            head = self._birth(rng, 26, 45)
            members = [
                _Member(Relation.HEAD, gender, head),
                _Member(Relation.SPOUSE, other, self._spouse_birth(rng, head, 21)),
            ]
            members += self._children(rng, head, rng.choice((1, 1, 2)), Relation.CHILD)
        else:
            members = [_Member(Relation.HEAD, gender, self._birth(rng, 20, 35))]
            for _ in range(rng.randint(1, 4)):
                g = "男" if rng.random() < 0.55 else "女"
                members.append(_Member(Relation.TENANT, g, self._birth(rng, 19, 38)))
        y = rng.random()
        if y < 0.012:
            kind = ResidenceType.OVERSEAS
        elif y < 0.84:
            kind = ResidenceType.FLOATING
        else:
            kind = ResidenceType.REGISTERED
        family_origin = self._hometown(rng) if kind == ResidenceType.FLOATING else None
        overseas = rng.choice(_OVERSEAS)
        for member in members:
            member.kind = kind
            if kind == ResidenceType.OVERSEAS:
                member.origin = overseas
            elif member.relation == Relation.TENANT:
                # Flatmates are unrelated: each has their own 户籍 status and home town.
                if rng.random() < 0.9:
                    member.kind, member.origin = ResidenceType.FLOATING, self._hometown(rng)
                else:
                    member.kind, member.origin = ResidenceType.REGISTERED, None
            else:
                member.origin = family_origin
        return members

    def _children(
        self, rng: random.Random, parent: datetime.date, count: int, relation: str
    ) -> list[_Member]:
        children = []
        for _ in range(count):
            birth = parent + datetime.timedelta(days=round(rng.uniform(23, 38) * 365.2425))
            if birth >= REFERENCE_DATE:
                birth = REFERENCE_DATE - datetime.timedelta(days=rng.randint(30, 2000))
            gender = "男" if rng.random() < 0.52 else "女"
            children.append(_Member(relation, gender, birth))
        return children

    def _spouse_birth(self, rng: random.Random, head: datetime.date, min_age: int) -> datetime.date:
        birth = head + datetime.timedelta(days=round(rng.gauss(1.5, 3) * 365.2425))
        if _age(birth) < min_age:
            birth = _years_before(REFERENCE_DATE, min_age + rng.random())
        return min(birth, _years_before(REFERENCE_DATE, 18.1))

    @staticmethod
    def _move_in(rng: random.Random, head_birth: datetime.date, rental: bool) -> datetime.date:
        if rental:
            return REFERENCE_DATE - datetime.timedelta(days=rng.randint(20, 5 * 365))
        earliest = max(datetime.date(1980, 1, 1), head_birth + datetime.timedelta(days=20 * 365))
        span = (REFERENCE_DATE - earliest).days - 30
        if span <= 0:
            return REFERENCE_DATE - datetime.timedelta(days=30)
        return earliest + datetime.timedelta(days=rng.randint(0, span))

    def _earlier_residence(
        self,
        state: _State,
        person_key: int,
        birth: datetime.date,
        since: datetime.date,
        batch: Batch,
    ) -> None:
        """A move within the street: an ended residence in some earlier household."""
        rng = state.rng
        until = since - datetime.timedelta(days=rng.randint(1, 60))
        earlier_since = until - datetime.timedelta(days=rng.randint(180, 3000))
        if earlier_since <= birth:
            return
        household = rng.randrange(state.households - 1)
        relation = Relation.TENANT if state.rental_flags[household] else Relation.OTHER
        batch.residences.append(
            ResidenceRow(person_key, household, relation, earlier_since, until, "街道内搬迁")
        )

    # -- tags -------------------------------------------------------------------------------

    def _tag(self, rng: random.Random, members: list[_Member], rental: bool, batch: Batch) -> None:
        rows = batch.persons[-len(members) :]
        ages = [_age(m.birth) for m in members]
        alone = len(members) == 1
        all_elderly = all(a >= 60 for a in ages)
        registered = members[0].kind == ResidenceType.REGISTERED
        low_income = (
            registered
            and not rental
            and rng.random() < (0.06 if alone or len(members) == 2 and ages[1] < 18 else 0.012)
        )
        for i, (member, age, row) in enumerate(zip(members, ages, rows, strict=True)):
            tags: list[str] = []
            if alone and age >= 70:
                tags.append("elderly_alone")
                if registered and rng.random() < 0.03:
                    tags.append("five_guarantees")
            elif all_elderly and len(members) >= 2:
                tags.append("empty_nest")
            if rng.random() < (0.012 if age < 18 else 0.022 if age < 60 else 0.06):
                tags.append("disabled")
            if low_income:
                tags.append("low_income")
            if age >= 18 and rng.random() < 0.004:
                tags.append("key_attention")
            if age >= 22 and rng.random() < (0.035 if member.gender == "男" else 0.003):
                tags.append("veteran")
            if tags:
                batch.persons[len(batch.persons) - len(members) + i] = _with_tags(row, tags)

    # -- people details -----------------------------------------------------------------------

    def _origin(
        self, rng: random.Random, member: _Member, hukou: str, rental: bool
    ) -> tuple[str, str]:
        """(ID region code, registered residence text) for one person."""
        if member.kind != ResidenceType.REGISTERED and member.origin:
            return member.origin
        code: str = _pick(rng, self._beijing)[0]
        if member.birth.year >= 2010 and code in ("110103", "110104"):
            code = "110101"
        if member.birth.year >= 1995 and rng.random() < 0.7:
            code = "110105"
        if rng.random() < 0.12 and _age(member.birth) >= 18:
            code = self._hometown(rng)[0]  # 户口 moved to Beijing later; the number keeps origin
        if rental:
            # Beijingers renting here keep their 户口 at home elsewhere in the city.
            home = _pick(rng, self._beijing)[1]
            return code, f"北京市{home}"
        return code, hukou

    def _hometown(self, rng: random.Random) -> tuple[str, str]:
        codes: tuple[tuple[str, str], ...] = _pick(rng, self._provinces)
        return rng.choice(codes)

    def _ethnicity(self, rng: random.Random) -> str:
        value: str = _pick(rng, self._ethnicities)
        return value

    def _surname(self, rng: random.Random) -> str:
        value: str = _pick(rng, self._surnames)
        return value

    def _given_name(self, rng: random.Random, gender: str, birth: datetime.date) -> str:
        year = birth.year
        era = "old" if year < 1960 else "mid" if year < 1990 else "young" if year < 2010 else "kid"
        value: str = _pick(rng, self._given[(era, gender)])
        return value

    def _name(self, rng: random.Random, gender: str, birth: datetime.date) -> str:
        return self._surname(rng) + self._given_name(rng, gender, birth)

    @staticmethod
    def _uyghur_name(rng: random.Random, gender: str) -> str:
        return f"{rng.choice(_UYGHUR_GIVEN[gender])}·{rng.choice(_UYGHUR_GIVEN['男'])}"

    @staticmethod
    def _birth(rng: random.Random, min_age: int, max_age: int) -> datetime.date:
        days = rng.randint(round(min_age * 365.2425) + 1, round((max_age + 1) * 365.2425) - 1)
        return REFERENCE_DATE - datetime.timedelta(days=days)

    @staticmethod
    def _mobile(rng: random.Random, used: set[int]) -> str:
        """A mobile number nobody else in the demo has.

        Strangers sharing a number would make phone search and record linkage look broken;
        family members who share one do so on purpose (see ``_member_phone``).
        """
        while True:
            number = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if int(number) not in used:
                used.add(int(number))
                return number

    @staticmethod
    def _landline(rng: random.Random, used: set[int]) -> str:
        while True:
            number = f"010-{rng.choice('68')}{rng.randrange(10**7):07d}"  # 座机
            key = int(number.replace("-", ""))
            if key not in used:
                used.add(key)
                return number

    def _member_phone(
        self, rng: random.Random, member: _Member, phones: list[str], used: set[int]
    ) -> str:
        """Mobiles for adults; children and some old people share a family member's number."""
        age = _age(member.birth)
        if age < 12:
            return phones[0] if phones and rng.random() < 0.3 else ""
        if age >= 80 and rng.random() < 0.5:
            if phones:
                return phones[0]
            return self._landline(rng, used)
        if phones and rng.random() < 0.05:
            return phones[0]
        phone = self._mobile(rng, used)
        phones.append(phone)
        return phone


def _pick(rng: random.Random, table: tuple[list[Any], list[float]]) -> Any:
    values, cumulative = table
    return rng.choices(values, cum_weights=cumulative)[0]


def _with_tags(row: PersonRow, tags: list[str]) -> PersonRow:
    return PersonRow(
        row.key, row.name, row.id_number, row.gender, row.birth_date, row.phone, row.ethnicity,
        row.registered_residence, row.residence_type, row.grid_code, row.household_key,
        tuple(tags),
    )  # fmt: skip


class _State:
    """Running counters and the sets that keep IDs and 门牌号 unique across the street."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.buildings = 0
        self.rooms = 0
        self.households = 0
        self.persons = 0
        self.rental_flags = bytearray()
        self._ids: set[int] = set()
        self.phones: set[int] = set()  # numbers handed out so far, as integers (smaller)
        self._numbers: dict[str, int] = {}
        self._compound: dict[str, tuple[str, str, int, int]] = {}

    def next_number(self, road: str, rng: random.Random) -> str:
        number = self._numbers.get(road, 0) + rng.randint(1, 3)
        self._numbers[road] = number
        return str(number)

    def compound_building(
        self, grid_code: str, plan: _CommunityPlan, rng: random.Random
    ) -> tuple[str, str, str]:
        """Next 楼 in this grid's current 小区 (one 门牌号, buildings 1, 2, 3…), or a new 小区."""
        current = self._compound.get(grid_code)
        if current is None or current[2] >= current[3]:
            road = rng.choice(plan.roads)
            current = (road, self.next_number(road, rng), 0, rng.randint(2, 8))
        road, number, built, planned = current
        self._compound[grid_code] = (road, number, built + 1, planned)
        return road, number, str(built + 1)

    def id_number(self, code: str, birth: datetime.date, gender: str) -> str:
        for _ in range(5000):
            number = make_id_number(code, birth, self.rng.randrange(1000), gender)
            key = int(number[:17])
            if key not in self._ids:
                self._ids.add(key)
                return number
        raise RuntimeError(f"无法为 {code} {birth} 生成不重复的身份证号")


class _Placer:
    """Building points inside a grid, kept off its edges and apart from each other."""

    def __init__(self, polygon: BaseGeometry, rng: random.Random) -> None:
        inner = polygon.buffer(-0.00015)
        if inner.is_empty or inner.area < polygon.area * 0.2:
            inner = polygon.buffer(-0.00002)
        if inner.is_empty:
            inner = polygon
        shapely.prepare(inner)
        self.inner = inner
        self.rng = rng
        self.placed: list[tuple[float, float]] = []
        self.spacing = 0.00028

    def place(self) -> tuple[float, float]:
        minx, miny, maxx, maxy = self.inner.bounds
        candidate = (round((minx + maxx) / 2, 6), round((miny + maxy) / 2, 6))
        for attempt in range(400):
            if attempt and attempt % 80 == 0:
                self.spacing *= 0.75
            x = round(self.rng.uniform(minx, maxx), 6)
            y = round(self.rng.uniform(miny, maxy), 6)
            if not shapely.contains_xy(self.inner, x, y):
                continue
            candidate = (x, y)
            limit = self.spacing**2
            if all((x - px) ** 2 + ((y - py) / _KX) ** 2 >= limit for px, py in self.placed):
                break
        if not shapely.contains_xy(self.inner, *candidate):
            point = self.inner.point_on_surface()
            candidate = (point.x, point.y)
        self.placed.append(candidate)
        return candidate


# --------------------------------------------------------------------------------------------
# Writing to the database
# --------------------------------------------------------------------------------------------


class DemoExists(ServiceError):
    """The demo district is present with another size or seed (or was not built by the demo)."""

    status = 409


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    role_label: str
    region_code: str
    region_name: str


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    message: str
    size: int
    seed: int
    counts: dict[str, int]
    accounts: tuple[DemoAccount, ...]
    seconds: float

    @property
    def floating_share(self) -> float:
        residents = self.counts.get("residents", 0)
        return self.counts.get("floating", 0) / residents if residents else 0.0


# username, role, region code (None → first grid / first community), department, is_staff
_ACCOUNTS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("admin", Role.DISTRICT_ADMIN, DISTRICT_CODE, "", True),
    ("street", Role.STREET_OFFICER, STREET_CODE, "", False),
    ("community", Role.COMMUNITY_OFFICER, f"{STREET_CODE}001", "", False),
    ("grid", Role.GRID_WORKER, f"{STREET_CODE}001001", "", False),
    ("police", Role.DEPARTMENT_HANDLER, STREET_CODE, "派出所", False),
)
DEMO_USERNAMES = tuple(account[0] for account in _ACCOUNTS)
# Demo accounts carry this address (.invalid is reserved, RFC 2606), so a rebuild can tell its own
# "admin" from a real administrator who happens to have that name.
DEMO_EMAIL_DOMAIN = "demo.wangge.invalid"
# Apps whose data the demo admin may edit in the Django admin; users, roles and the audit log it
# may only look at there. With auth.change_user an is_staff account could tick its own
# "superuser" box and escape the role scoping the demo exists to show; roles are granted through
# access.services.assign_role, which is audited.
_ADMIN_APPS = ("geo", "addresses", "people")
_ADMIN_VIEW_ONLY_APPS = ("access", "auth")


def _marker() -> dict[str, Any] | None:
    """Size and seed of the demo currently in the database, from its audit entry."""
    entry = (
        AuditEntry.objects.filter(
            action=audit.AuditAction.IMPORT, object_type="demo", object_id=DISTRICT_CODE
        )
        .order_by("-pk")
        .first()
    )
    if entry is None or not isinstance(entry.detail, dict):
        return None
    return entry.detail


def _accounts() -> tuple[DemoAccount, ...]:
    names = dict(
        Region.objects.filter(code__in=[a[2] for a in _ACCOUNTS]).values_list("code", "name")
    )
    labels = dict(Role.choices)
    return tuple(
        DemoAccount(
            username, DEMO_PASSWORD, role, str(labels[role]) + (f"（{dept}）" if dept else ""),
            code, names.get(code, code),
        )
        for username, role, code, dept, _ in _ACCOUNTS
    )  # fmt: skip


def demo_counts() -> dict[str, int]:
    """What the demo district holds now, counted in the database."""
    grids = Region.objects.filter(code__startswith=DISTRICT_CODE, level=RegionLevel.GRID)
    regions = Region.objects.filter(code__startswith=DISTRICT_CODE).aggregate(
        communities=Count("pk", filter=Q(level=RegionLevel.COMMUNITY)),
        grids=Count("pk", filter=Q(level=RegionLevel.GRID)),
    )
    rooms = Room.objects.filter(grid__in=grids).aggregate(
        rooms=Count("pk"), rented_rooms=Count("pk", filter=Q(use=RoomUse.RENTED))
    )
    persons = Person.objects.filter(grid__in=grids).aggregate(
        residents=Count("pk"),
        floating=Count("pk", filter=Q(residence_type=ResidenceType.FLOATING)),
        overseas=Count("pk", filter=Q(residence_type=ResidenceType.OVERSEAS)),
    )
    return {
        "communities": regions["communities"],
        "grids": regions["grids"],
        "buildings": Building.objects.filter(grid__in=grids).count(),
        "rooms": rooms["rooms"],
        "rented_rooms": rooms["rented_rooms"],
        "households": Household.objects.filter(grid__in=grids).count(),
        "residents": persons["residents"],
        "floating": persons["floating"],
        "overseas": persons["overseas"],
        "ended_residences": Residence.objects.filter(
            household__grid__in=grids, until__isnull=False
        ).count(),
        "tagged": Person.objects.filter(grid__in=grids, tags__isnull=False).distinct().count(),
        "staff": StaffAssignment.objects.filter(region__code__startswith=DISTRICT_CODE).count(),
    }


def build_demo(
    *,
    size: int = 3000,
    seed: int = 20201,
    reset: bool = False,
    progress: ProgressCallback | None = None,
) -> DemoSummary:
    """Build the demo district with about ``size`` residents; see the module docstring.

    Does nothing if the same size and seed are already present. A demo of another size or seed
    is replaced only with ``reset=True``; a district 110105 that the demo did not build is never
    touched, since it may be real data.
    """
    started = time.perf_counter()
    report = progress or (lambda stage, done, total: None)
    present = Region.objects.filter(code=DISTRICT_CODE).exists()
    marker = _marker() if present else None
    if present and marker is None:
        raise DemoExists(
            f"区划 {DISTRICT_CODE} 已存在，但不是演示数据生成器建立的；为防误删真实数据，不做任何改动"
        )
    if present and marker is not None:
        same = marker.get("size") == size and marker.get("seed") == seed
        if same and not reset:
            return DemoSummary(
                created=False,
                message=f"演示数据已存在（规模 {size}，种子 {seed}），未做任何改动",
                size=size,
                seed=seed,
                counts=demo_counts(),
                accounts=_accounts(),
                seconds=time.perf_counter() - started,
            )
        if not reset:
            raise DemoExists(
                f"已有规模 {marker.get('size')}、种子 {marker.get('seed')} 的演示数据；"
                "要按新的参数重建，请加 --reset（将删除现有演示数据）"
            )
    _check_usernames_free()
    generator = DemoGenerator(size, seed)
    with transaction.atomic():
        if present:
            report("删除旧演示数据", 0, 1)
            _delete_demo()
        _write(generator, report)
        counts = demo_counts()
        audit.record(
            None,
            audit.AuditAction.IMPORT,
            "demo",
            DISTRICT_CODE,
            channel="cli",
            detail={"size": size, "seed": seed, "counts": counts},
        )
    return DemoSummary(
        created=True,
        message=f"已生成演示数据（规模 {size}，种子 {seed}）",
        size=size,
        seed=seed,
        counts=counts,
        accounts=_accounts(),
        seconds=time.perf_counter() - started,
    )


def _next_pk(model: Any) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return int(last or 0) + 1


def _write(generator: DemoGenerator, report: ProgressCallback) -> None:
    report("区域、标签与岗位", 0, generator.size)
    tags = {}
    for code, name, description in _TAGS:
        tag, _ = Tag.objects.get_or_create(
            code=code, defaults={"name": name, "description": description}
        )
        tags[code] = tag.pk
    region_pk: dict[str, int] = {}
    region_rows = generator.regions()
    for level in (
        RegionLevel.DISTRICT,
        RegionLevel.STREET,
        RegionLevel.COMMUNITY,
        RegionLevel.GRID,
    ):
        objs = [
            Region(
                code=row.code,
                name=row.name,
                level=row.level,
                parent_id=region_pk[row.parent_code] if row.parent_code else None,
                boundary=row.boundary,
                centroid_lon=row.centroid_lon,
                centroid_lat=row.centroid_lat,
            )
            for row in region_rows
            if row.level == level
        ]
        for region in Region.objects.bulk_create(objs):
            region_pk[region.code] = region.pk
    _write_staff(generator.staff(), region_pk)
    base_building = _next_pk(Building)
    base_unit = _next_pk(Unit)
    base_room = _next_pk(Room)
    base_household = _next_pk(Household)
    base_person = _next_pk(Person)
    unit_count = 0
    through = Person.tags.through
    done = 0
    for batch in generator.batches():
        units: list[Unit] = []
        unit_pk: dict[tuple[int, str], int] = {}
        for b in batch.buildings:
            for name in b.units:
                pk = base_unit + unit_count
                unit_count += 1
                unit_pk[(b.key, name)] = pk
                units.append(Unit(pk=pk, building_id=base_building + b.key, name=name))
        Building.objects.bulk_create(
            [
                Building(
                    pk=base_building + b.key,
                    community_id=region_pk[b.community_code],
                    grid_id=region_pk[b.grid_code],
                    road=b.road,
                    number=b.number,
                    name=b.name,
                    kind=b.kind,
                    lon=b.lon,
                    lat=b.lat,
                )
                for b in batch.buildings
            ],
            batch_size=BATCH_SIZE,
        )
        Unit.objects.bulk_create(units, batch_size=BATCH_SIZE)
        Room.objects.bulk_create(
            [
                Room(
                    pk=base_room + r.key,
                    address_code=r.address_code,
                    building_id=base_building + r.building_key,
                    unit_id=unit_pk[(r.building_key, r.unit)] if r.unit else None,
                    name=r.name,
                    use=r.use,
                    grid_id=region_pk[r.grid_code],
                    lon=r.lon,
                    lat=r.lat,
                )
                for r in batch.rooms
            ],
            batch_size=BATCH_SIZE,
        )
        Household.objects.bulk_create(
            [
                Household(
                    pk=base_household + h.key,
                    room_id=base_room + h.room_key,
                    grid_id=region_pk[h.grid_code],
                    head_id=base_person + h.head_key,
                    is_rental=h.is_rental,
                )
                for h in batch.households
            ],
            batch_size=BATCH_SIZE,
        )
        Person.objects.bulk_create(
            [
                Person(
                    pk=base_person + p.key,
                    name=p.name,
                    id_number=p.id_number,
                    gender=p.gender,
                    birth_date=p.birth_date,
                    phone=p.phone,
                    ethnicity=p.ethnicity,
                    registered_residence=p.registered_residence,
                    residence_type=p.residence_type,
                    grid_id=region_pk[p.grid_code],
                    household_id=base_household + p.household_key,
                )
                for p in batch.persons
            ],
            batch_size=BATCH_SIZE,
        )
        Residence.objects.bulk_create(
            [
                Residence(
                    person_id=base_person + r.person_key,
                    household_id=base_household + r.household_key,
                    relation=r.relation,
                    since=r.since,
                    until=r.until,
                    note=r.note,
                )
                for r in batch.residences
            ],
            batch_size=BATCH_SIZE,
        )
        through.objects.bulk_create(
            [
                through(person_id=base_person + p.key, tag_id=tags[code])
                for p in batch.persons
                for code in p.tags
            ],
            batch_size=BATCH_SIZE,
        )
        _write_staff(batch.staff, region_pk)
        done += len(batch.persons)
        report("楼栋、户室、住户与人员", done, generator.size)
    _reset_sequences()
    report("演示账号", done, generator.size)
    _make_users(region_pk)


def _write_staff(rows: Sequence[StaffRow], region_pk: dict[str, int]) -> None:
    StaffAssignment.objects.bulk_create(
        [
            StaffAssignment(
                region_id=region_pk[row.region_code],
                post=row.post,
                name=row.name,
                department=row.department,
                phone=row.phone,
                duties=row.duties,
            )
            for row in rows
        ],
        batch_size=BATCH_SIZE,
    )


def _reset_sequences() -> None:
    """Explicit primary keys do not advance PostgreSQL sequences; move them past the new rows."""
    statements = connection.ops.sequence_reset_sql(
        no_style(), [Building, Unit, Room, Household, Person]
    )
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _check_usernames_free() -> None:
    """Refuse to take over a real account that is called admin, street, community, grid or police.

    Otherwise a server whose administrator happens to be "admin" would get the public demo
    password. Accounts the demo made earlier (marked by their e-mail domain, or holding a role in
    the demo district from before the marker existed) are reused.
    """
    foreign = [
        user.get_username()
        for user in get_user_model().objects.filter(username__in=DEMO_USERNAMES)
        if user.email != f"{user.get_username()}@{DEMO_EMAIL_DOMAIN}"
        and not RoleAssignment.objects.filter(
            user=user, region__code__startswith=DISTRICT_CODE
        ).exists()
    ]
    if foreign:
        raise DemoExists(
            f"用户名 {'、'.join(sorted(foreign))} 已被非演示账号占用；"
            "为免改动其密码和权限，请先给这些账号改名，再生成演示数据"
        )


def _make_users(region_pk: dict[str, int]) -> None:
    user_model = get_user_model()
    regions = {r.code: r for r in Region.objects.filter(pk__in=region_pk.values())}
    for username, role, code, department, is_staff in _ACCOUNTS:
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model(username=username)
        user.email = f"{username}@{DEMO_EMAIL_DOMAIN}"
        user.is_staff = is_staff
        user.is_superuser = False  # a superuser would see everything: no scoping to show
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        assign_role(None, user, role, regions[code], department=department)
        if username == "admin":
            # is_staff opens the Django admin; these let it show the registry there.
            user.user_permissions.set(
                Permission.objects.filter(
                    Q(content_type__app_label__in=_ADMIN_APPS)
                    | Q(
                        content_type__app_label__in=_ADMIN_VIEW_ONLY_APPS,
                        codename__startswith="view_",
                    )
                )
            )
        if username == "grid":
            worker = (
                StaffAssignment.objects.filter(region=regions[code], post=StaffPost.GRID_WORKER)
                .order_by("pk")
                .first()
            )
            if worker is not None:
                worker.user = user
                worker.save(update_fields=["user"])


def _delete_demo() -> None:
    """Remove the demo district and everything in it, fast enough for 500,000 residents.

    Large tables are emptied with single DELETE statements in dependency order (Django's
    cascading delete would load every person, decrypting each ID number, first). Foreign keys
    are deferred constraints, so a row some other table still points at makes the transaction
    fail at commit instead of leaving a dangling reference. Demo user accounts are kept and only
    lose their roles: deleting a user would null ``AuditEntry.user`` and break the audit chain.
    """
    regions = Region.objects.filter(code__startswith=DISTRICT_CODE)
    region_ids = regions.values("pk")
    persons = Person.objects.filter(grid_id__in=region_ids)
    households = Household.objects.filter(grid_id__in=region_ids)
    buildings = Building.objects.filter(community_id__in=region_ids)
    using = persons.db
    Person.tags.through.objects.filter(person_id__in=persons.values("pk"))._raw_delete(using)
    Residence.objects.filter(
        Q(person_id__in=persons.values("pk")) | Q(household_id__in=households.values("pk"))
    )._raw_delete(using)
    Person.objects.filter(household_id__in=households.values("pk")).exclude(
        grid_id__in=region_ids
    ).update(household=None)
    Household.objects.filter(head_id__in=persons.values("pk")).exclude(
        grid_id__in=region_ids
    ).update(head=None)
    persons._raw_delete(using)
    households._raw_delete(using)
    Room.objects.filter(
        Q(grid_id__in=region_ids) | Q(building_id__in=buildings.values("pk"))
    )._raw_delete(using)
    Unit.objects.filter(building_id__in=buildings.values("pk"))._raw_delete(using)
    buildings._raw_delete(using)
    StaffAssignment.objects.filter(region_id__in=region_ids).delete()
    RoleAssignment.objects.filter(
        Q(region_id__in=region_ids) | Q(user__username__in=DEMO_USERNAMES)
    ).delete()
    user_model = get_user_model()
    for user in user_model.objects.filter(username__in=DEMO_USERNAMES):
        user.groups.remove(*user.groups.filter(name=REVEAL_GROUP))
        user.user_permissions.clear()
    for level in (
        RegionLevel.GRID,
        RegionLevel.COMMUNITY,
        RegionLevel.STREET,
        RegionLevel.DISTRICT,
    ):
        Region.objects.filter(code__startswith=DISTRICT_CODE, level=level).delete()
