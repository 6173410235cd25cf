"""CSVLogger: stream each epoch's logs to a CSV file."""

from __future__ import annotations

import collections
import collections.abc
import csv
import os
from typing import IO, Any

import numpy as np

from .callback import Callback


class CSVLogger(Callback):
    """Streams each epoch's logs to a CSV file: an ``epoch`` column (0-based), then the
    log names in alphabetical order.

    The columns are fixed by the first epoch; when it has no ``val_*`` keys, matching
    ``val_*`` columns are added anyway (filled with ``NA``) in case later epochs validate.
    With ``append=True`` rows are added to an existing file, and the header is written
    only if the file was empty.  Rows end with ``\\r\\n`` (the csv module's excel dialect).
    """

    def __init__(self, filename: str | os.PathLike[str], separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer: csv.DictWriter | None = None
        self.keys: list[str] | None = None
        self.append_header = True
        self.csv_file: IO[str] | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.csv_file is None:
            raise RuntimeError("CSVLogger: on_epoch_end before on_train_begin (the file is not open)")
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend([f"val_{k}" for k in self.keys])
        keys = self.keys
        if self.writer is None:

            class _Dialect(csv.excel):
                delimiter = self.sep

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + keys, dialect=_Dialect)
            if self.append_header:
                self.writer.writeheader()
        row: dict[str, Any] = collections.OrderedDict({"epoch": epoch})
        row.update((key, _csv_value(logs.get(key, "NA"))) for key in keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


def _csv_value(value):
    """Strings and scalars as they are; a sequence as a quoted ``[a, b]`` list."""
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (isinstance(value, np.ndarray) and value.ndim == 0):
        return f'"[{", ".join(map(str, value))}]"'
    return value
