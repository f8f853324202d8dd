"""Demo accounts, one per role, in 于都县 of Ganzhou (used by `make run` and described in the
README). Idempotent: running it again changes nothing."""

from django.utils import timezone

from poverty_system.core.actor import Actor
from poverty_system.core.roles import Role
from villages.accounts import add_village_phone, create_account
from villages.models import Region, User

DEMO_PASSWORD = "Fupin@2026"  # noqa: S105 - published demo password, demo data only

PROVINCE, CITY, COUNTY, TOWNSHIP, VILLAGE = "36", "3607", "360731", "360731100", "360731100201"
DEMO_PHONES = [("13800000001", "刘书记"), ("13800000002", "帮扶干部王明")]

# username, role, name, region code
DEMO_OFFICES = [
    ("ganzhou_city", Role.CITY, "赣州市扶贫办", CITY),
    ("yudu_county", Role.COUNTY, "于都县扶贫办", COUNTY),
    ("gongjiang_town", Role.TOWNSHIP, "贡江镇扶贫办", TOWNSHIP),
    ("cangqian_village", Role.VILLAGE, "仓前村委会", VILLAGE),
]
# 三员分立: the system administrator (admin), the security administrator (accounts and
# grants) and the auditors (the audit trail: of the whole system on the province, of 于都县).
SECURITY = ("security", "安全管理员")
DEMO_AUDITORS = [
    ("auditor", "省级审计员", PROVINCE),
    ("yudu_auditor", "于都县审计员", COUNTY),
]
# The unit and cadre accounts are created by portal.demo.units.
DEMO_UNIT = ("yudu_agri_unit", "于都县农业农村局")
DEMO_CADRE = ("cadre_wangming", "王明", "13800000002")
SECOND_CADRE = ("cadre_lihua", "李华", "13800000003")


def demo_logins() -> list[tuple[str, str, str]]:
    rows = [("admin", Role.ADMIN.label, "全部"), (SECURITY[0], Role.SECURITY.label, "全部账号")]
    rows += [(u, Role.AUDITOR.label, name) for u, name, _ in DEMO_AUDITORS]
    rows += [(u, r.label, name) for u, r, name, _ in DEMO_OFFICES]
    rows += [
        (DEMO_UNIT[0], Role.UNIT.label, DEMO_UNIT[1]),
        (DEMO_CADRE[0], Role.CADRE.label, f"{DEMO_CADRE[1]}（{DEMO_UNIT[1]}）"),
        (SECOND_CADRE[0], Role.CADRE.label, f"{SECOND_CADRE[1]}（{DEMO_UNIT[1]}）"),
    ]
    return rows


def ensure_demo_accounts() -> int:
    """Create the demo accounts that do not exist yet; returns how many were created. Each
    account is created by its own action (one durable transaction each); a second run
    creates what the first left out."""
    created = 0
    # The system and security administrators are set up here, not through an account page
    # (no officer creates another): like every new account they must choose their own
    # password at first login, even in the demo (the published one is known to all).
    officers = {}
    for username, role, name in (
        ("admin", Role.ADMIN, "系统管理员"),
        (SECURITY[0], Role.SECURITY, SECURITY[1]),
    ):
        officer = User.objects.filter(username=username).first()
        if officer is None:
            officer = User(username=username, role=role, full_name=name, must_change_password=True)
            officer.set_password(DEMO_PASSWORD)
            officer.save()
            created += 1
        officers[role] = officer
    security = officers[Role.SECURITY]
    for username, name, code in DEMO_AUDITORS:
        if not User.objects.filter(username=username).exists():
            create_account(
                Actor.system(security),
                username=username,
                role=Role.AUDITOR,
                regions=[Region.objects.get(code=code)],
                full_name=name,
                password=DEMO_PASSWORD,
                must_change_password=False,
            )
            created += 1
    actors = {Role.CITY: security, Role.COUNTY: security}
    for username, role, name, code in DEMO_OFFICES:
        account = User.objects.filter(username=username).first()
        if account is None:
            creator = actors.get(role) or User.objects.get(username="yudu_county")
            account, _ = create_account(
                Actor.system(creator),
                username=username,
                role=role,
                regions=[Region.objects.get(code=code)],
                full_name=name,
                password=DEMO_PASSWORD,
                must_change_password=False,
            )
            created += 1
        if role == Role.VILLAGE:
            township = User.objects.get(username="gongjiang_town")
            for phone, holder in DEMO_PHONES:
                if not account.phones.active().filter(phone=phone).exists():
                    add_village_phone(Actor.system(township), account, phone=phone, holder=holder)
    return created


def renew_demo_passwords() -> int:
    """Start the demo accounts' password age afresh (each `make run`): on a demo database
    kept for months the published demo password would otherwise be forced to change after
    PASSWORD_MAX_AGE_DAYS. The system and security administrators, which must choose their
    own password at first login anyway, are left alone. Returns how many accounts were
    renewed."""
    officers = {"admin", SECURITY[0]}
    usernames = [username for username, _, _ in demo_logins() if username not in officers]
    return User.objects.filter(username__in=usernames, must_change_password=False).update(
        password_changed_at=timezone.now()
    )
