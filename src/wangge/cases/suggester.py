"""Propose a case category from the words of a complaint.

Hotline operators and grid workers pick one of ~190 categories for every case; a wrong pick
sends the case to the wrong department and costs a day in 退单.  A linear SVM over sublinear
tf-idf character 1–3-grams (scikit-learn) puts the right category in the top three most of the
time: character n-grams need no word segmenter, so typing slips (燥音, 拉圾) and words a
dictionary does not know still share most of their features with the right ones.  On real
message-board messages it beat the hand-written naive Bayes over jieba words it replaced
(docs/suggester.md has the figures).

Pure Python, no Django: the cases app trains it from the shipped corpus and the cases staff
confirmed (`wangge.cases.learning`) and stores it with `to_bytes`, a NumPy archive read without
pickle, so a model file can never run code when it is loaded.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"
CATEGORIES_CSV = DATA_DIR / "categories.csv"
CORPUS_CSV = DATA_DIR / "category_corpus.csv"

FORMAT = "wangge-suggester/1"
NGRAMS = (1, 3)
# An n-gram must occur in at least two training texts: it halves the model, costs nothing in
# accuracy (docs/suggester.md), and keeps one resident's name out of the model file.
MIN_DF = 2
# LinearSVC's regularisation, and the factor on its decision values before the softmax that
# turns them into scores. The factor was fitted on the shipped corpus (train → test split) by
# log-loss; it changes the scores, never their order.
C = 1.0
SCALE = 12.0
# A case staff confirmed is real wording from this office: it counts twice a corpus text.
OFFICE_WEIGHT = 2.0
# A text needs this many Chinese characters that are not greetings or fillers, and one known
# character pair, to get any suggestion ("你好", "啊啊啊" and "12345" get none).
MIN_CONTENT_CHARS = 2


def _words(text: str) -> list[str]:
    return text.split()


# Fillers that carry no evidence about the problem (longest first, removed before the check).
FILLERS = sorted(
    _words(
        "您好 你好 谢谢 感谢 请问 麻烦 喂 啊 嗯 哦 哈 呀 吧 呢 吗 嘛 哎 唉 诶 嘿 哟 噢 "
        "的 了 是 我 你 您 在 有 和 就 都 也 还 又 好 不 没 很 太 要 想 说 一下 一个"
    ),
    key=len,
    reverse=True,
)
_FILLER = re.compile("|".join(map(re.escape, FILLERS)))
_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


class ModelFileError(ValueError):
    """A stored model that is not one this code wrote, or is damaged."""


def normalise(text: str) -> str:
    """Full-width letters and punctuation to half-width, lower case (hotline exports mix both)."""
    return unicodedata.normalize("NFKC", text).lower()


@dataclass(frozen=True)
class Suggestion:
    code: str
    name: str
    score: float


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    name_en: str
    parent_code: str
    kind: str
    source: str
    department: str
    response_hours: int
    handle_working_days: int


def load_categories(path: Path = CATEGORIES_CSV) -> list[Category]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            Category(
                code=row["code"],
                name=row["name"],
                name_en=row["name_en"],
                parent_code=row["parent_code"],
                kind=row["kind"],
                source=row["source"],
                department=row["department"],
                response_hours=int(row["response_hours"]),
                handle_working_days=int(row["handle_working_days"]),
            )
            for row in csv.DictReader(f)
        ]


def load_corpus(split: str | None = None, path: Path = CORPUS_CSV) -> list[tuple[str, str]]:
    """(text, code) pairs of the shipped corpus; split is "train", "test" or None for all."""
    with path.open(encoding="utf-8", newline="") as f:
        return [
            (row["text"], row["code"])
            for row in csv.DictReader(f)
            if split is None or row["split"] == split
        ]


def _content(text: str) -> str:
    """The Chinese characters of a text once greetings and fillers are taken out."""
    return "".join(_CJK.findall(_FILLER.sub(" ", text)))


class CategorySuggester:
    """Sublinear tf-idf over character n-grams, then one linear SVM per category (one-vs-rest).

    Scores are a softmax of the decision values (times `SCALE`), so the top three come in a
    meaningful order and sum with the rest to one.  The fitted state is plain arrays: the
    vocabulary, idf, the weight matrix and intercepts, which is all `suggest` needs and all
    `to_bytes` stores.
    """

    def __init__(self, names: dict[str, str] | None = None) -> None:
        self.names = dict(names or {})
        self.classes: list[str] = []
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)
        self.coef = np.zeros((0, 0), dtype=np.float32)
        self.intercept = np.zeros(0, dtype=np.float32)
        self.scale = SCALE
        self.info: dict[str, Any] = {}
        self._analyzer: Any = None

    # -- features -------------------------------------------------------------------------

    def _analyze(self, text: str) -> list[str]:
        if self._analyzer is None:
            self._analyzer = _count_vectorizer().build_analyzer()
        analyzed: list[str] = self._analyzer(text)
        return analyzed

    def _vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's known n-grams and their L2-normalised sublinear tf-idf weights."""
        counts: dict[int, int] = {}
        for gram in self._analyze(text):
            col = self.vocabulary.get(gram)
            if col is not None:
                counts[col] = counts.get(col, 0) + 1
        ids = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        weights = (1.0 + np.log(tf)) * self.idf[ids]
        norm = float(np.linalg.norm(weights))
        return ids, weights / norm if norm else weights

    # -- training -------------------------------------------------------------------------

    def train(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        weights: Sequence[float] | None = None,
    ) -> CategorySuggester:
        """Fit on ``texts`` (with optional per-text weights); deterministic for the same input."""
        from sklearn.svm import LinearSVC

        if len(texts) != len(labels) or not texts:
            raise ValueError("train needs as many labels as texts, and at least one text")
        if weights is not None and len(weights) != len(texts):
            raise ValueError("train needs as many weights as texts")
        if len(set(labels)) < 2:
            raise ValueError("train needs at least two categories")
        counter = _count_vectorizer()
        counts = counter.fit_transform(texts).tocsc()
        df = np.diff(counts.indptr)
        keep = np.flatnonzero(df >= min(MIN_DF, len(texts)))
        counts = counts[:, keep].tocsr()
        names = counter.get_feature_names_out()[keep]
        self.vocabulary = {str(gram): i for i, gram in enumerate(names)}
        n_docs = len(texts)
        self.idf = (np.log((1.0 + n_docs) / (1.0 + df[keep])) + 1.0).astype(np.float32)
        counts.data = 1.0 + np.log(counts.data)
        features = _tfidf_rows(counts, self.idf)

        # The dual solver: 2-5x faster than the primal one sklearn picks for more texts than
        # n-grams (retraining on 100k cases), same optimum.
        model = LinearSVC(C=C, dual=True, random_state=0)
        model.fit(features, np.asarray(labels), sample_weight=None if weights is None else weights)
        self.classes = [str(c) for c in model.classes_]
        coef = np.asarray(model.coef_, dtype=np.float32)
        intercept = np.asarray(model.intercept_, dtype=np.float32)
        if len(self.classes) == 2:  # sklearn keeps one row for two classes
            coef = np.vstack([-coef[0], coef[0]])
            intercept = np.array([-intercept[0], intercept[0]], dtype=np.float32)
        self.coef, self.intercept = coef, intercept
        self.info = {"texts": n_docs, "features": len(self.vocabulary)}
        return self

    # -- suggesting -----------------------------------------------------------------------

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        """Decision values, one row per text and one column per class in `classes` order."""
        out = np.empty((len(texts), len(self.classes)), dtype=np.float64)
        for row, text in enumerate(texts):
            ids, weights = self._vector(text)
            out[row] = self.coef[:, ids] @ weights + self.intercept
        return out

    def meaningful(self, text: str) -> bool:
        """Enough Chinese beyond greetings and fillers, with at least one known pair in it."""
        content = _content(normalise(text))
        return len(content) >= MIN_CONTENT_CHARS and any(
            content[i : i + 2] in self.vocabulary for i in range(len(content) - 1)
        )

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        if k <= 0 or not self.classes or not text or not text.strip():
            return []
        if not self.meaningful(text):
            return []
        scores = self.decision([text])[0] * self.scale
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        order = sorted(range(len(self.classes)), key=lambda i: (-probabilities[i], self.classes[i]))
        return [
            Suggestion(
                code=self.classes[i],
                name=self.names.get(self.classes[i], self.classes[i]),
                score=float(probabilities[i]),
            )
            for i in order[:k]
        ]

    # -- storing --------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """A NumPy archive of the fitted arrays and a JSON header; readable without pickle."""
        vocabulary = [""] * len(self.vocabulary)
        for gram, i in self.vocabulary.items():
            vocabulary[i] = gram
        header = {"format": FORMAT, "ngrams": list(NGRAMS), "scale": self.scale, **self.info}
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            header=np.array(json.dumps(header, ensure_ascii=False)),
            classes=np.array(self.classes, dtype=str),
            vocabulary=np.array(vocabulary, dtype=str),
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, names: dict[str, str] | None = None) -> CategorySuggester:
        """Read what `to_bytes` wrote; anything else raises `ModelFileError`."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                header = json.loads(str(archive["header"]))
                classes = [str(c) for c in archive["classes"]]
                vocabulary = [str(g) for g in archive["vocabulary"]]
                idf = archive["idf"].astype(np.float32)
                coef = archive["coef"].astype(np.float32)
                intercept = archive["intercept"].astype(np.float32)
        except Exception as exc:  # a damaged archive fails in zipfile, numpy or json
            raise ModelFileError(f"模型文件无法读取：{type(exc).__name__}") from exc
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ModelFileError("模型文件格式不符")
        if header.get("ngrams") != list(NGRAMS):
            raise ModelFileError("模型文件的特征设置与当前版本不同")
        if (
            len(classes) < 2
            or coef.shape != (len(classes), len(vocabulary))
            or intercept.shape != (len(classes),)
            or idf.shape != (len(vocabulary),)
            or len(set(vocabulary)) != len(vocabulary)
            or not np.isfinite(coef).all()
        ):
            raise ModelFileError("模型文件内容不完整")
        model = cls(names)
        model.classes = classes
        model.vocabulary = {gram: i for i, gram in enumerate(vocabulary)}
        model.idf, model.coef, model.intercept = idf, coef, intercept
        model.scale = float(header.get("scale", SCALE))
        model.info = {k: v for k, v in header.items() if k not in {"format", "ngrams", "scale"}}
        return model


def _count_vectorizer() -> Any:
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(
        analyzer="char",
        ngram_range=NGRAMS,
        preprocessor=normalise,
        lowercase=False,
        dtype=np.float64,
    )


def _tfidf_rows(counts: Any, idf: np.ndarray) -> Any:
    """Weight sublinear term frequencies by idf and scale every row to unit length."""
    from scipy import sparse
    from sklearn.preprocessing import normalize

    weighted = counts @ sparse.diags(idf.astype(np.float64))
    return normalize(sparse.csr_matrix(weighted), norm="l2", copy=False)


def training_data(split: str | None = None) -> tuple[list[str], list[str]]:
    """The shipped corpus plus every minor category's name (twice, so its n-grams pass
    `MIN_DF`), so categories the corpus lacks (most components) are still found by name."""
    texts, labels = [], []
    for text, code in load_corpus(split):
        texts.append(text)
        labels.append(code)
    for category in load_categories():
        if category.parent_code:  # a minor class
            texts.extend([category.name, category.name])
            labels.extend([category.code, category.code])
    return texts, labels


def category_names() -> dict[str, str]:
    return {c.code: c.name for c in load_categories()}


_default_lock = threading.Lock()
_default: CategorySuggester | None = None


def default_suggester() -> CategorySuggester:
    """The cold-start suggester (shipped corpus only), trained once per process on first use."""
    global _default
    with _default_lock:
        if _default is None:
            texts, labels = training_data()
            suggester = CategorySuggester(category_names()).train(texts, labels)
            suggester.info["office_cases"] = 0
            _default = suggester
        return _default
