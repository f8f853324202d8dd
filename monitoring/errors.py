from poverty_system.core.errors import ActionError


class MonitoringError(ActionError):
    """A refused monitoring action, with the Chinese message to show (and its field or row)."""
