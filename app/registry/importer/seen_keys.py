"""Repeats inside one file, caught with a compact table of 64-bit keys instead of a set of strings."""

from __future__ import annotations

from array import array


class SeenKeys:
    """A set of 64-bit keys in one flat array (open addressing): 16 bytes a key, not ~100."""

    def __init__(self, capacity: int = 1 << 14):
        """An empty table of `capacity` slots (a power of two)."""
        self._slots = array("Q", bytes(8 * capacity))
        self._mask = capacity - 1
        self._count = 0

    def add(self, key) -> bool:
        """Add a hashable key; False if an equal key (by 64-bit hash) was already there."""
        value = (hash(key) & 0xFFFFFFFFFFFFFFFF) or 1
        slots, mask = self._slots, self._mask
        index = value & mask
        while True:
            current = slots[index]
            if current == 0:
                slots[index] = value
                self._count += 1
                if self._count * 2 > mask:
                    self._grow()
                return True
            if current == value:
                return False
            index = (index + 1) & mask

    def _grow(self) -> None:
        """Double the table and re-place every key."""
        old = self._slots
        capacity = len(old) * 2
        self._slots = array("Q", bytes(8 * capacity))
        self._mask = capacity - 1
        slots, mask = self._slots, self._mask
        for value in old:
            if value:
                index = value & mask
                while slots[index]:
                    index = (index + 1) & mask
                slots[index] = value
