"""Progress bars for long imports on a terminal (tqdm, on stderr, silent when not a TTY)."""

from __future__ import annotations

import sys
from typing import Any, Final

_LABELS: Final = {"normalise": "校验规范化", "link": "人员比对", "commit": "写入数据库"}


class ProgressBars:
    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._bars: dict[str, Any] = {}

    def update(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        bar = self._bars.get(stage)
        if bar is None:
            bar = self._bars[stage] = tqdm(
                total=total, desc=_LABELS.get(stage, stage), unit="行", file=sys.stderr
            )
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()
