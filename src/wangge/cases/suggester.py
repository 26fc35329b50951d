"""Propose a case category from the words of a complaint.

Hotline operators and grid workers pick one of ~180 categories for every case; a wrong pick
sends the case to the wrong department and costs a day in 退单.  A small multinomial naive Bayes
over tf-idf weighted jieba words and character bigrams is enough to put the right category in
the top three most of the time, trains from the shipped corpus in well under a second, and needs
nothing but numpy.  Bigrams keep it robust to typos (燥音, 拉圾) and to words jieba splits
differently from the corpus.  Pure Python, no Django: the cases app wraps it.
"""

from __future__ import annotations

import csv
import logging
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"
CATEGORIES_CSV = DATA_DIR / "categories.csv"
CORPUS_CSV = DATA_DIR / "category_corpus.csv"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Words jieba's general dictionary splits badly; adding them keeps the domain terms whole.
DOMAIN_WORDS = _words(
    "飞线充电 电动车 电瓶车 电动自行车 充电桩 广场舞 占道经营 店外经营 暴露垃圾 渣土 游商 黑车 "
    "僵尸车 地锁 群租 群租房 油烟 噪音 扰民 核酸 消防通道 楼道 井盖 路灯 私搭乱建 违章搭建 违建 "
    "小广告 物业费 暖气 供暖 采暖费 高龄津贴 医保 社保 养老驿站 共享单车 乱停乱放 电梯困人 "
    "加装电梯 冲击钻 电钻 电锤 桶站 厨余垃圾 混装混运 外机 隔断 遛狗 狗屎 拴绳 地沟油 "
    "工地 扬尘 遗撒 塌陷 积水 燃气 煤气 漏气 下水道 雨水箅子 烧烤 焚烧 乞讨 涂鸦"
)

# Fillers every category shares; they carry no evidence and would make small talk look
# meaningful ("你好" must not suggest anything).
STOPWORDS = frozenset(
    _words(
        "的 了 是 我 你 您 他 她 它 我们 你们 他们 这 那 这个 那个 就 都 也 还 又 在 和 与 及 把 被 "
        "给 让 对 说 要 想 有 没 没有 不 很 太 特别 一直 已经 请 请问 麻烦 谢谢 您好 你好 喂 啊 吧 "
        "呢 吗 嘛 呀 哦 嗯 哈 啊啊 一下 一个 问题 反映 投诉 来电 市民 居民 人称 来电人 诉求 尽快 "
        "处理 解决 希望 管 管一管 相关 部门 事 事情 什么 怎么 怎么办 为什么 能不能 可以 好 了吗"
    )
)

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_ASCII_WORD = re.compile(r"[a-z]{2,}")

_jieba_lock = threading.Lock()
_jieba_tokenizer: Any = None


def _segmenter() -> Any:
    """jieba loads its 5 MB dictionary on first use; do it only when text is first segmented."""
    global _jieba_tokenizer
    with _jieba_lock:
        if _jieba_tokenizer is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)  # "Building prefix dict..." is noise in our logs
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            for word in DOMAIN_WORDS:
                tokenizer.add_word(word, freq=2000)
            _jieba_tokenizer = tokenizer
        return _jieba_tokenizer


def normalise(text: str) -> str:
    """Full-width letters and punctuation to half-width, lower case (hotline exports mix both)."""
    return unicodedata.normalize("NFKC", text).lower()


def features(text: str) -> list[str]:
    """jieba words (w:) plus character bigrams of every Chinese run (b:)."""
    text = normalise(text)
    out: list[str] = []
    runs = _CJK_RUN.findall(text)
    if runs:
        for word in _segmenter().lcut(text):
            word = word.strip()
            if word and word not in STOPWORDS and _CJK_RUN.fullmatch(word):
                out.append("w:" + word)
        for run in runs:
            out.extend("b:" + run[i : i + 2] for i in range(len(run) - 1))
    out.extend("w:" + word for word in _ASCII_WORD.findall(text))
    return out


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


class CategorySuggester:
    """Multinomial naive Bayes over L2-normalised, sublinear tf-idf features.

    ``prior_power`` flattens the class prior (0 = uniform, 1 = as counted): the corpus is as
    imbalanced as the hotline, and the full prior buries rare categories.  ``min_evidence`` is
    the least summed informativeness (1 - normalised entropy of a feature over the classes) a
    text must carry to get any suggestion, so greetings and gibberish get none.
    """

    def __init__(
        self,
        names: dict[str, str] | None = None,
        *,
        alpha: float = 0.2,
        prior_power: float = 0.0,
        min_evidence: float = 0.5,
    ) -> None:
        self.names = dict(names or {})
        self.alpha = alpha
        self.prior_power = prior_power
        self.min_evidence = min_evidence
        self.classes: list[str] = []
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0)
        self.log_prior = np.zeros(0)
        self.log_likelihood = np.zeros((0, 0))
        self.informativeness = np.zeros(0)

    def _vector(self, feats: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(self.vocabulary[f] for f in feats if f in self.vocabulary)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        ids = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        weights = (1.0 + np.log(tf)) * self.idf[ids]
        return ids, weights / np.linalg.norm(weights)

    def train(self, texts: Sequence[str], labels: Sequence[str]) -> CategorySuggester:
        if len(texts) != len(labels) or not texts:
            raise ValueError("train needs as many labels as texts, and at least one text")
        self.classes = sorted(set(labels))
        class_index = {code: i for i, code in enumerate(self.classes)}
        self.vocabulary = {}
        doc_ids: list[int] = []
        feat_ids: list[int] = []
        segmented = [features(text) for text in texts]
        for doc, feats in enumerate(segmented):
            for feat in set(feats):
                doc_ids.append(doc)
                feat_ids.append(self.vocabulary.setdefault(feat, len(self.vocabulary)))
        n_docs, n_feats, n_classes = len(texts), len(self.vocabulary), len(self.classes)
        df = np.bincount(np.asarray(feat_ids, dtype=np.int64), minlength=n_feats)
        self.idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0

        flat = np.zeros(n_classes * n_feats)
        for doc, feats in enumerate(segmented):
            ids, weights = self._vector(feats)
            np.add.at(flat, class_index[labels[doc]] * n_feats + ids, weights)
        counts = flat.reshape(n_classes, n_feats)

        smoothed = counts + self.alpha
        self.log_likelihood = np.log(smoothed / smoothed.sum(axis=1, keepdims=True))
        docs_per_class = np.bincount([class_index[label] for label in labels], minlength=n_classes)
        prior = np.log(docs_per_class / n_docs) * self.prior_power
        self.log_prior = prior - np.logaddexp.reduce(prior)

        # How much a feature says about the class, independent of class size.
        per_class = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1e-12)
        column = per_class.sum(axis=0)
        p = per_class / np.maximum(column, 1e-12)
        with np.errstate(divide="ignore", invalid="ignore"):
            entropy = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=0)
        self.informativeness = 1.0 - entropy / math.log(max(n_classes, 2))
        return self

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        if k <= 0 or not self.classes or not text or not text.strip():
            return []
        ids, weights = self._vector(features(text))
        if ids.size == 0 or float(self.informativeness[ids].sum()) < self.min_evidence:
            return []
        scores = self.log_prior + self.log_likelihood[:, ids] @ weights
        probabilities = np.exp(scores - np.logaddexp.reduce(scores))
        order = sorted(range(len(self.classes)), key=lambda i: (-probabilities[i], self.classes[i]))
        return [
            Suggestion(
                code=self.classes[i],
                name=self.names.get(self.classes[i], self.classes[i]),
                score=float(probabilities[i]),
            )
            for i in order[:k]
        ]


def training_data() -> tuple[list[str], list[str]]:
    """The training split plus every minor category's name, so categories the corpus lacks
    (most components) are still found by their own name."""
    texts, labels = [], []
    for text, code in load_corpus("train"):
        texts.append(text)
        labels.append(code)
    categories = load_categories()
    for category in categories:
        if category.parent_code:  # a minor class
            texts.append(category.name)
            labels.append(category.code)
    return texts, labels


_default_lock = threading.Lock()
_default: CategorySuggester | None = None


def default_suggester() -> CategorySuggester:
    """The shipped suggester, trained once per process on first use."""
    global _default
    with _default_lock:
        if _default is None:
            texts, labels = training_data()
            names = {c.code: c.name for c in load_categories()}
            _default = CategorySuggester(names).train(texts, labels)
        return _default
