"""Demo and benchmark households: plausible, valid, deterministic, and fast to insert.

`seed_households(region, count, seed=...)` spreads `count` households over the villages
under `region` and writes them with raw batched INSERTs (executemany on SQLite,
execute_values on PostgreSQL): 300,000 households with ~1.1M members take minutes. Each
batch is followed by the baseline (+) rows of the change log for its households and members
(one INSERT … SELECT each, poverty_system.core.changelog.insert_baselines), stamped with the
seeding's actor and the reason 初始数据, so a seeded household's first edit shows old → new.

What makes the data plausible and valid:

- names from surname and given-name lists of the region (Hakka surnames of southern Jiangxi);
- 18-digit ID numbers with the GB 11643 check digit, whose area code is the county's code
  *in force in the birth year* (python-stdnum's table: 于都县 is 360731 since 1998 and
  362132 before, and stdnum rejects 360731 for someone born in 1970). The 3-digit serial is
  a per-(area, birth date, gender) sequence, so numbers are unique across the table without
  retries; numbers already stored are skipped;
- one head per household, relations and ages that fit together, gender and birth date
  consistent with the ID number;
- incomes that put some households above and some below the exit line (¥3,650 per head),
  lifted households above it; statuses mostly 贫困户;
- household numbers that continue each village's 4-digit sequence.

Modules: ids (ID numbers and area codes), pools and generator (one plausible household),
writer (batched raw inserts and their baseline history rows), spread (seed_households:
villages, numbering, batches). The households of `make run` are portal.demo.households.
"""

from .generator import EXIT_LINE, Generator, Plan
from .ids import AreaCodes, IdNumbers, check_digit
from .spread import BATCH, MAX_SEQUENCE, SeedError, SeedResult, seed_households, villages_under
from .writer import SEED_REASON

__all__ = [
    "BATCH",
    "EXIT_LINE",
    "MAX_SEQUENCE",
    "SEED_REASON",
    "AreaCodes",
    "Generator",
    "IdNumbers",
    "Plan",
    "SeedError",
    "SeedResult",
    "check_digit",
    "seed_households",
    "villages_under",
]
