"""The pools the generator draws from: names of southern Jiangxi (Hakka surnames weighted
by frequency), banks, phone prefixes, and the weights of attributes, causes and sizes."""

from households.choices import Attribute, Cause

SURNAMES = (
    "刘" * 12
    + "陈" * 8
    + "钟" * 7
    + "曾" * 7
    + "谢" * 6
    + "黄" * 6
    + "李" * 6
    + "赖" * 5
    + "王" * 5
    + "张" * 5
    + "邱" * 4
    + "肖" * 4
    + "温" * 4
    + "杨" * 4
    + "郭" * 3
    + "罗" * 3
    + "朱" * 3
    + "廖" * 3
    + "叶" * 3
    + "邓" * 3
    + "何" * 2
    + "胡" * 2
    + "吴" * 2
    + "周" * 2
    + "徐" * 2
    + "彭" * 2
    + "宋"
    + "易"
    + "管"
    + "丁"
    + "段"
    + "池"
    + "幸"
    + "蓝"
    + "凌"
    + "巫"
    + "兰"
    + "洪"
    + "卢"
    + "林"
    + "邹"
    + "袁"
    + "蔡"
    + "阙"
    + "危"
    + "揭"
    + "古"
    + "孙"
)
MALE_CHARS = (
    "伟强明华建国平军林文志勇辉峰斌荣发福生根水金长春德祥海清永贵忠光东新"
    "龙兵财旺才宝成良元庆胜安富鹏亮俊杰涛涌鑫宏远承添锋"
)
FEMALE_CHARS = "秀英芳兰梅玉珍莲凤桂花琴丽娟霞红萍燕云香群娣招妹冬菊连满月慧婷敏静雪琳佳怡欣"
BANKS = ["赣州农村商业银行", "中国邮政储蓄银行", "中国农业银行", "江西银行"]
PHONE_PREFIXES = [
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "182",
    "183",
    "187",
    "188",
    "133",
    "153",
    "180",
    "189",
    "130",
    "131",
    "132",
    "155",
    "156",
    "185",
    "186",
    "177",
    "199",
]

ATTRIBUTES = [
    (Attribute.GENERAL, 70),
    (Attribute.DIBAO, 22),
    (Attribute.WUBAO, 5),
    (Attribute.TEKUN, 3),
]
CAUSES = [
    (Cause.ILLNESS, 30),
    (Cause.DISABILITY, 12),
    (Cause.SCHOOLING, 8),
    (Cause.DISASTER, 3),
    (Cause.LAND, 4),
    (Cause.WATER, 2),
    (Cause.SKILLS, 12),
    (Cause.LABOUR, 10),
    (Cause.FUNDS, 12),
    (Cause.TRANSPORT, 3),
    (Cause.MOTIVATION, 3),
    (Cause.OTHER, 1),
]
SIZES = [(1, 8), (2, 15), (3, 20), (4, 24), (5, 17), (6, 10), (7, 6)]  # ~3.7 a household
STATEMENTS = {
    Cause.ILLNESS: "家中有人长期患病，医疗支出大，收入低于扶贫标准，申请纳入建档立卡贫困户。",
    Cause.DISABILITY: "家中有残疾人，劳动能力弱，生活困难，申请纳入建档立卡贫困户。",
    Cause.SCHOOLING: "子女上学负担重，家庭收入低，申请纳入建档立卡贫困户。",
}
DEFAULT_STATEMENT = "家庭人均纯收入低于扶贫标准，生活困难，申请纳入建档立卡贫困户。"


def weighted(pairs):
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    return values, weights
