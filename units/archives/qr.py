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


def make_png(url: str) -> bytes:
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=1,
        border=BORDER,
        mask_pattern=MASK_PATTERN,
    )
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    image = Image.new("1", (size, size))
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    image = image.resize((size * MODULE_PIXELS, size * MODULE_PIXELS), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class QrMaker:
    """make(urls) -> iterator of PNG bytes in order, drawn by `processes` workers (lazily
    started on the first large batch). Use as a context manager."""

    def __init__(self, processes: int = 2):
        self.processes = processes
        self._pool = None

    def __enter__(self) -> QrMaker:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def make(self, urls: list[str]) -> Iterator[bytes]:
        if self.processes < 1 or len(urls) < POOL_MIN:
            return map(make_png, urls)
        if self._pool is None:
            # forkserver: the exporting process may be a threaded web or task worker, which
            # must not fork; the server preloads this module once.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            self._pool = context.Pool(self.processes)
        chunk = max(1, min(32, len(urls) // (self.processes * 4)))
        return self._pool.imap(make_png, urls, chunksize=chunk)


def make_all(urls: Iterable[str], processes: int = 2) -> int:
    """Draw the images and drop them (the benchmark's QR-only floor); returns the bytes."""
    total = 0
    with QrMaker(processes) as maker:
        for png in maker.make(list(urls)):
            total += len(png)
    return total
