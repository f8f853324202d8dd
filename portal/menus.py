"""The left menu and the breadcrumb, with the Ganzhou manual's menu paths (three levels).

Visibility is not decided here: an item shows as a link when its URL name resolves and the
access rule of the view behind it allows the account, so menu and view cannot disagree. An
item not usable yet (its URL name does not resolve, or its view does not admit the role yet)
shows greyed as 建设中 to the roles in its `planned` list only, so officials find the manual's
menus where they expect them, and nobody else sees it.

Wiring a planned item in a later issue: give the view the URL name written here (for example
`units:cadres`) and a rule that admits the role; the item becomes a live link by itself. Then
drop the role from `planned` (it no longer matters once the rule admits it) and add the pages
reached from the item (edit, detail, confirm pages) to PAGES, so their breadcrumb shows the
menu path.
"""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, resolve, reverse

from poverty_system.core.access import is_admin
from poverty_system.core.roles import Role

R = Role


@dataclass(frozen=True)
class Item:
    label: str
    url_name: str
    planned: frozenset = frozenset()  # roles that see it greyed while it is not usable


@dataclass(frozen=True)
class Group:
    label: str
    children: tuple  # of Group or Item


def _i(label: str, url_name: str, *planned: str) -> Item:
    return Item(label, url_name, frozenset(planned))


def _g(label: str, *children) -> Group:
    return Group(label, children)


MENU = (
    _g(
        "基础信息库",
        _g(
            "贫困户信息管理",
            _i("贫困户认领管理", "households:claims"),
            # 管理/查看贫困户信息 are one page under two names (the manual uses both); the
            # page shows the actions the role has. 乡镇管理贫困户: the township's list.
            _i("管理贫困户信息", "households:list"),
            _i("查看贫困户信息", "households:view"),
            _i("扶贫对象登记表", "households:register"),
            _i("乡镇管理贫困户", "households:township"),
            _i("关联单位", "units:household_links"),
            _i("贫困户信息调查情况表", "units:surveys", R.CADRE),
            _i("证件号码重复查询", "households:duplicates"),
            # 新增导入 of the national system: a template, or its own 花名册 as it is.
            _i("数据导入", "exchange:import"),
            # 问题清单 of the national data review (问题核查 → 完善系统数据), by rule and village.
            _i("数据质量检查", "quality:index"),
            _i("我的导出", "archives:export_list"),
        ),
        _g(
            "驻村工作队信息管理",
            _i("帮扶情况登记表", "units:villages", R.UNIT),
            _i("添加干部信息", "units:cadre_add", R.UNIT),
        ),
        _g(
            "驻村工作队干部信息",
            _i("帮扶干部信息管理", "units:cadres", R.UNIT),
            _i("干部调离", "units:transfer", R.UNIT),
            _i("干部离开", "units:depart", R.UNIT),
        ),
        _g(
            "贫困村信息管理",
            _i("添加贫困村信息", "assessment:poor_village_add", R.TOWNSHIP),
            _i("管理贫困村信息", "assessment:poor_villages", R.TOWNSHIP, R.COUNTY, R.CITY),
            _i("贫困村审核", "assessment:poor_village_review", R.COUNTY),
            # 自然村（村民小组）of a village: the household form's 村民小组 is chosen from them.
            _i("自然村信息管理", "villages:natural_villages", R.TOWNSHIP, R.VILLAGE),
        ),
        _g(
            "贫困县信息管理",
            _i("添加贫困县信息", "assessment:poor_county", R.COUNTY),
        ),
    ),
    _g(
        "帮扶考核",
        _g(
            "脱贫情况跟踪",
            _i("贫困户脱贫情况", "assessment:lift", R.TOWNSHIP),
            _i("贫困户返贫操作", "assessment:return", R.COUNTY),
            _i("综合回退", "assessment:changes", R.TOWNSHIP, R.COUNTY),
            _i("脱贫标准", "assessment:criteria", R.COUNTY),
            _i("脱贫规模", "assessment:scale_plans", R.CITY, R.COUNTY),
        ),
    ),
    _g(
        "扶贫对象",
        _g(
            "基础信息维护",
            _i("贫困户信息表打印", "reports:info_print"),
            _i("贫困户信息对照表打印", "reports:compare_print"),
            _i("贫困村信息表打印", "reports:village_print"),
            _i("自然村信息表打印", "reports:natural_print"),
        ),
        _g(
            "动态管理",
            _i("新识别", "identification:new"),
            _i("脱贫", "identification:exits"),
            _i("返贫", "identification:returns"),
            _i("识别审核", "identification:cases"),
            _i("标注重点帮扶对象", "identification:key_households"),
            _i("识别规则", "identification:rules"),
            _i("年度动态管理", "identification:rounds"),
        ),
    ),
    _g(
        "防止返贫监测",
        # 线索 from 农户自主申报 (一码申报, public), 基层干部排查 and 部门筛查预警, with clocks.
        _i("监测线索", "monitoring:leads"),
        _i("上报监测线索", "monitoring:report"),
        _i("监测对象", "monitoring:monitored_list"),
        _i("监测参数", "monitoring:rules"),
        _i("部门数据比对", "exchange:department"),
    ),
    _g(
        "扶贫资金管理",
        _i("扶贫资金下拨", "projects:fund_disburse"),
        _i("扶贫资金到账", "projects:fund_receive"),
        _i("扶贫资金安排", "projects:fund_arrange"),
        _i("扶贫资金结余", "projects:fund_balances"),
    ),
    _g(
        "扶贫项目管理",
        _i("项目库维护", "projects:library"),
        _i("项目立项", "projects:approval"),
        _i("项目调整", "projects:adjustment"),
        _i("项目实施", "projects:implementation"),
        _i("扶贫项目资产台账", "projects:assets"),
        _i("在线反馈", "projects:inbox"),
    ),
    _g(
        "查询",
        _g("基础信息查询", _i("贫困户销户查询", "reports:removals")),
        _g("动态管理查询", _i("贫困户变更查询", "reports:changes")),
        _g(
            "扶贫资金查询",
            _i("扶贫资金汇总查询", "projects:fund_summary"),
            _i("扶贫资金到账查询", "projects:fund_received"),
            _i("扶贫资金下拨查询", "projects:fund_disbursed"),
        ),
        _g(
            "公开公示信息查询",
            _i("项目公开公示信息查询", "projects:notices"),
            _i("资金公开公示信息查询", "projects:fund_notices"),
        ),
    ),
    _g(
        "统计",
        # The national system's 统计 menu: one page, by table and year-end (2014年底 …).
        _i("贫困户(人口)", "stats:index"),
        _i("扶贫项目与资金", "projects:statistics"),
    ),
    _g(
        "系统管理",
        _i("系统用户管理", "villages:accounts"),
        # Units give their new cadres accounts here (manual procedure 4 and 9).
        _i("添加系统用户", "villages:account_create"),
        _i("单位信息管理", "units:unit_list", R.COUNTY),
        _i("年度结对重置", "units:reset"),
        _i("结对归档", "units:archive"),
        _i("村级账号手机号管理", "villages:phone_accounts"),
        _i("行政区划", "villages:region_root"),
        _i("修改密码", "password_change"),
    ),
    # 三员分立: the auditor's menu, and nobody else's (the system and security administrators
    # cannot read the trail).
    _g(
        "安全审计",
        _g(
            "审计日志",
            _i("日志查询", "villages:audit_log"),
            _i("导出", "villages:audit_export"),
        ),
    ),
)


@dataclass(frozen=True)
class Page:
    """A page deeper than the menu: the page it is reached from (a menu item's URL name or
    another Page's), and the breadcrumb's name for it (a template may name it better in its
    `breadcrumb_tail` block, e.g. the household's head and number)."""

    parent: str
    label: str


# URL name (or a prefix ending in "*") -> Page. Pages with an object id pass their id on to a
# parent that takes the same keyword (a household's 清退 page links back to the household).
PAGES = {
    "households:detail": Page("households:list", "贫困户信息"),
    "households:part_*": Page("households:detail", "登记表"),
    "households:remove": Page("households:detail", "清退贫困户"),
    "households:member_add": Page("households:detail", "新增成员"),
    "households:member_remove": Page("households:detail", "减少成员"),
    "households:split": Page("households:detail", "分户"),
    "households:claim_cancel": Page("households:claims", "取消认领"),
    "villages:region": Page("villages:region_root", "区划详情"),
    "villages:population_edit": Page("villages:region", "填写农村人口"),
    "villages:account": Page("villages:accounts", "账号详情"),
    "villages:account_*": Page("villages:accounts", "账号详情"),
    "villages:phones": Page("villages:phone_accounts", "手机号管理"),
    "villages:phone_*": Page("villages:phone_accounts", "手机号管理"),
    "archives:qr_export": Page("households:view", "导出二维码信息"),
    "exchange:import_job": Page("exchange:import", "导入结果"),
    "exchange:department_job": Page("exchange:department", "比对结果"),
    "exchange:department_file": Page("exchange:department", "预警明细"),
    "exchange:export": Page("households:list", "导出贫困户信息"),
    "exchange:export_job": Page("households:list", "导出进度"),
    "archives:export_progress": Page("archives:export_list", "导出进度"),
    "archives:household_code": Page("households:detail", "二维码"),
    # Units and cadres (pages reached from their menu items; POST views that show their form
    # again with an error keep the same breadcrumb).
    "units:village": Page("units:villages", "帮扶村"),
    "units:link_cancel": Page("units:household_links", "取消关联"),
    "units:cadre": Page("units:cadres", "干部信息"),
    "units:cadre_account": Page("units:cadre", "创建登录账号"),
    "units:assign": Page("units:cadre", "分配"),
    "units:survey": Page("units:surveys", "调查情况表"),
    "units:unit_add": Page("units:unit_list", "添加单位"),
    "units:reorganize": Page("units:unit_list", "单位合并/拆分"),
    "units:unit": Page("units:unit_list", "单位详情"),
    "units:unit_edit": Page("units:unit", "修改单位信息"),
    "quality:rule_list": Page("quality:index", "问题清单"),
    "stats:members": Page("stats:index", "家庭成员名单"),
    # Assessment
    "assessment:rollback": Page("assessment:changes", "回退"),
    "assessment:poor_village": Page("assessment:poor_villages", "贫困村信息"),
    "villages:natural_village_add": Page("villages:natural_villages", "添加自然村"),
    "villages:natural_village_edit": Page("villages:natural_villages", "修改自然村信息"),
    "assessment:poor_village_edit": Page("assessment:poor_village", "修改"),
    "assessment:poor_village_submit": Page("assessment:poor_village", "上报"),
    "assessment:poor_village_approve": Page("assessment:poor_village", "审核通过"),
    "assessment:poor_village_return": Page("assessment:poor_village", "退回"),
    "assessment:poor_village_exit": Page("assessment:poor_village", "出列"),
    # Identification (两公示一比对一公告)
    "identification:case": Page("identification:cases", "识别案件"),
    "identification:case_step": Page("identification:cases", "识别案件"),
    "identification:start": Page("identification:new", "发起识别申请"),
    "identification:start_return": Page("identification:returns", "发起返贫申请"),
    "identification:notice": Page("identification:cases", "公示公告"),
    "identification:round": Page("identification:rounds", "年度进度"),
    # Monitoring (防止返贫监测)
    "monitoring:monitored": Page("monitoring:monitored_list", "监测对象信息"),
    "monitoring:notice": Page("monitoring:monitored_list", "监测对象公示"),
    # Projects and funds
    "projects:add": Page("projects:library", "项目申报"),
    "projects:project": Page("projects:library", "项目信息"),
    "projects:edit": Page("projects:project", "修改项目信息"),
    "projects:step_*": Page("projects:project", "项目办理"),
    "projects:fund_add": Page("projects:fund_summary", "录入资金"),
    "projects:fund_import": Page("projects:fund_summary", "资金导入"),
    "projects:library_import": Page("projects:library", "项目导入"),
    "projects:fund_ledger": Page("projects:fund_summary", "扶贫资金台账"),
    "projects:beneficiary_list": Page("projects:statistics", "受益户名单"),
    "projects:fund_arranged": Page("projects:fund_summary", "扶贫资金安排查询"),
    "projects:beneficiar*": Page("projects:project", "受益户"),
    "projects:asset": Page("projects:assets", "资产信息"),
    "projects:asset_*": Page("projects:asset", "资产信息"),
    "projects:feedback": Page("projects:inbox", "反馈答复"),
    "projects:feedback_*": Page("projects:feedback", "反馈答复"),
    "monitoring:lead": Page("monitoring:leads", "线索详情"),
    "monitoring:report_household": Page("monitoring:report", "上报监测线索"),
    "monitoring:identify_start": Page("monitoring:lead", "纳入监测（启动识别）"),
}

# POST actions that show the page they were sent from again (with the form's errors): they
# have that page's menu item and breadcrumb.
ALIASES = {
    "units:household_link": "units:household_links",
    "units:village_link": "units:villages",
    "units:village_plans": "units:village",
    "units:cadre_edit": "units:cadre",
    "units:assign_confirm": "units:assign",
    "units:unassign": "units:cadre",
    "units:visit_add": "units:survey",
    "quality:run": "quality:index",
    "quality:switch": "quality:index",
    "identification:key_mark": "identification:key_households",
    "identification:key_unmark": "identification:key_households",
    "identification:check_batch": "identification:cases",
    "identification:round_open": "identification:rounds",
    "identification:round_deadlines": "identification:round",
    "identification:round_reopen": "identification:round",
    "identification:round_seal": "identification:round",
    "monitoring:lead_visit": "monitoring:lead",
    "monitoring:lead_reject": "monitoring:lead",
    "monitoring:lead_link": "monitoring:lead",
    "monitoring:identify_start_save": "monitoring:identify_start",
    "monitoring:report_family": "monitoring:report",
    "monitoring:report_household_save": "monitoring:report_household",
    "monitoring:rules_save": "monitoring:rules",
    "monitoring:holiday_add": "monitoring:rules",
    "monitoring:add_measure": "monitoring:monitored",
    "monitoring:add_review": "monitoring:monitored",
    "monitoring:eliminate": "monitoring:monitored",
    "monitoring:roll_back": "monitoring:monitored",
}


@dataclass
class Entry:
    """One rendered node: a group (with children) or an item (url None: 建设中)."""

    label: str
    url: str | None = None
    url_name: str = ""
    children: list = field(default_factory=list)
    current: bool = False  # the page shown is this item
    on_path: bool = False  # a group holding the current item, or the item a deeper page is under

    @property
    def is_group(self) -> bool:
        return bool(self.children)

    @property
    def planned(self) -> bool:
        return not self.children and self.url is None


def _role(user) -> str:
    return Role.ADMIN if is_admin(user) else user.role


def _usable(user, url_name: str) -> str | None:
    """The item's URL if its view exists and admits the account."""
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        return None
    rule = getattr(resolve(url).func, "access_rule", None)
    return url if rule is not None and rule.allows(user) else None


def _build(user, role: str, node) -> Entry | None:
    if isinstance(node, Item):
        url = _usable(user, node.url_name)
        if url is None and role not in node.planned:
            return None
        return Entry(node.label, url, node.url_name)
    children = [e for e in (_build(user, role, c) for c in node.children) if e is not None]
    return Entry(node.label, children=children) if children else None


def menu_for(user, view_name: str = "") -> list[Entry]:
    """The top-level groups the account sees, with the current item (by the URL name of the
    page shown, or of the menu page a deeper page belongs to) and its groups marked."""
    role = _role(user)
    groups = [e for e in (_build(user, role, g) for g in MENU) if e is not None]
    view_name = ALIASES.get(view_name, view_name)
    target = menu_url_name(view_name)
    if target:
        for group in groups:
            _mark(group, target, exact=target == view_name)
    return groups


def _mark(entry: Entry, target: str, exact: bool) -> bool:
    if not entry.is_group:
        if entry.url and entry.url_name == target:
            entry.current, entry.on_path = exact, True
            return True
        return False
    found = False
    for child in entry.children:
        found = _mark(child, target, exact) or found
    entry.on_path = found
    return found


def _menu_url_names(nodes=MENU) -> set[str]:
    names = set()
    for node in nodes:
        names |= {node.url_name} if isinstance(node, Item) else _menu_url_names(node.children)
    return names


MENU_URL_NAMES = frozenset(_menu_url_names())


def page_for(view_name: str) -> Page | None:
    """The Page entry of a view deeper than the menu (None for a menu item's own view)."""
    if view_name in MENU_URL_NAMES:
        return None
    if view_name in PAGES:
        return PAGES[view_name]
    for key, page in PAGES.items():
        if key.endswith("*") and view_name.startswith(key[:-1]):
            return page
    return None


def menu_url_name(view_name: str) -> str:
    """The menu item a page belongs to: itself, or the item its chain of PAGES starts from."""
    seen = set()
    while view_name and view_name not in seen:
        seen.add(view_name)
        page = page_for(view_name)
        if page is None:
            return view_name
        view_name = page.parent
    return ""


@dataclass(frozen=True)
class Crumb:
    label: str
    url: str | None = None


@dataclass
class Breadcrumb:
    """当前位置: the menu path down to the item (linked where it is a page), then the pages
    between the item and this page; `tail` names this page when it is deeper than the menu."""

    path: list
    tail: str = ""
    current_label: str = ""  # the menu item's name when the page shown is a menu item


def _path_to(groups: list[Entry], url_name: str) -> list[Entry] | None:
    for entry in groups:
        if entry.is_group:
            below = _path_to(entry.children, url_name)
            if below is not None:
                return [entry, *below]
        elif entry.url and entry.url_name == url_name:
            return [entry]
    return None


def breadcrumb_for(groups: list[Entry], view_name: str, kwargs: dict) -> Breadcrumb | None:
    chain = []  # deeper pages, this page first
    name = view_name = ALIASES.get(view_name, view_name)
    while (page := page_for(name)) is not None and len(chain) < 5:
        chain.append((name, page))
        name = page.parent
    path = _path_to(groups, name)
    if path is None:
        return None
    crumbs = [Crumb(e.label) for e in path[:-1]]
    item = path[-1]
    if not chain:
        return Breadcrumb([*crumbs, Crumb(item.label)], current_label=item.label)
    crumbs.append(Crumb(item.label, item.url))
    for between, page in reversed(chain[1:]):
        crumbs.append(Crumb(page.label, _reverse_like(between, kwargs)))
    return Breadcrumb(crumbs, tail=chain[0][1].label)


def _reverse_like(url_name: str, kwargs: dict) -> str | None:
    """The URL of a page between the menu item and this one, with this page's object id."""
    try:
        return reverse(url_name, kwargs={"pk": kwargs["pk"]})
    except (KeyError, NoReverseMatch):
        return None
