"""修改日志: every history row of a household or member records the phone that verified the
village session which made the change (procedure 2: the phone is who is responsible)."""

from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

_UNSET = object()


def request_phone(request) -> str:
    """The verified phone number of the request's session, looked up once per request."""
    cached = getattr(request, "_history_phone", _UNSET)
    if cached is _UNSET:
        from villages.auth import verified_phone

        user = getattr(request, "user", None)
        phone = (
            verified_phone(request) if user is not None and hasattr(request, "session") else None
        )
        cached = phone.phone if phone is not None else ""
        request._history_phone = cached
    return cached


@receiver(pre_create_historical_record)
def fill_history_phone(sender, instance, history_instance, **kwargs):
    if not hasattr(history_instance, "history_phone"):
        return
    # An action names the phone it acted under; otherwise the request's session tells.
    phone = getattr(instance, "_history_phone", None)
    if phone is None:
        request = getattr(HistoricalRecords.context, "request", None)
        phone = request_phone(request) if request is not None else ""
    history_instance.history_phone = phone
