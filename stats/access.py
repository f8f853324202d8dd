"""The statistics need VIEW_STATISTICS (city and county offices; poverty_system.roles)."""

from poverty_system.roles import VIEW_STATISTICS

READ_STATISTICS = VIEW_STATISTICS
