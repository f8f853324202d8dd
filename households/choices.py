"""Choice lists of the national registration form (全国扶贫开发信息系统 indicators)."""

from django.db import models


class HouseholdStatus(models.TextChoices):
    REGISTERING = "registering", "登记中"
    POOR = "poor", "贫困户"
    LIFTED = "lifted", "已脱贫"
    LIFTED_NO_SUPPORT = "lifted_no_support", "稳定脱贫（不再享受政策）"
    RETURNED = "returned", "返贫"
    REMOVED = "removed", "已清退"
    # 边缘易致贫户 / 突发严重困难户 registered only as 监测对象 (防止返贫监测), never 贫困户.
    MONITORED = "monitored", "监测户（非贫困户）"


# The statuses the poverty register's statistics and sheets count: a draft (登记中) and a
# family monitored without ever being poor (监测户) are not 建档立卡 households.
ROSTER_STATUSES = tuple(
    s for s in HouseholdStatus if s not in (HouseholdStatus.REGISTERING, HouseholdStatus.MONITORED)
)


class Attribute(models.TextChoices):
    GENERAL = "general", "一般贫困户"
    DIBAO = "dibao", "低保贫困户"
    WUBAO = "wubao", "五保贫困户"
    TEKUN = "tekun", "特困供养户"


class IdentificationStandard(models.TextChoices):
    NATIONAL = "national", "国家标准"
    PROVINCIAL = "provincial", "省定标准"


class RoadType(models.TextChoices):
    HARDENED = "hardened", "硬化路"
    GRAVEL = "gravel", "砂石路"
    DIRT = "dirt", "泥土路"
    NONE = "none", "无"


class HouseDanger(models.TextChoices):
    NONE = "none", "否"
    GRADE_C = "c", "C级危房"
    GRADE_D = "d", "D级危房"


class Fuel(models.TextChoices):
    FIREWOOD = "firewood", "柴草"
    COAL = "coal", "煤炭"
    GAS = "gas", "液化气/天然气"
    ELECTRIC = "electric", "电"
    BIOGAS = "biogas", "沼气"
    OTHER = "other", "其他"


class Cause(models.TextChoices):
    ILLNESS = "illness", "因病"
    DISABILITY = "disability", "因残"
    SCHOOLING = "schooling", "因学"
    DISASTER = "disaster", "因灾"
    LAND = "land", "缺土地"
    WATER = "water", "缺水"
    SKILLS = "skills", "缺技术"
    LABOUR = "labour", "缺劳力"
    FUNDS = "funds", "缺资金"
    TRANSPORT = "transport", "交通条件落后"
    MOTIVATION = "motivation", "自身发展动力不足"
    OTHER = "other", "其他"


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    SON = "son", "之子"
    DAUGHTER = "daughter", "之女"
    DAUGHTER_IN_LAW = "daughter_in_law", "之儿媳"
    SON_IN_LAW = "son_in_law", "之女婿"
    GRANDSON = "grandson", "之孙子"
    GRANDDAUGHTER = "granddaughter", "之孙女"
    PARENT = "parent", "之父母"
    GRANDPARENT = "grandparent", "之祖父母"
    SIBLING = "sibling", "之兄弟姐妹"
    OTHER = "other", "其他"


ETHNIC_GROUPS = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
]

ETHNICITY_CHOICES = [(group, group) for group in ETHNIC_GROUPS]


class Education(models.TextChoices):
    ILLITERATE = "illiterate", "文盲或半文盲"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中"
    COLLEGE = "college", "大专及以上"
    PRESCHOOL = "preschool", "学龄前儿童"


class SchoolStatus(models.TextChoices):
    NOT_IN_SCHOOL = "none", "非在校生"
    PRESCHOOL = "preschool", "学前教育"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中"
    VOCATIONAL = "vocational", "中职"
    COLLEGE = "college", "高职、大专及以上"
    DROPPED_OUT = "dropped_out", "失学辍学"


class Health(models.TextChoices):
    HEALTHY = "healthy", "健康"
    CHRONIC = "chronic", "长期慢性病"
    SERIOUS = "serious", "患有大病"
    DISABLED = "disabled", "残疾"


class Labour(models.TextChoices):
    ORDINARY = "ordinary", "普通劳动力"
    SKILLED = "skilled", "技能劳动力"
    LOST = "lost", "丧失劳动力"
    NONE = "none", "无劳动力"


class WorkStatus(models.TextChoices):
    NONE = "none", "未务工"
    IN_TOWNSHIP = "in_township", "乡（镇）内务工"
    IN_COUNTY = "in_county", "乡（镇）外县内务工"
    IN_PROVINCE = "in_province", "县外省内务工"
    OUT_OF_PROVINCE = "out_of_province", "省外务工"
    OTHER = "other", "其他"


class MemberChange(models.TextChoices):
    # 增加 (added)
    BIRTH = "birth", "出生"
    MARRIAGE_IN = "marriage_in", "婚入"
    MOVE_IN = "move_in", "迁入"
    RELEASE = "release", "刑满释放"
    ADOPTION = "adoption", "收养"
    RETURN = "return", "回国/返乡"
    OTHER_ADD = "other_add", "其他增加"
    # 减少 (removed)
    DEATH = "death", "死亡"
    MARRIAGE_OUT = "marriage_out", "婚出"
    ABROAD = "abroad", "出国定居"
    PRISON = "prison", "服刑"
    MOVE_OUT = "move_out", "迁出"
    OTHER_REMOVE = "other_remove", "其他减少"
    SPLIT = "split", "分户迁出"


ADD_CHANGES = [
    MemberChange.BIRTH,
    MemberChange.MARRIAGE_IN,
    MemberChange.MOVE_IN,
    MemberChange.RELEASE,
    MemberChange.ADOPTION,
    MemberChange.RETURN,
    MemberChange.OTHER_ADD,
]
REMOVE_CHANGES = [
    MemberChange.DEATH,
    MemberChange.MARRIAGE_OUT,
    MemberChange.ABROAD,
    MemberChange.PRISON,
    MemberChange.MOVE_OUT,
    MemberChange.OTHER_REMOVE,
]
