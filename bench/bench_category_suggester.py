"""Benchmark: how often the category suggester proposes the right category, and how fast.

    .venv/bin/python bench/bench_category_suggester.py

Trains exactly as ``default_suggester()`` does (training split of the shipped corpus plus the
names of all minor categories) and evaluates on the held-out split, whose phrase families and
decorations never occur in training (see ``bench/make_category_corpus.py``).  Prints top-1 and
top-3 accuracy, macro-F1 over the categories of the held-out split, top-1 accuracy at the level
of the major class, the baseline of always guessing the most common training category, the
first-use time (jieba's dictionary plus training) and the latency of one ``suggest`` call.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter

from wangge.cases.suggester import (
    CategorySuggester,
    features,
    load_categories,
    load_corpus,
    training_data,
)


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    scores = []
    for label in sorted(set(gold)):
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if p == label != g)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label != p)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return statistics.fmean(scores)


def main() -> None:
    started = time.perf_counter()
    features("预热分词词典")  # jieba loads its dictionary on first use
    jieba_seconds = time.perf_counter() - started

    texts, labels = training_data()
    names = {c.code: c.name for c in load_categories()}
    parent = {c.code: c.parent_code for c in load_categories()}
    started = time.perf_counter()
    suggester = CategorySuggester(names).train(texts, labels)
    train_seconds = time.perf_counter() - started

    train = load_corpus("train")
    test = load_corpus("test")
    gold = [code for _, code in test]
    top1: list[str] = []
    top3_hits = 0
    latencies = []
    for text, code in test:
        started = time.perf_counter()
        suggestions = suggester.suggest(text, k=3)
        latencies.append(time.perf_counter() - started)
        codes = [s.code for s in suggestions]
        top1.append(codes[0] if codes else "")
        top3_hits += code in codes

    counts = Counter(code for _, code in train)
    common = [code for code, _ in counts.most_common(3)]
    n = len(test)
    accuracy = sum(g == p for g, p in zip(gold, top1, strict=True)) / n
    major = sum(parent[g] == parent.get(p) for g, p in zip(gold, top1, strict=True)) / n
    latencies.sort()
    print(f"training texts      {len(train)} (+{len(texts) - len(train)} category names)")
    print(
        f"held-out texts      {n} over {len(set(gold))} categories; model knows {len(suggester.classes)}"
    )
    print(f"top-1 accuracy      {accuracy:.3f}")
    print(f"top-3 accuracy      {top3_hits / n:.3f}")
    print(f"macro-F1 (top-1)    {macro_f1(gold, top1):.3f}")
    print(f"major class top-1   {major:.3f}")
    print(f"baseline top-1      {sum(g == common[0] for g in gold) / n:.3f} (always {common[0]})")
    print(f"baseline top-3      {sum(g in common for g in gold) / n:.3f} (always {common})")
    print(f"no suggestion       {top1.count('')} of {n}")
    print(f"jieba dictionary    {jieba_seconds:.2f} s (first use in a process)")
    print(f"training            {train_seconds:.2f} s")
    print(
        f"suggest latency     p50 {statistics.median(latencies) * 1000:.2f} ms, "
        f"p95 {latencies[int(0.95 * len(latencies))] * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
