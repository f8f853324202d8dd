"""Where the finished files of background jobs are kept (the QR archives; exchange's imports,
exports and 部门数据比对). A job writes its file in a local scratch folder (EXPORT_DIR,
EXCHANGE_DIR: under a temporary name, moved into place when complete, jobfiles.writing), then
publishes it:

- on one machine (FILE_STORAGE=local) the scratch folder is the store: publishing is nothing,
  a page opens the file where the job wrote it;
- past one machine (FILE_STORAGE=s3) the store is a prefix of a shared bucket (settings
  STORAGES "exports" and "exchange"): the complete file is uploaded, then removed locally, so
  any app server can serve it and any worker can read an upload another server received.

A stored name never leaves its store: no slash, no leading dot (partials and beat files)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, cast

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages


def valid_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


class FileStore:
    """The finished files of one kind of job: `alias` names the shared storage (when
    settings.STORAGES has it), `scratch` the local folder they are written in."""

    def __init__(self, alias: str, scratch: Callable[[], Path]):
        self.alias = alias
        self._scratch = scratch

    def scratch(self) -> Path:
        path = Path(self._scratch())
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def shared(self) -> bool:
        return self.alias in settings.STORAGES

    @property
    def storage(self) -> Storage:
        if self.shared:
            return storages[self.alias]
        return FileSystemStorage(location=self.scratch())

    def publish(self, local: Path) -> None:
        """Keep a complete file written in the scratch folder under its own name; the local
        copy is removed once the store holds it (or the upload failed: the job then fails)."""
        if not self.shared:
            return
        try:
            with open(local, "rb") as handle:
                saved = self.storage.save(local.name, File(handle, name=local.name))
            if saved != local.name:  # never: names are unique and the store overwrites
                raise OSError(f"stored as {saved!r}, not {local.name!r}")
        finally:
            local.unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        if not valid_name(name):
            return False
        if not self.shared:
            return (self.scratch() / name).is_file()
        return bool(self.storage.exists(name))

    def open(self, name: str) -> IO[bytes] | None:
        """The stored file for reading (a page streams it), or None when it is not there."""
        if not self.exists(name):
            return None
        if not self.shared:
            return open(self.scratch() / name, "rb")  # noqa: SIM115 - the caller closes it
        return cast("IO[bytes]", self.storage.open(name, "rb"))

    def size(self, name: str) -> int:
        return int(self.storage.size(name))

    def delete(self, name: str) -> None:
        if valid_name(name):
            self.storage.delete(name)

    def move(self, old: str, new: str) -> None:
        """Give a stored file a new name (a retried import takes over its upload)."""
        if not (valid_name(old) and valid_name(new)):
            raise ValueError("invalid stored name")
        if not self.shared:
            os.replace(self.scratch() / old, self.scratch() / new)
            return
        with self.storage.open(old, "rb") as handle:
            self.storage.save(new, File(handle, name=new))
        self.storage.delete(old)

    @contextlib.contextmanager
    def local_copy(self, name: str) -> Iterator[Path | None]:
        """A path to read the stored file from (openpyxl wants one): the file itself on one
        machine; past one, a hidden copy in the scratch folder, removed after the block."""
        if not self.exists(name):
            yield None
            return
        if not self.shared:
            yield self.scratch() / name
            return
        # `.{name}.…part`: the owner's id leads the name, so jobfiles.remove_partials spares a
        # running job's copy and prunes one a killed worker left.
        with (
            self.storage.open(name, "rb") as source,
            tempfile.NamedTemporaryFile(
                dir=self.scratch(), prefix=f".{name}.", suffix=".part"
            ) as copy,
        ):
            shutil.copyfileobj(source, copy, 1024 * 1024)
            copy.flush()
            yield Path(copy.name)
