"""Roles, and the permissions each role holds: named for what they allow.

An account's permissions are derived from its role at check time (`ROLE_PERMS`); the
guardian rows hold only its slice, one `view_slice` grant per region (office and village
accounts) or unit (unit accounts). `access.has_region_perm(user, perm, region)` is "perm is
in the role's set AND the region lies in the slice". The administrator's slice is
everything, but it holds only the permissions listed for Role.ADMIN: it reads all and writes
only what its role allows.

Adding the permission of a new action is one line here, naming the roles that hold it:

    EDIT_PROJECTS = permission("edit_projects", "维护扶贫项目", Role.COUNTY, Role.TOWNSHIP)

No grant row and no migration change: every account of those roles holds it at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    CITY = "city", "市扶贫办"
    COUNTY = "county", "县扶贫办"
    TOWNSHIP = "township", "乡镇扶贫办"
    VILLAGE = "village", "村级账号"
    UNIT = "unit", "帮扶单位"
    CADRE = "cadre", "帮扶干部"
    # 三员分立 (GB/T 22239-2019 level 3): the system administrator above keeps the system
    # (regions, settings, what it reads); accounts and their grants are the security
    # administrator's; the audit trail is the auditor's alone.
    SECURITY = "security", "安全管理员"
    AUDITOR = "auditor", "审计员"


OFFICE_ROLES = frozenset({Role.CITY, Role.COUNTY, Role.TOWNSHIP})
REGION_ROLES = OFFICE_ROLES | {Role.VILLAGE}
# The three officers: none of them may create or manage an account of these roles for
# itself, nor any account of its own role (see CREATABLE_ROLES).
SEPARATION_ROLES = frozenset({Role.ADMIN, Role.SECURITY, Role.AUDITOR})
# Roles whose slice is the whole tree without a grant row (the system and security
# administrators); what they may do there is still only what their role holds.
WHOLE_TREE_ROLES = frozenset({Role.ADMIN, Role.SECURITY})

# Region level an account of the role is attached to.
ROLE_REGION_LEVEL: dict[str, str] = {
    Role.CITY: "city",
    Role.COUNTY: "county",
    Role.TOWNSHIP: "township",
    Role.VILLAGE: "village",
}
# Region levels an account of the role may be attached to when it is created (添加系统用户):
# an auditor reads the trail of a county, a city or, on the province (the root), the whole
# system's.
ROLE_REGION_LEVELS: dict[str, tuple[str, ...]] = {
    **{role: (level,) for role, level in ROLE_REGION_LEVEL.items()},
    Role.AUDITOR: ("province", "city", "county"),
}

# Codename of the one guardian permission that marks a slice (on villages.Region and on
# units.Unit; declared in both models' Meta.permissions).
SLICE = "view_slice"


@dataclass(frozen=True)
class Permission:
    codename: str
    label: str
    roles: frozenset[str]


PERMISSIONS: dict[str, Permission] = {}
# role -> the permissions its accounts hold on their slice (filled by the declarations).
ROLE_PERMS: dict[str, frozenset[str]] = {role: frozenset() for role in Role}


def permission(codename: str, label: str, *roles: str) -> str:
    """Declare a permission and the roles that hold it; returns its codename."""
    if codename in PERMISSIONS:
        raise ValueError(f"permission {codename!r} declared twice")
    PERMISSIONS[codename] = Permission(codename, label, frozenset(roles))
    for role in roles:
        ROLE_PERMS[role] = ROLE_PERMS[role] | {codename}
    return codename


# --- reading -----------------------------------------------------------------------------
VIEW = permission(SLICE, "查看辖区数据", *Role)
VIEW_STATISTICS = permission("view_statistics", "查看统计", Role.ADMIN, Role.CITY, Role.COUNTY)
COMPARE_REGIONS = permission("compare_regions", "首页按县对比贫困户状态", Role.CITY)
# --- accounts ----------------------------------------------------------------------------
MANAGE_ACCOUNTS = permission("manage_accounts", "管理下级账号", Role.SECURITY, Role.COUNTY)
EDIT_POPULATION = permission(
    "edit_population", "填写村农村人口（贫困发生率）", Role.COUNTY, Role.TOWNSHIP
)
MANAGE_PHONES = permission("manage_phones", "管理村级账号手机号", Role.SECURITY, Role.TOWNSHIP)
# --- the audit trail (安全审计 › 审计日志): the auditor's alone ------------------------------
READ_AUDIT = permission("read_audit", "查询和导出审计日志", Role.AUDITOR)
# --- natural villages (自然村（村民小组）of a village) -------------------------------------------
MANAGE_NATURAL_VILLAGES = permission(
    "manage_natural_villages", "维护自然村（村民小组）信息", Role.TOWNSHIP, Role.VILLAGE
)
# --- households (the village account under a verified phone) ----------------------------
CLAIM_HOUSEHOLDS = permission("claim_households", "认领贫困户", Role.VILLAGE)
REGISTER_HOUSEHOLDS = permission("register_households", "登记新户", Role.VILLAGE)
EDIT_HOUSEHOLDS = permission("edit_households", "维护贫困户信息", Role.VILLAGE)
REMOVE_HOUSEHOLDS = permission("remove_households", "清退贫困户", Role.VILLAGE)
CANCEL_CLAIMS = permission("cancel_claims", "取消认领", Role.TOWNSHIP)
# --- Excel in and out (数据导入, 导出 on 管理贫困户信息) ------------------------------------------
IMPORT_HOUSEHOLDS = permission("import_households", "导入贫困户信息", Role.TOWNSHIP, Role.VILLAGE)
EXPORT_HOUSEHOLDS = permission(
    "export_households", "导出贫困户信息", Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE
)
EXPORT_HOUSEHOLDS_FULL = permission(
    "export_households_full", "导出完整身份证号码和联系电话", Role.COUNTY
)
# --- pairings ----------------------------------------------------------------------------
LINK_UNITS = permission("link_units", "关联贫困户到帮扶单位", Role.VILLAGE)
UNLINK_UNITS = permission("unlink_units", "取消贫困户与单位的关联", Role.TOWNSHIP)
MANAGE_UNITS = permission("manage_units", "管理帮扶单位", Role.COUNTY)
MANAGE_UNIT = permission("manage_unit", "管理本单位（干部、分配）", Role.UNIT)
FILL_SURVEYS = permission("fill_surveys", "填写贫困户信息调查情况表", Role.CADRE)
TRACK_SURVEYS = permission("track_surveys", "查看待填写的调查", Role.UNIT, Role.CADRE)
RESET_PAIRINGS = permission("reset_pairings", "年度重置帮扶关系", Role.CITY, Role.COUNTY)
# --- QR archives -------------------------------------------------------------------------
EXPORT_QR = permission("export_qr", "导出二维码信息", Role.COUNTY, Role.TOWNSHIP)
MANAGE_QR_CODES = permission("manage_qr_codes", "作废和重新生成二维码", Role.COUNTY, Role.TOWNSHIP)
# --- assessment --------------------------------------------------------------------------
MARK_LIFTED = permission("mark_lifted", "标记脱贫", Role.TOWNSHIP)
RETURN_TO_POVERTY = permission("return_to_poverty", "标记返贫", Role.COUNTY)
ROLLBACK_STATUS = permission("rollback_status", "综合回退", Role.TOWNSHIP, Role.COUNTY)
SUBMIT_POOR_VILLAGES = permission("submit_poor_villages", "录入和上报贫困村", Role.TOWNSHIP)
APPROVE_POOR_VILLAGES = permission("approve_poor_villages", "审核贫困村", Role.COUNTY)
MANAGE_POOR_COUNTY = permission("manage_poor_county", "录入贫困县信息", Role.COUNTY)
EDIT_EXIT_CRITERIA = permission("edit_exit_criteria", "设定脱贫标准", Role.COUNTY)
SET_SCALE_PLANS = permission("set_scale_plans", "设定下级脱贫规模", Role.CITY, Role.COUNTY)
# --- data quality (数据质量检查) -------------------------------------------------------------
READ_PROBLEMS = permission(
    "read_problems", "查看问题清单", Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE
)
RUN_QUALITY_CHECKS = permission("run_quality_checks", "运行数据质量检查", Role.CITY, Role.COUNTY)
SWITCH_QUALITY_RULES = permission("switch_quality_rules", "按县停用检查规则", Role.COUNTY)
# --- identification (两公示一比对一公告) ----------------------------------------------------
APPLY_IDENTIFICATION = permission("apply_identification", "识别申请和村内公示", Role.VILLAGE)
REVIEW_IDENTIFICATION = permission(
    "review_identification", "乡镇审核、乡镇公示、发起和公告脱贫", Role.TOWNSHIP
)
DECIDE_IDENTIFICATION = permission(
    "decide_identification", "县级比对、县级审批、县级核查和公告", Role.COUNTY
)
ADMIT_HOUSEHOLDS = permission("admit_households", "公告后纳入贫困户", Role.COUNTY)
MARK_KEY_HOUSEHOLDS = permission(
    "mark_key_households", "标注重点帮扶对象", Role.TOWNSHIP, Role.COUNTY
)
EDIT_IDENTIFICATION_RULES = permission("edit_identification_rules", "设定识别规则", Role.COUNTY)
MANAGE_ROUNDS = permission("manage_rounds", "开启、封存和重新开启年度动态管理", Role.COUNTY)
READ_ROUNDS = permission(
    "read_rounds", "查看年度动态管理进度", Role.CITY, Role.COUNTY, Role.TOWNSHIP
)

# --- monitoring (防止返贫监测) ----------------------------------------------------------------
REPORT_LEADS = permission(
    "report_leads", "上报监测线索（基层干部排查）", Role.TOWNSHIP, Role.VILLAGE, Role.CADRE
)
HANDLE_LEADS = permission(
    "handle_leads", "处理监测线索（入户核实、办结）", Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE
)
READ_MONITORING = permission(
    "read_monitoring", "查看监测对象和线索", Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE
)
EDIT_MONITORING_RULES = permission("edit_monitoring_rules", "设定监测参数和节假日", Role.COUNTY)
REVIEW_INCOMES = permission(
    "review_incomes", "录入收入核查和帮扶措施", Role.TOWNSHIP, Role.VILLAGE, Role.CADRE
)
IMPORT_DEPARTMENT_DATA = permission("import_department_data", "部门数据比对", Role.COUNTY)

# --- projects and funds (扶贫项目管理, 扶贫资金管理) -----------------------------------------
READ_PROJECTS = permission(
    "read_projects", "查看扶贫项目", Role.ADMIN, Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE
)
PROPOSE_PROJECTS = permission("propose_projects", "录入和申报扶贫项目", Role.VILLAGE)
REVIEW_PROJECTS = permission("review_projects", "乡镇审核扶贫项目", Role.TOWNSHIP)
STORE_PROJECTS = permission("store_projects", "项目论证入库", Role.COUNTY)
IMPORT_PROJECTS = permission("import_projects", "从 Excel 导入项目库", Role.COUNTY)
APPROVE_PROJECTS = permission("approve_projects", "项目批复、调整、终止、结转", Role.COUNTY)
PUBLISH_NOTICES = permission("publish_notices", "发布项目公告", Role.COUNTY)
RUN_PROJECTS = permission("run_projects", "项目实施和报账", Role.COUNTY)
ACCEPT_PROJECTS = permission("accept_projects", "项目竣工验收和资产移交", Role.COUNTY)
EVALUATE_PROJECTS = permission("evaluate_projects", "项目绩效评价", Role.COUNTY)
EDIT_BENEFICIARIES = permission(
    "edit_beneficiaries", "维护项目受益户", Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY
)
RECORD_FUNDS = permission("record_funds", "录入扶贫资金", Role.COUNTY)
READ_FUNDS = permission(
    "read_funds", "查询扶贫资金", Role.ADMIN, Role.CITY, Role.COUNTY, Role.TOWNSHIP
)
MANAGE_ASSETS = permission("manage_assets", "维护扶贫项目资产和收益", Role.COUNTY)
ANSWER_FEEDBACK = permission("answer_feedback", "答复在线反馈", Role.COUNTY)

# --- printing and queries (信息表打印, 贫困户变更查询, 贫困户销户查询) ---------------------------
PRINT_SHEETS = permission(
    "print_sheets",
    "打印贫困户信息表、对照表和贫困村信息表",
    Role.CITY,
    Role.COUNTY,
    Role.TOWNSHIP,
    Role.VILLAGE,
    Role.CADRE,
)
QUERY_CHANGES = permission(
    "query_changes",
    "贫困户变更查询和销户查询",
    Role.ADMIN,
    Role.CITY,
    Role.COUNTY,
    Role.TOWNSHIP,
    Role.VILLAGE,
)

# Which roles an account of each role may create, and where.
# The security administrator creates the city and county offices and the auditors; nobody
# creates a system or security administrator through the application (they are set up at
# deployment: `manage.py create_officer`; `seed_demo` in the demo), so no officer can give
# itself or its peers a separation role.
CREATABLE_ROLES: dict[str, tuple[str, ...]] = {
    Role.SECURITY: (Role.CITY, Role.COUNTY, Role.AUDITOR),
    Role.COUNTY: (Role.TOWNSHIP, Role.VILLAGE),
}
