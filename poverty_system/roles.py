"""Roles and the permission set each role is granted on its region or unit.

Creating an account of a role grants exactly ROLE_REGION_PERMS[role] on each of its regions
(django-guardian object permissions on villages.Region); a grant covers the whole subtree.
"""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    CITY = "city", "市扶贫办"
    COUNTY = "county", "县扶贫办"
    TOWNSHIP = "township", "乡镇扶贫办"
    VILLAGE = "village", "村级账号"
    UNIT = "unit", "帮扶单位"
    CADRE = "cadre", "帮扶干部"


OFFICE_ROLES = frozenset({Role.CITY, Role.COUNTY, Role.TOWNSHIP})
REGION_ROLES = OFFICE_ROLES | {Role.VILLAGE}

# Region level an account of the role is attached to.
ROLE_REGION_LEVEL = {
    Role.CITY: "city",
    Role.COUNTY: "county",
    Role.TOWNSHIP: "township",
    Role.VILLAGE: "village",
}

# Codenames of villages.Region permissions (declared in Region.Meta.permissions).
VIEW = "view_slice"
MANAGE_ACCOUNTS = "manage_accounts"
MANAGE_PHONES = "manage_phones"
CLAIM_HOUSEHOLDS = "claim_households"
CANCEL_CLAIMS = "cancel_claims"
UNLINK_UNITS = "unlink_units"
LINK_UNITS = "link_units"
MARK_LIFTED = "mark_lifted"
RETURN_TO_POVERTY = "return_to_poverty"
SUBMIT_POOR_VILLAGES = "submit_poor_villages"
APPROVE_POOR_VILLAGES = "approve_poor_villages"
MANAGE_POOR_COUNTY = "manage_poor_county"
MANAGE_UNITS = "manage_units"
EXPORT_QR = "export_qr"
VIEW_STATISTICS = "view_statistics"
# Codename of the units.Unit permission that a unit account holds on its unit.
MANAGE_UNIT = "manage_unit"

REGION_PERMISSIONS = [
    (VIEW, "查看辖区数据"),
    (MANAGE_ACCOUNTS, "管理下级账号"),
    (MANAGE_PHONES, "管理村级账号手机号"),
    (CLAIM_HOUSEHOLDS, "认领、登记和维护贫困户"),
    (CANCEL_CLAIMS, "取消认领"),
    (UNLINK_UNITS, "取消贫困户与单位的关联"),
    (LINK_UNITS, "关联贫困户到帮扶单位"),
    (MARK_LIFTED, "标记脱贫"),
    (RETURN_TO_POVERTY, "标记返贫"),
    (SUBMIT_POOR_VILLAGES, "录入和上报贫困村"),
    (APPROVE_POOR_VILLAGES, "审核贫困村"),
    (MANAGE_POOR_COUNTY, "录入贫困县信息"),
    (MANAGE_UNITS, "管理帮扶单位"),
    (EXPORT_QR, "导出二维码"),
    (VIEW_STATISTICS, "查看统计"),
]

ROLE_REGION_PERMS: dict[str, tuple[str, ...]] = {
    Role.CITY: (VIEW, VIEW_STATISTICS),
    Role.COUNTY: (
        VIEW,
        MANAGE_ACCOUNTS,
        APPROVE_POOR_VILLAGES,
        RETURN_TO_POVERTY,
        MANAGE_POOR_COUNTY,
        MANAGE_UNITS,
        EXPORT_QR,
        VIEW_STATISTICS,
    ),
    Role.TOWNSHIP: (
        VIEW,
        MANAGE_PHONES,
        CANCEL_CLAIMS,
        UNLINK_UNITS,
        MARK_LIFTED,
        SUBMIT_POOR_VILLAGES,
        EXPORT_QR,
    ),
    Role.VILLAGE: (VIEW, CLAIM_HOUSEHOLDS, LINK_UNITS),
}

# Which roles an account of each role may create, and where.
CREATABLE_ROLES: dict[str, tuple[str, ...]] = {
    Role.ADMIN: (Role.CITY, Role.COUNTY),
    Role.COUNTY: (Role.TOWNSHIP, Role.VILLAGE),
}
