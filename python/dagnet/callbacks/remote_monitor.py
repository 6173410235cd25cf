"""RemoteMonitor: post each epoch's logs to a server over HTTP."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np

from .callback import Callback


class RemoteMonitor(Callback):
    """Posts each epoch's logs (with ``epoch``) to ``root + path`` over HTTP, as a form
    field ``field`` holding JSON, or as a JSON body with ``send_as_json``.  Needs the
    ``requests`` library (``ImportError`` at the first epoch end without it); an
    unreachable server only warns."""

    def __init__(
        self,
        root: str = "http://localhost:9000",
        path: str = "/publish/epoch/end/",
        field: str = "data",
        headers: Any = None,
        send_as_json: bool = False,
    ) -> None:
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        try:
            import requests
        except ImportError:
            raise ImportError("RemoteMonitor requires the `requests` library.") from None
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        try:
            if self.send_as_json:
                requests.post(self.root + self.path, json=send, headers=self.headers)
            else:
                requests.post(self.root + self.path, {self.field: json.dumps(send)}, headers=self.headers)
        except requests.exceptions.RequestException:
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2)
