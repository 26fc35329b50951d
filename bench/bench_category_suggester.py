"""Benchmark: how often the category suggester proposes the right category, and how fast.

    .venv/bin/python bench/bench_category_suggester.py [LABELLED_FILE] [--retrain-cases 100000]

1. The shipped corpus: trained on its training split plus the names of all minor categories,
   measured on the held-out split, whose phrase families and decorations never occur in
   training (see ``bench/make_category_corpus.py``): top-1/top-3, macro-F1, top-1 of the major
   class, the most-common-category baseline, training time and ``suggest`` latency.
2. With ``LABELLED_FILE`` (real messages, kept outside the repository): 5-fold stratified
   cross-validation of the most-common baseline, a plain TF-IDF character 1–3-gram LinearSVC
   (scikit-learn defaults) and the suggester itself, top-1 and top-3.  The file is a CSV with a
   ``label`` column and ``text`` or ``topic``/``detail`` columns, or the TipDM Cup 2020 C
   workbook (附件2.xlsx: 留言主题, 留言详情, 一级分类 or 一级标签), or the only public copy of all
   9,210 labelled messages, jesHrz/tipdm's ``过程数据/T1/原始数据集分词结果.xlsx`` (segmented
   主题+详情 with stop words removed, and the 一级标签; headerless).
3. Retraining on N synthetic cases (``make_category_corpus.generate``) mixed with the shipped
   corpus, as the weekly job does: seconds and the size of the stored model.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_category_corpus import generate  # noqa: E402

from wangge.cases.suggester import (  # noqa: E402
    OFFICE_WEIGHT,
    CategorySuggester,
    category_names,
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


def shipped_corpus() -> None:
    texts, labels = training_data("train")
    parent = {c.code: c.parent_code for c in load_categories()}
    started = time.perf_counter()
    suggester = CategorySuggester(category_names()).train(texts, labels)
    train_seconds = time.perf_counter() - started
    suggester.suggest("预热")  # scikit-learn's analyzer is built on first use

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
    common = Counter(code for _, code in train).most_common(3)
    n = len(test)
    latencies.sort()
    print("== shipped corpus: train split -> held-out split")
    print(f"held-out texts      {n} over {len(set(gold))} categories")
    print(
        f"model               {len(suggester.classes)} categories, {len(suggester.vocabulary)} n-grams"
    )
    print(f"top-1 accuracy      {sum(g == p for g, p in zip(gold, top1, strict=True)) / n:.3f}")
    print(f"top-3 accuracy      {top3_hits / n:.3f}")
    print(f"macro-F1 (top-1)    {macro_f1(gold, top1):.3f}")
    major = sum(parent.get(p) == parent[g] for g, p in zip(gold, top1, strict=True)) / n
    print(f"top-1 major class   {major:.3f}")
    print(
        f"most common {common[0][0]}  top-1 {sum(g == common[0][0] for g in gold) / n:.3f}, "
        f"top-3 {sum(g in {c for c, _ in common} for g in gold) / n:.3f}"
    )
    print(f"training            {train_seconds:.2f} s")
    print(
        f"suggest latency     p50 {latencies[n // 2] * 1000:.2f} ms, "
        f"p95 {latencies[int(n * 0.95)] * 1000:.2f} ms"
    )


def read_labelled(path: Path) -> tuple[list[str], list[str]]:
    if path.suffix.lower() in {".xlsx", ".xls"}:
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        header = [str(h).strip() for h in rows[0]]
        if "留言主题" not in header:
            # jesHrz/tipdm's 原始数据集分词结果.xlsx: all 9,210 messages as (words, label) rows,
            # no header. The words are joined again, so the n-grams see running text, as a
            # typed complaint, not the segmenter's word boundaries.
            texts = ["".join(str(row[0]).split()) for row in rows]
            labels = [str(row[1]).strip() for row in rows]
            return texts, labels
        records = [dict(zip(header, row, strict=False)) for row in rows[1:]]
        label_key = "一级分类" if "一级分类" in header else "一级标签"
        texts = [f"{r['留言主题']}。{r['留言详情']}" for r in records]
        labels = [str(r[label_key]).strip() for r in records]
    else:
        with path.open(encoding="utf-8-sig", newline="") as f:
            records = list(csv.DictReader(f))
        texts = [r["text"] if "text" in r else f"{r['topic']}。{r['detail']}" for r in records]
        labels = [r["label"].strip() for r in records]
    texts = [" ".join(t.split()) for t in texts]
    return texts, labels


def cross_validate(path: Path, folds: int = 5) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    texts, labels = read_labelled(path)
    x, y = np.array(texts, dtype=object), np.array(labels)
    print(f"\n== {path.name}: {len(texts)} messages, {len(set(labels))} labels, {folds}-fold")
    print("  " + ", ".join(f"{label} {n}" for label, n in Counter(labels).most_common()))
    results: dict[str, list[tuple[float, float, float]]] = {}

    def record(name: str, gold: np.ndarray, ranked: list[list[str]], seconds: float) -> None:
        top1 = float(np.mean([r[0] == g for r, g in zip(ranked, gold, strict=True)]))
        top3 = float(np.mean([g in r[:3] for r, g in zip(ranked, gold, strict=True)]))
        results.setdefault(name, []).append((top1, top3, seconds))

    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    for train, test in splitter.split(x, y):
        common = [label for label, _ in Counter(y[train]).most_common()]
        record("most common label", y[test], [common] * len(test), 0.0)

        started = time.perf_counter()
        plain = make_pipeline(
            TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True), LinearSVC()
        )
        plain.fit(list(x[train]), y[train])
        order = np.argsort(-plain.decision_function(list(x[test])), axis=1)
        classes = plain.classes_
        record(
            "TF-IDF char 1-3 + LinearSVC",
            y[test],
            [list(classes[row]) for row in order],
            time.perf_counter() - started,
        )

        started = time.perf_counter()
        ours = CategorySuggester().train(list(x[train]), list(y[train]))
        order = np.argsort(-ours.decision(list(x[test])), axis=1)
        names = np.array(ours.classes)
        record(
            "wangge suggester",
            y[test],
            [list(names[row]) for row in order],
            time.perf_counter() - started,
        )
    print(f"  {'':32s} top-1  top-3  (mean of {folds} folds; train+predict s/fold)")
    for name, scores in results.items():
        top1, top3, seconds = (statistics.fmean(s[i] for s in scores) for i in range(3))
        spread = statistics.pstdev(s[0] for s in scores)
        print(f"  {name:32s} {top1:.3f}  {top3:.3f}  (top-1 ±{spread:.3f}; {seconds:.1f} s)")


def retrain_time(cases: int) -> None:
    texts, labels = training_data()
    rows = generate(cases, seed=7)
    office_texts = [text for text, *_ in rows]
    office_labels = [code for _, code, *_ in rows]
    weights = [1.0] * len(texts) + [OFFICE_WEIGHT] * len(office_texts)
    started, cpu_started = time.perf_counter(), time.process_time()
    suggester = CategorySuggester(category_names()).train(
        texts + office_texts, labels + office_labels, weights
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    size = len(suggester.to_bytes())
    print(f"\n== retraining on {len(office_texts)} synthetic cases + the shipped corpus")
    # The machine is shared: CPU seconds and the load say how much of the wall time was waiting.
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  training           {seconds:.1f} s wall, {cpu:.1f} s CPU (load average {load})")
    print(f"  model              {len(suggester.vocabulary)} n-grams, {size / 1e6:.1f} MB stored")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("labelled", nargs="?", type=Path, help="real labelled messages (CSV/xlsx)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--retrain-cases", type=int, default=100_000, help="0 to skip")
    args = parser.parse_args()
    shipped_corpus()
    if args.labelled:
        cross_validate(args.labelled, args.folds)
    if args.retrain_cases:
        retrain_time(args.retrain_cases)


if __name__ == "__main__":
    main()
