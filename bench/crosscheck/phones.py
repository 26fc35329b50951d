"""Phone rules against libphonenumber: wangge's `check_phone` and `phonenumbers` on one sample.

Usage (from the repository root)::

    python -m bench.crosscheck.phones --count 100000 [--seed 7] [--examples 3]

Generates COUNT numbers as ledgers write them, in these kinds (shares in brackets):

- ``mobile`` (35 %): 1 + any second digit 3-9 + 9 digits (allocated or not: 140-144, 154, 179…);
- ``mobile_spelled`` (10 %): the same written ``(+86) 138 1234 5678``, ``tel:+86-…``, full width;
- ``landline`` (30 %): a real area code (010, 0371, 0991…) with a 7- or 8-digit local number;
- ``area_random`` (10 %): a random 0 + 2-3 digit "area code" and a local number;
- ``local_only`` (10 %): 7-8 digits without an area code;
- ``service`` (5 %): 400/800 and 95xxx numbers.

The reference verdict is libphonenumber's ``is_valid_number`` for region CN on the digits
(after removing what any human would: spaces, dashes, brackets, ``tel:``, full width). Printed:
the verdict table per kind, the agreement rate, and examples of every disagreement. Expected
disagreements: numbers without an area code (libphonenumber cannot validate a local number
alone; wangge accepts 7-8 digits not starting 0/1 because the ledger's area is unknown), and
service numbers 400/800/95xxx (valid numbers, but no person's phone: wangge refuses them).
"""

from __future__ import annotations

import argparse
import random
import re
import time
import unicodedata
from collections import Counter, defaultdict

import phonenumbers

from wangge.people.phone import check_phone

AREAS = ["010", "021", "022", "023", "024", "025", "027", "028", "029", "020"]
AREAS += ["0371", "0755", "0571", "0451", "0991", "0912", "0931", "0898", "0731", "0851"]
KINDS = {
    "mobile": 0.35,
    "mobile_spelled": 0.10,
    "landline": 0.30,
    "area_random": 0.10,
    "local_only": 0.10,
    "service": 0.05,
}
_WIDE = str.maketrans("0123456789+-()", "０１２３４５６７８９＋－（）")


def _digits(n: int, rng: random.Random) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def make(kind: str, rng: random.Random) -> str:
    if kind in ("mobile", "mobile_spelled"):
        number = f"1{rng.randint(3, 9)}{_digits(9, rng)}"
        if kind == "mobile":
            return number
        spelled = rng.choice(
            [
                f"(+86) {number[:3]} {number[3:7]} {number[7:]}",
                f"tel:+86-{number[:3]}-{number[3:7]}-{number[7:]}",
                f"+86{number}",
                f"{number[:3]}-{number[3:7]}-{number[7:]}",
            ]
        )
        return spelled.translate(_WIDE) if rng.random() < 0.3 else spelled
    if kind == "landline":
        area = rng.choice(AREAS)
        return f"{area}-{rng.randint(2, 8)}{_digits(rng.choice([6, 7]), rng)}"
    if kind == "area_random":
        return f"0{_digits(rng.choice([2, 3]), rng)}-{rng.randint(2, 8)}{_digits(rng.choice([6, 7]), rng)}"
    if kind == "local_only":
        return f"{rng.randint(2, 8)}{_digits(rng.choice([6, 7]), rng)}"
    return (
        rng.choice(["400", "800"]) + _digits(7, rng)
        if rng.random() < 0.7
        else "95" + _digits(3, rng)
    )


def reference(raw: str) -> bool:
    text = unicodedata.normalize("NFKC", raw)
    text = re.sub(r"^tel:", "", text, flags=re.IGNORECASE)
    text = re.sub(r"[\s\-()]", "", text)
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(text, "CN"))
    except phonenumbers.NumberParseException:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--examples", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    kinds = rng.choices(list(KINDS), weights=list(KINDS.values()), k=args.count)
    numbers = [make(kind, rng) for kind in kinds]

    started = time.perf_counter()
    ours = [check_phone(n).valid for n in numbers]
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    theirs = [reference(n) for n in numbers]
    theirs_s = time.perf_counter() - started

    table: dict[str, Counter[tuple[bool, bool]]] = defaultdict(Counter)
    examples: dict[tuple[str, bool, bool], list[str]] = defaultdict(list)
    for kind, number, a, b in zip(kinds, numbers, ours, theirs, strict=True):
        table[kind][(a, b)] += 1
        if a != b and len(examples[(kind, a, b)]) < args.examples:
            examples[(kind, a, b)].append(f"{number} → {check_phone(number).reason or '有效'}")

    print(f"{args.count:,} numbers, seed {args.seed}")
    print(f"wangge check_phone: {ours_s:.2f} s; phonenumbers: {theirs_s:.2f} s")
    print(f"{'kind':<16}{'n':>8}{'both ok':>9}{'both no':>9}{'only us':>9}{'only pn':>9}  agree")
    total_agree = 0
    for kind in KINDS:
        c = table[kind]
        n = sum(c.values())
        agree = c[(True, True)] + c[(False, False)]
        total_agree += agree
        print(
            f"{kind:<16}{n:>8}{c[(True, True)]:>9}{c[(False, False)]:>9}"
            f"{c[(True, False)]:>9}{c[(False, True)]:>9}  {agree / max(n, 1):.4f}"
        )
    print(f"agreement overall: {total_agree / args.count:.4f}")
    without_expected = sum(
        table[k][(True, True)] + table[k][(False, False)]
        for k in KINDS
        if k not in ("local_only", "service")
    )
    counted = sum(sum(table[k].values()) for k in KINDS if k not in ("local_only", "service"))
    print(
        f"agreement without local_only/service (explained above): {without_expected / counted:.4f}"
    )
    for (kind, a, _b), shown in sorted(examples.items()):
        who = "only wangge accepts" if a else "only phonenumbers accepts"
        print(f"  {kind}, {who}: " + "; ".join(shown))


if __name__ == "__main__":
    main()
