"""The items recently answered, so later notifications that name an item can find it."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from ghost_ls.context.types import PromptContext
from ghost_ls.postprocess.cleanup import Cleaned

REMEMBERED_ITEMS = 64


@dataclass(frozen=True)
class ShownItem:
    uri: str
    version: int
    context: PromptContext
    suggestion: Cleaned


class ItemMemory:
    """The last items answered, by the id their ``ghost.accepted`` command carries."""

    def __init__(self) -> None:
        self._items: OrderedDict[int, ShownItem] = OrderedDict()

    def remember(self, item_id: int, item: ShownItem) -> None:
        self._items[item_id] = item
        while len(self._items) > REMEMBERED_ITEMS:
            self._items.popitem(last=False)

    def get(self, item_id: int) -> ShownItem | None:
        return self._items.get(item_id)
