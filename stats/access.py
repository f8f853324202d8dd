"""Which region permission the statistics need: VIEW_STATISTICS, held by the city and county
offices (the grants that exist; no new grant rows)."""

from poverty_system.roles import VIEW_STATISTICS

READ_STATISTICS = VIEW_STATISTICS
