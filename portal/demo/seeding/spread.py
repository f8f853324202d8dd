"""seed_households: spread households over the villages of a region, continuing each
village's 4-digit sequence of household numbers, and write them batch by batch."""

import random
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from households.services.registration import SEQUENCE_DIGITS
from poverty_system.core.actor import Actor
from villages.models import Level, Region

from .generator import Generator, Plan
from .ids import AreaCodes, IdNumbers, stored_id_prefixes
from .writer import Writer

MAX_SEQUENCE = 10**SEQUENCE_DIGITS - 1  # household numbers: village code + 4 digits
BATCH = 5000


@dataclass
class SeedResult:
    households: int = 0
    members: int = 0
    villages: int = 0
    seconds: float = 0.0
    household_ids: list[int] = field(default_factory=list, repr=False)


class SeedError(Exception):
    pass


def villages_under(region: Region) -> list[Region]:
    if region.level == Level.VILLAGE:
        return [region]
    lo, hi = region.code_range
    return list(
        Region.objects.filter(level=Level.VILLAGE, code__gte=lo, code__lt=hi).order_by("code")
    )


def next_sequences(region: Region) -> dict[str, int]:
    """village code -> the next free 4-digit household sequence."""
    lo, hi = region.code_range
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT village_code, MAX(number) FROM households_household"
            " WHERE village_code >= %s AND village_code < %s GROUP BY village_code",
            [lo, hi],
        )
        for code, number in cursor.fetchall():
            found[code] = int(number[len(code) :]) + 1
    return found


def allocate(
    count: int, villages: list[Region], rng: random.Random, free: dict[str, int]
) -> list[int]:
    """How many households each village gets: uneven (weights 0.5–1.5), within its free
    sequence numbers."""
    weights = [rng.uniform(0.5, 1.5) for _ in villages]
    total = sum(weights)
    shares = [count * w / total for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(villages)), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in order[: count - sum(counts)]:
        counts[i] += 1
    capacity = [free[v.code] for v in villages]
    overflow = sum(max(0, c - cap) for c, cap in zip(counts, capacity, strict=True))
    counts = [min(c, cap) for c, cap in zip(counts, capacity, strict=True)]
    for i in range(len(villages)):  # move what does not fit to villages with room
        if not overflow:
            break
        extra = min(overflow, capacity[i] - counts[i])
        counts[i] += extra
        overflow -= extra
    if overflow:
        raise SeedError(
            f"区域内各村的户编号（每村最多 {MAX_SEQUENCE} 户）不足以再生成 {count} 户。"
        )
    return counts


def _counties(villages: list[Region]) -> dict[str, tuple[str, str]]:
    """county code -> (county name, city name) for the villages' counties."""
    codes = {v.code[:6] for v in villages} | {v.code[:4] for v in villages}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return {
        code: (names.get(code, ""), names.get(code[:4], ""))
        for code in {v.code[:6] for v in villages}
    }


def seed_households(
    region: Region,
    count: int,
    *,
    seed: int = 0,
    batch: int = BATCH,
    villages: list[Region] | None = None,
    progress: Callable[[int, int], None] | None = None,
    actor: Actor | None = None,
) -> SeedResult:
    """Generate `count` households with members under `region`, spread over its villages
    (or the given ones). Each batch is one transaction; a county's batches are written
    before the next county's ID numbers are planned, so numbers stay unique. Every household
    and member gets its baseline change-log row, stamped with `actor` (default: the system,
    as a command) and the reason 初始数据."""
    started = time.monotonic()
    villages = villages if villages is not None else villages_under(region)
    if not villages:
        raise SeedError(f"“{region.name}”下没有村（居）委会，无法生成贫困户。")
    rng = random.Random(seed)
    sequences = next_sequences(region)
    free = {v.code: MAX_SEQUENCE - sequences.get(v.code, 1) + 1 for v in villages}
    counts = allocate(count, villages, rng, free)
    generator = Generator(seed, timezone.localdate())
    writer = Writer(actor)
    result = SeedResult(villages=sum(1 for c in counts if c))
    pending: list[Plan] = []

    def flush():
        with transaction.atomic():
            result.household_ids += writer.write(pending)
        result.households += len(pending)
        result.members += sum(len(p.members) for p in pending)
        pending.clear()
        if progress:
            progress(result.households, count)

    with _sqlite_cache():
        _generate(
            villages, counts, sequences, _counties(villages), generator, pending, flush, batch
        )
        if pending:
            flush()
    result.seconds = time.monotonic() - started
    return result


@contextmanager
def _sqlite_cache(kib: int = 256 * 1024):
    """A large page cache while seeding SQLite: the ID-number indexes take random inserts."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _generate(villages, counts, sequences, counties, generator, pending, flush, batch):
    current = areas = ids = None
    for village, n in zip(villages, counts, strict=True):
        if not n:
            continue
        if village.code[:6] != current:
            if pending:
                flush()
            current = village.code[:6]
            areas = AreaCodes(current, *counties[current])
            ids = IdNumbers(stored_id_prefixes(areas.codes))
        start = sequences.get(village.code, 1)
        for seq in range(start, start + n):
            pending.append(generator.household(village, f"{village.code}{seq:04d}", ids, areas))
            if len(pending) >= batch:
                flush()
