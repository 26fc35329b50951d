"""Benchmark: would another linear model or setting beat the suggester's, on real messages?

    .venv/bin/python bench/bench_suggester_variants.py LABELLED_FILE

Picks settings the honest way: only on the training part of the first of the five outer folds
that ``bench_category_suggester.py`` reports (same seed), by an inner 3-fold cross-validation,
so a setting is never chosen on the messages it is then scored on.  Every variant is sublinear
tf-idf over character n-grams in at least two texts, as the suggester uses; prints the inner
top-1 (mean ± spread of the three folds) and the CPU seconds per variant.  LABELLED_FILE as for
``bench_category_suggester.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_category_suggester import read_labelled  # noqa: E402


def main() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("labelled", type=Path)
    args = parser.parse_args()
    texts, labels = read_labelled(args.labelled)
    x, y = np.array(texts, dtype=object), np.array(labels)
    outer_train, _ = next(StratifiedKFold(5, shuffle=True, random_state=0).split(x, y))
    xs, ys = x[outer_train], y[outer_train]
    inner = list(StratifiedKFold(3, shuffle=True, random_state=1).split(xs, ys))
    print(f"{len(xs)} training messages of outer fold 1, inner 3-fold")

    variants: list[tuple[str, tuple[int, int], Callable[[], Any]]] = [
        ("LinearSVC C=0.5, char 1-3", (1, 3), lambda: LinearSVC(C=0.5)),
        ("LinearSVC C=1 (the suggester's), char 1-3", (1, 3), lambda: LinearSVC(C=1.0)),
        ("LinearSVC C=2, char 1-3", (1, 3), lambda: LinearSVC(C=2.0)),
        ("LinearSVC C=5, char 1-3", (1, 3), lambda: LinearSVC(C=5.0)),
        ("LinearSVC C=1, char 1-4", (1, 4), lambda: LinearSVC(C=1.0)),
        (
            "SGD modified Huber, char 1-3",
            (1, 3),
            lambda: SGDClassifier(loss="modified_huber", alpha=2e-5, random_state=0),
        ),
    ]
    for name, ngrams, make in variants:
        started = time.process_time()
        scores = []
        for train, test in inner:
            vectorizer = TfidfVectorizer(
                analyzer="char", ngram_range=ngrams, sublinear_tf=True, min_df=2
            )
            model = make().fit(vectorizer.fit_transform(xs[train]), ys[train])
            scores.append(float(np.mean(model.predict(vectorizer.transform(xs[test])) == ys[test])))
        print(
            f"  {name:44s} top-1 {np.mean(scores):.4f} ±{np.std(scores):.4f}"
            f"  ({time.process_time() - started:.0f} s CPU)",
            flush=True,
        )


if __name__ == "__main__":
    main()
