"""QR images of the archive URLs, as small 1-bit PNGs.

Measured: a QR image costs 5 ms when qrcode tries all 8 mask patterns, 1.3 ms with one
fixed mask (any mask gives a valid code; the choice only tunes readability). An export
draws them in a small process pool (EXPORT_QR_PROCESSES) while the main process writes
the document.
"""

from __future__ import annotations

import io
import multiprocessing
from collections.abc import Iterable, Iterator

import qrcode
from PIL import Image

MASK_PATTERN = 2
MODULE_PIXELS = 8  # 8 px per module: a version-4 code (33 modules + border) is 328 px
BORDER = 4
POOL_MIN = 48  # fewer images than this are drawn in-process: starting workers costs more


_versions: dict[int, int] = {}  # URL length -> smallest version (one byte-mode segment)


def make_png(url: str) -> bytes:
    # One byte-mode segment: the version then depends on the length only, found once per
    # length instead of by qrcode's best_fit for every image.
    version = _versions.get(len(url))
    code = qrcode.QRCode(
        version=version,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=1,
        border=BORDER,
        mask_pattern=MASK_PATTERN,
    )
    code.add_data(url, optimize=0)
    code.make(fit=version is None)
    _versions[len(url)] = code.version
    matrix = code.get_matrix()
    size = len(matrix)
    image = Image.new("1", (size, size))
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    image = image.resize((size * MODULE_PIXELS, size * MODULE_PIXELS), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class QrMaker:
    """make(urls) -> iterator of PNG bytes in order. For an export of at least POOL_MIN
    images they are drawn by `processes` workers (started on the first batch), so the next
    village's images are drawn while this one's are written. Use as a context manager."""

    def __init__(self, processes: int = 2, total: int = POOL_MIN):
        self.processes = processes if total >= POOL_MIN else 0
        self._pool = None

    def __enter__(self) -> QrMaker:
        if self.processes > 0:
            self._start()  # the workers start while the caller reads its first batch
        return self

    def _start(self) -> None:
        # forkserver: the exporting process may be a threaded web or task worker, which
        # must not fork; the server preloads this module once.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        self._pool = context.Pool(self.processes)

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def make(self, urls: list[str]) -> Iterator[bytes]:
        if self.processes < 1:
            return map(make_png, urls)
        if self._pool is None:
            self._start()
        chunk = max(1, min(32, len(urls) // (self.processes * 4)))
        return self._pool.imap(make_png, urls, chunksize=chunk)

    def worker_stats(self) -> tuple[int, float]:
        """(largest peak RSS in KB, CPU seconds) of the workers so far (Linux; for the
        benchmark)."""
        import os

        peak, cpu = 0, 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        for process in getattr(self._pool, "_pool", []) if self._pool else []:
            try:
                with open(f"/proc/{process.pid}/status") as status:
                    for line in status:
                        if line.startswith("VmHWM:"):
                            peak = max(peak, int(line.split()[1]))
                with open(f"/proc/{process.pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                    cpu += (int(fields[11]) + int(fields[12])) / ticks
            except OSError:
                continue
        return peak, cpu


def make_all(urls: Iterable[str], processes: int = 2) -> int:
    """Draw the images and drop them (the benchmark's QR-only floor); returns the bytes."""
    urls = list(urls)
    total = 0
    with QrMaker(processes, len(urls)) as maker:
        for png in maker.make(urls):
            total += len(png)
    return total
