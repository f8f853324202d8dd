"""The labels of 防止返贫监测 as the national monitoring system names them."""

from django.db import models


class Category(models.TextChoices):
    """监测对象类别."""

    UNSTABLE = "unstable", "脱贫不稳定户"
    MARGINAL = "marginal", "边缘易致贫户"
    SUDDEN = "sudden", "突发严重困难户"


class RiskKind(models.TextChoices):
    """风险类型 (one to five per monitored household)."""

    ILLNESS = "illness", "因病"
    DISABILITY = "disability", "因残"
    SCHOOLING = "schooling", "因学"
    DISASTER = "disaster", "因灾"
    ACCIDENT = "accident", "因意外事故"
    INDUSTRY_FAILURE = "industry_failure", "因产业项目失败"
    UNSTABLE_WORK = "unstable_work", "因务工就业不稳"
    NO_LABOUR = "no_labour", "缺劳动力"
    HOUSING = "housing", "因安全住房"
    WATER = "water", "因安全饮水"
    OTHER = "other", "其他"


RISKS_MAX = 5


class Channel(models.TextChoices):
    """线索来源渠道."""

    SELF_REPORT = "self", "农户自主申报"
    CADRE = "cadre", "基层干部排查"
    DEPARTMENT = "department", "部门筛查预警"


class LeadState(models.TextChoices):
    OPEN = "open", "待核实"
    VISITED = "visited", "已入户核实"
    ADMITTED = "admitted", "纳入监测"
    REJECTED = "rejected", "不纳入"


class MonitorState(models.TextChoices):
    IDENTIFYING = "identifying", "识别中"
    MONITORED = "monitored", "风险未消除"
    ELIMINATED = "eliminated", "风险已消除"
    NOT_ADMITTED = "not_admitted", "未纳入"


class Elimination(models.TextChoices):
    """风险消除方式."""

    ASSISTED = "assisted", "帮扶消除"
    NATURAL = "natural", "自然消除"


class Department(models.TextChoices):
    """部门筛查预警: the departments whose data a county compares."""

    MEDICAL = "medical", "医保（合规自付费用）"
    EDUCATION = "education", "教育（辍学、学籍）"
    CIVIL = "civil", "民政（低保、特困）"
    DISABILITY = "disability", "残联（残疾人）"
    HOUSING = "housing", "住建（住房安全）"
    EMERGENCY = "emergency", "应急（受灾）"


class EventKind(models.TextChoices):
    ADMITTED = "admitted", "纳入监测"
    RISKS = "risks", "风险变更"
    REVIEW = "review", "收入核查"
    MEASURE = "measure", "帮扶措施"
    ELIMINATED = "eliminated", "风险消除"
    ROLLED_BACK = "rolled_back", "风险消除回退"
    CLOSED = "closed", "退出监测"
