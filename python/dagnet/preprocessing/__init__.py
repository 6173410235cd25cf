"""``keras.preprocessing``: the sequence utilities scripts import from here."""

from . import sequence as sequence

__all__ = ["sequence"]
