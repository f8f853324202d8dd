"""Choices of the project library and the fund ledger (the national manual's names)."""

from django.db import models


class Category(models.TextChoices):
    EDUCATION = "education", "教育(补助)培训"
    RELOCATION = "relocation", "易地搬迁"
    FINANCE = "finance", "金融扶贫"
    INDUSTRY = "industry", "产业扶贫"
    INFRASTRUCTURE = "infrastructure", "基础设施"


class Nature(models.TextChoices):
    NEW = "new", "新建"
    CONTINUED = "continued", "续建"
    REBUILT = "rebuilt", "改建"
    EXPANDED = "expanded", "扩建"


class Source(models.TextChoices):
    CENTRAL = "central", "中央衔接资金"
    PROVINCE = "province", "省级衔接资金"
    CITY = "city", "市级衔接资金"
    COUNTY = "county", "县级衔接资金"
    INTEGRATED = "integrated", "统筹整合涉农资金"
    EAST_WEST = "east_west", "东西部协作资金"
    PAIRED = "paired", "定点帮扶资金"
    SOCIAL = "social", "社会帮扶资金"
    SELF = "self", "群众自筹"


# Project field holding the planned amount of each source (资金规模).
BUDGET_FIELDS = {source.value: f"budget_{source.value}" for source in Source}


class State(models.TextChoices):
    DRAFT = "draft", "村级录入"
    PROPOSED = "proposed", "村级申报"
    RETURNED = "returned", "已退回"
    REVIEWED = "reviewed", "乡镇审核通过"
    STORED = "stored", "已入库"
    APPROVED = "approved", "已批复"
    ANNOUNCED = "announced", "已公告"
    IMPLEMENTING = "implementing", "实施中"
    ADJUSTING = "adjusting", "调整待批"
    ACCEPTED = "accepted", "已竣工验收"
    SETTLED = "settled", "已报账"
    RESULT_ANNOUNCED = "result_announced", "结果已公告"
    HANDED_OVER = "handed_over", "资产已移交"
    EVALUATED = "evaluated", "已绩效评价"
    STOPPED = "stopped", "已终止"


class AttachmentKind(models.TextChoices):
    MEETING = "meeting", "村两委会议记录"
    NOTICE_PHOTO = "notice_photo", "公示照片"
    REVIEW = "review", "乡镇审核意见"
    APPRAISAL = "appraisal", "论证意见"
    APPROVAL = "approval", "批复文件"
    NOTICE = "notice", "公告文件"
    CONTRACT = "contract", "合同"
    ADJUSTMENT = "adjustment", "调整批复"
    ACCEPTANCE = "acceptance", "验收表"
    SETTLEMENT = "settlement", "报账凭证"
    EVALUATION = "evaluation", "绩效评价报告"
    OTHER = "other", "其他"


class MovementKind(models.TextChoices):
    RECEIVED = "received", "到账"
    ARRANGED = "arranged", "安排"
    DISBURSED = "disbursed", "拨付"
    SPENT = "spent", "支出"
    SETTLED = "settled", "报账"
    RETURNED = "returned", "退回"
