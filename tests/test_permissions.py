"""Permissions named for what they allow, derived from the account's role at check time.

The expected holders of each permission are written out here, not read from roles.py, so
that a change of roles.py that gives a role more (or less) fails here. Each permission is
checked from both sides: every account of a listed role holds it in its slice, every other
account does not, and nobody outside its slice.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from poverty_system.core import access, roles
from poverty_system.core.roles import Role
from villages.models import RegionUserObjectPermission

ALL = set(Role)
EXPECTED = {
    "view_slice": ALL,
    "view_statistics": {Role.ADMIN, Role.CITY, Role.COUNTY},
    "compare_regions": {Role.CITY},
    "read_problems": {Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE},
    "run_quality_checks": {Role.CITY, Role.COUNTY},
    "switch_quality_rules": {Role.COUNTY},
    # 三员分立: accounts and phones are the security administrator's, not the system's.
    "manage_accounts": {Role.SECURITY, Role.COUNTY},
    "manage_phones": {Role.SECURITY, Role.TOWNSHIP},
    "read_audit": {Role.AUDITOR},
    "edit_population": {Role.COUNTY, Role.TOWNSHIP},
    "manage_natural_villages": {Role.TOWNSHIP, Role.VILLAGE},
    "claim_households": {Role.VILLAGE},
    "register_households": {Role.VILLAGE},
    "edit_households": {Role.VILLAGE},
    "remove_households": {Role.VILLAGE},
    "cancel_claims": {Role.TOWNSHIP},
    "import_households": {Role.TOWNSHIP, Role.VILLAGE},
    "export_households": {Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE},
    "export_households_full": {Role.COUNTY},
    "link_units": {Role.VILLAGE},
    "unlink_units": {Role.TOWNSHIP},
    "manage_units": {Role.COUNTY},
    "manage_unit": {Role.UNIT},
    "fill_surveys": {Role.CADRE},
    "track_surveys": {Role.UNIT, Role.CADRE},
    "reset_pairings": {Role.CITY, Role.COUNTY},
    "export_qr": {Role.COUNTY, Role.TOWNSHIP},
    "manage_qr_codes": {Role.COUNTY, Role.TOWNSHIP},
    "mark_lifted": {Role.TOWNSHIP},
    "return_to_poverty": {Role.COUNTY},
    "rollback_status": {Role.TOWNSHIP, Role.COUNTY},
    "submit_poor_villages": {Role.TOWNSHIP},
    "approve_poor_villages": {Role.COUNTY},
    "manage_poor_county": {Role.COUNTY},
    "edit_exit_criteria": {Role.COUNTY},
    "set_scale_plans": {Role.CITY, Role.COUNTY},
    "apply_identification": {Role.VILLAGE},
    "review_identification": {Role.TOWNSHIP},
    "decide_identification": {Role.COUNTY},
    "admit_households": {Role.COUNTY},
    "mark_key_households": {Role.TOWNSHIP, Role.COUNTY},
    "edit_identification_rules": {Role.COUNTY},
    "manage_rounds": {Role.COUNTY},
    "read_rounds": {Role.CITY, Role.COUNTY, Role.TOWNSHIP},
    "report_leads": {Role.TOWNSHIP, Role.VILLAGE, Role.CADRE},
    "handle_leads": {Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE},
    "read_monitoring": {Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE},
    "edit_monitoring_rules": {Role.COUNTY},
    "review_incomes": {Role.TOWNSHIP, Role.VILLAGE, Role.CADRE},
    "import_department_data": {Role.COUNTY},
    # projects and funds
    "read_projects": {Role.ADMIN, Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE},
    "propose_projects": {Role.VILLAGE},
    "review_projects": {Role.TOWNSHIP},
    "store_projects": {Role.COUNTY},
    "import_projects": {Role.COUNTY},
    "approve_projects": {Role.COUNTY},
    "publish_notices": {Role.COUNTY},
    "run_projects": {Role.COUNTY},
    "accept_projects": {Role.COUNTY},
    "evaluate_projects": {Role.COUNTY},
    "edit_beneficiaries": {Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY},
    "record_funds": {Role.COUNTY},
    "read_funds": {Role.ADMIN, Role.CITY, Role.COUNTY, Role.TOWNSHIP},
    "manage_assets": {Role.COUNTY},
    "answer_feedback": {Role.COUNTY},
    # printing and queries
    "print_sheets": {Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE, Role.CADRE},
    "query_changes": {Role.ADMIN, Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE},
}

# Accounts whose slice holds the world's 仓前村 (world.village), and one whose slice does not.
INSIDE = [
    "admin",
    "security",
    "auditor",
    "county_auditor",
    "city_office",
    "county_office",
    "township_office",
    "village_account",
]
OUTSIDE = ["other_county_office", "other_township_office", "other_village_account"]


def test_every_permission_is_declared_once_with_its_own_name_and_holders():
    declared = {codename: set(p.roles) for codename, p in roles.PERMISSIONS.items()}
    assert declared == EXPECTED
    # No alias: every constant of roles.py names its own permission (SLICE is the guardian
    # codename that VIEW is declared with).
    constants = [
        v
        for k, v in vars(roles).items()
        if k.isupper() and k != "SLICE" and isinstance(v, str) and v in roles.PERMISSIONS
    ]
    assert len(constants) == len(set(constants)) == len(EXPECTED)
    for role in Role:
        assert roles.ROLE_PERMS[role] == {c for c, held in EXPECTED.items() if role in held}


@pytest.mark.parametrize("codename", sorted(EXPECTED))
def test_each_permission_from_both_sides(world, codename):
    for name in INSIDE:
        account = getattr(world, name)
        allowed = account.role in EXPECTED[codename]
        assert access.has_region_perm(account, codename, world.village) is allowed, name
        if allowed:
            access.check_region_perm(account, codename, world.village)
        else:
            with pytest.raises(PermissionDenied):  # in its slice, wrong role: 403
                access.check_region_perm(account, codename, world.village)
    for name in OUTSIDE:
        account = getattr(world, name)
        assert not access.has_region_perm(account, codename, world.village), name
        with pytest.raises(Http404):  # outside its slice: 404, whatever its role
            access.check_region_perm(account, codename, world.village)
    # Unit and cadre accounts hold no region slice: their slices are units and assignments.
    for name in ("unit_account", "cadre_account"):
        assert not access.has_region_perm(getattr(world, name), codename, world.village)


def test_the_administrator_reads_everything_and_writes_only_what_its_role_allows(world):
    admin = world.admin
    for region in (world.village, world.other_county, world.province):
        access.check_region_perm(admin, roles.VIEW, region)
        access.check_region_perm(admin, roles.VIEW_STATISTICS, region)
    assert access.code_filter(admin, "village_code") is None  # reads all
    codenames = ("mark_lifted", "claim_households", "export_qr", "manage_units")
    # 三员分立: no accounts, no phones, no audit trail.
    for codename in (*codenames, "manage_accounts", "manage_phones", "read_audit"):
        with pytest.raises(PermissionDenied):
            access.check_region_perm(admin, codename, world.village)
        assert access.regions_with(admin, codename) == []
        assert not access.can_export_qr(admin, world.county)


@pytest.fixture
def declarations():
    """roles.py's registry, put back after a test declared a permission of its own."""
    permissions, role_perms = dict(roles.PERMISSIONS), dict(roles.ROLE_PERMS)
    yield
    roles.PERMISSIONS.clear()
    roles.PERMISSIONS.update(permissions)
    roles.ROLE_PERMS.clear()
    roles.ROLE_PERMS.update(role_perms)


def test_a_new_action_s_permission_is_one_declaration_and_no_grant_row(world, declarations):
    rows = set(RegionUserObjectPermission.objects.values_list("pk", "permission_id"))
    plan = roles.permission("plan_projects", "维护扶贫项目", Role.TOWNSHIP)

    assert access.has_region_perm(world.township_office, plan, world.village)
    with pytest.raises(PermissionDenied):
        access.check_region_perm(world.county_office, plan, world.village)
    with pytest.raises(Http404):
        access.check_region_perm(world.other_township_office, plan, world.village)
    assert set(RegionUserObjectPermission.objects.values_list("pk", "permission_id")) == rows
    with pytest.raises(ValueError):
        roles.permission("plan_projects", "重复", Role.COUNTY)
