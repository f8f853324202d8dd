"""The left menu, with the Ganzhou manual's menu names.

Visibility is not decided here: an item shows when the access rule of the view behind its URL
allows the account. Items whose page is not built yet show greyed as 建设中 for the roles they
are planned for, so officials find the manual's menus where they expect them.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, resolve, reverse

from .roles import Role

R = Role


@dataclass(frozen=True)
class Item:
    label: str
    url_name: str
    planned_for: frozenset = frozenset()


@dataclass(frozen=True)
class Group:
    label: str
    items: tuple


def _i(label, url_name, *planned):
    return Item(label, url_name, frozenset(planned))


MENU = (
    Group(
        "基础信息库",
        (
            _i("行政区划", "villages:region_root"),
            _i("贫困户认领管理", "households:claims", R.VILLAGE),
            _i("管理贫困户信息", "households:list", R.VILLAGE, R.TOWNSHIP, R.COUNTY, R.CITY),
            _i("扶贫对象登记表", "households:register", R.VILLAGE),
            _i("证件号码重复查询", "households:duplicates", R.TOWNSHIP, R.COUNTY, R.CITY),
            _i("帮扶情况登记表", "units:villages", R.UNIT),
            _i("帮扶干部信息管理", "units:cadres", R.UNIT),
            _i("关联单位", "units:household_links", R.VILLAGE),
            _i("贫困户信息调查情况表", "units:surveys", R.CADRE),
            _i("贫困村信息管理", "villages:poor_villages", R.TOWNSHIP, R.COUNTY, R.CITY),
            _i("贫困县信息管理", "villages:poor_county", R.COUNTY),
        ),
    ),
    Group(
        "帮扶考核",
        (
            _i("贫困户脱贫情况", "assessment:lift", R.TOWNSHIP),
            _i("贫困户返贫操作", "assessment:return", R.COUNTY),
            _i("统计分析", "assessment:statistics", R.CITY, R.COUNTY),
        ),
    ),
    Group(
        "系统管理",
        (
            _i("系统用户管理", "villages:accounts"),
            _i("村级账号手机号管理", "villages:phone_accounts"),
            _i("单位信息管理", "units:unit_list", R.COUNTY),
            _i("年度结对重置", "units:reset", R.CITY, R.COUNTY),
            _i("结对归档", "units:archive", R.CITY, R.COUNTY, R.UNIT),
            _i("修改密码", "password_change"),
        ),
    ),
)


@dataclass(frozen=True)
class Entry:
    label: str
    url: str | None  # None: planned, not built yet
    active: bool = False


def menu_for(user, current_path: str = "") -> list[tuple[str, list[Entry]]]:
    groups = []
    for group in MENU:
        entries = []
        for item in group.items:
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                if user.role in item.planned_for:
                    entries.append(Entry(item.label, None))
                continue
            rule = getattr(resolve(url).func, "access_rule", None)
            if rule is not None and rule.allows(user):
                entries.append(Entry(item.label, url))
        if entries:
            groups.append((group.label, entries))
    return _mark_active(groups, current_path)


def _mark_active(groups, current_path: str):
    """The entry whose URL is the longest prefix of the current path is the active one
    (/households/claims/ is 认领管理, not 管理贫困户信息 at /households/)."""
    urls = [
        e.url
        for _, entries in groups
        for e in entries
        if e.url and e.url != "/" and current_path.startswith(e.url)
    ]
    best = max(urls, key=len, default=None)
    return [
        (label, [Entry(e.label, e.url, e.url == best) for e in entries])
        for label, entries in groups
    ]
