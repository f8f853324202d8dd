"""The statistics need VIEW_STATISTICS (city and county offices; poverty_system.core.roles)."""

from poverty_system.core.roles import VIEW_STATISTICS

READ_STATISTICS = VIEW_STATISTICS
