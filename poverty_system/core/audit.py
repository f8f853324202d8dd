"""Writing the audit trail. One call per security-relevant event, stamped from the Actor.

Never pass a password, an SMS code or a full ID number in `detail`; mask them first
(households.idnumbers.mask, villages.models.mask_phone).
"""

from __future__ import annotations

from typing import Any

from .actor import Actor
from .models import AuditEntry

# Actions, named once: (code, label shown to auditors).
LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOCKOUT = "lockout"
LOGOUT = "logout"
SMS_SENT = "sms_sent"
SMS_VERIFIED = "sms_verified"
SMS_FAILED = "sms_failed"
CLAIM = "claim"
CLAIM_CANCEL = "claim_cancel"
STATUS_CHANGE = "status_change"
STATUS_ROLLBACK = "status_rollback"
REVEAL_ID = "reveal_id_number"
REVEAL_PHONE = "reveal_phone"
REVEAL_BANK = "reveal_bank_account"
PHONE_REASSIGN = "phone_reassign"
EXPORT = "export"
IMPORT = "import"
GRANT = "grant"
PASSWORD_RESET = "password_reset"  # noqa: S105 - an action name
PASSWORD_CHANGE = "password_change"  # noqa: S105 - an action name
ACCOUNT_ACTIVE = "account_active"
LINK = "link"
UNLINK = "unlink"
ASSIGN = "assign"
UNASSIGN = "unassign"
TRANSFER = "transfer"
DEPART = "depart"
RESET = "yearly_reset"
RECORD_STATE = "record_state"
QR_REISSUE = "qr_reissue"
EXIT_CRITERIA = "exit_criteria"
SCALE_PLAN = "scale_plan"
RULE_OFF = "quality_rule_off"
RULE_ON = "quality_rule_on"
IDENTIFICATION_STEP = "identification_step"
KEY_HOUSEHOLD = "key_household"
IDENTIFICATION_RULES = "identification_rules"
FUND_MOVEMENT = "fund_movement"
BENEFICIARIES = "beneficiaries"
FEEDBACK_ANSWER = "feedback_answer"
ASSET = "asset"
YEARLY_ROUND = "yearly_round"
LEAD = "monitoring_lead"
MONITORING = "monitoring"
MONITORING_RULES = "monitoring_rules"
PRUNE = "audit_prune"

LABELS = {
    PRUNE: "清理过期审计日志",
    YEARLY_ROUND: "年度动态管理",
    LEAD: "监测线索",
    MONITORING: "防止返贫监测",
    MONITORING_RULES: "修改监测参数",
    LOGIN: "登录成功",
    LOGIN_FAILED: "登录失败",
    LOCKOUT: "账号锁定",
    LOGOUT: "退出登录",
    SMS_SENT: "发送短信验证码",
    SMS_VERIFIED: "短信验证通过",
    SMS_FAILED: "短信验证失败",
    CLAIM: "认领",
    CLAIM_CANCEL: "取消认领",
    STATUS_CHANGE: "状态变更",
    STATUS_ROLLBACK: "综合回退",
    REVEAL_ID: "查看完整身份证号码",
    REVEAL_PHONE: "查看完整手机号码",
    REVEAL_BANK: "查看完整银行账号",
    PHONE_REASSIGN: "手机号转登记",
    EXPORT: "导出",
    IMPORT: "导入",
    GRANT: "授权",
    PASSWORD_RESET: "重置密码",
    PASSWORD_CHANGE: "修改密码",
    ACCOUNT_ACTIVE: "启用/停用账号",
    LINK: "关联",
    UNLINK: "取消关联",
    ASSIGN: "分配",
    UNASSIGN: "解除分配",
    TRANSFER: "干部调离",
    DEPART: "干部离开",
    RESET: "年度结对重置",
    RECORD_STATE: "记录状态变更",
    QR_REISSUE: "二维码重新生成",
    EXIT_CRITERIA: "修改脱贫标准",
    SCALE_PLAN: "设置脱贫规模",
    RULE_OFF: "停用检查规则",
    RULE_ON: "启用检查规则",
    IDENTIFICATION_STEP: "识别程序办理",
    KEY_HOUSEHOLD: "标注重点帮扶对象",
    IDENTIFICATION_RULES: "修改识别规则",
    FUND_MOVEMENT: "资金流水",
    BENEFICIARIES: "受益户变更",
    FEEDBACK_ANSWER: "答复在线反馈",
    ASSET: "项目资产",
}

OK = "ok"
FAILED = "failed"
DENIED = "denied"


def record(
    actor: Actor,
    action: str,
    *,
    obj: Any = None,
    region_code: str = "",
    outcome: str = OK,
    detail: dict[str, Any] | None = None,
    username: str = "",
) -> AuditEntry:
    """Append one entry. `obj` names the object (type and id); `region_code` scopes the entry
    so that offices read it in their slice (a household's village code, a region's code)."""
    user = actor.account_or_none
    if obj is not None and not region_code:
        region_code = getattr(obj, "village_code", "") or getattr(obj, "code", "") or ""
    return AuditEntry.objects.create(
        user=user,
        username=username or (user.get_username() if user else ""),
        role=actor.role if user else "",
        phone=actor.phone_number,
        ip=actor.ip,
        request_id=actor.request_id,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        region_code=region_code,
        outcome=outcome,
        detail=detail or {},
    )


def record_many(
    actor: Actor, action: str, items: list[tuple[Any, dict[str, Any]]], *, outcome: str = OK
) -> None:
    """One entry per (object, detail), in one statement (batch actions)."""
    user = actor.account_or_none
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                user=user,
                username=user.get_username() if user else "",
                role=actor.role if user else "",
                phone=actor.phone_number,
                ip=actor.ip,
                request_id=actor.request_id,
                action=action,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                region_code=getattr(obj, "village_code", "") or getattr(obj, "code", "") or "",
                outcome=outcome,
                detail=detail,
            )
            for obj, detail in items
        ],
        batch_size=1000,
    )
