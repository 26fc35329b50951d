"""ID numbers against GB/T 2260's history: wangge's rules, python-stdnum and id-validator.

Usage (from the repository root)::

    python -m bench.crosscheck.ids --count 100000 [--seed 7] [--examples 3]

Generates COUNT 18-digit numbers, each with a correct check digit unless said otherwise, in
these kinds (shares in brackets):

- ``current`` (30 %): a county code in force today, born any year 1930-2024;
- ``historic`` (15 %): a code GB/T 2260 has retired (460028 临高县 …), born while it was in force;
- ``historic_later`` (5 %): a retired code, born after it was retired (nobody could get it);
- ``before_code`` (5 %): a code that came into force after the person was born (Hainan's
  4600xx for someone born in 1960: the number is issued when registered, not at birth);
- ``random`` (25 %): six random digits under a real province (most never existed);
- ``prefecture`` (5 %): a prefecture-level code (xxxx00) or a 市辖区 code (xxxx01);
- ``bad_check`` (10 %): a current code with the check digit changed;
- ``bad_date`` (5 %): a current code with an impossible birth date (Feb 30, month 13).

Three verdicts per number: wangge (`people.idnumber.check_id_number`: valid / doubtful =
valid with a GB/T 2260 doubt, ledger row to review / invalid), python-stdnum (`stdnum.cn.ric`:
the code must be in its table in the birth year) and id-validator (jxlwqq's own GB/T 2260
timeline, an independent implementation; non-strict: the code ever existed; strict: it was in
force in the birth year). Printed: the table of verdicts per kind and the agreement of wangge's
"valid" with each, with a few examples of every disagreement.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from typing import Final

from wangge.geo.divisions import FIRST_YEAR, all_divisions, division
from wangge.people.idnumber import check_digit, check_id_number

KINDS: Final = (
    ("current", 30),
    ("historic", 15),
    ("historic_later", 5),
    ("before_code", 5),
    ("random", 25),
    ("prefecture", 5),
    ("bad_check", 10),
    ("bad_date", 5),
)
TODAY: Final = date(2026, 1, 1)


def _number(code: str, born: date, rng: random.Random) -> str:
    first17 = f"{code}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + check_digit(first17)


def _born(rng: random.Random, first: int, last: int) -> date:
    year = rng.randint(max(first, 1930), min(last, 2024))
    return date(year, rng.randint(1, 12), rng.randint(1, 28))


def generate(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    table = all_divisions()
    counties = [d for d in table.values() if d.level == "county" and d.code[:2] not in "71 81 82"]
    current = [d for d in counties if d.current is not None]
    retired = [d for d in counties if d.current is None]
    late = [
        d
        for d in counties
        if min(n.first_year or FIRST_YEAR for n in d.names) > 1950 and d.current is not None
    ]
    provinces = sorted({c[:2] for c in table if c[:2] not in ("71", "81", "82")})
    upper = [d for d in table.values() if d.level == "prefecture"] + [
        d for d in counties if d.code.endswith("01")
    ]
    weights = [w for _, w in KINDS]
    out: list[tuple[str, str]] = []
    for _ in range(count):
        kind = rng.choices([k for k, _ in KINDS], weights)[0]
        if kind in ("current", "bad_check", "bad_date"):
            d = rng.choice(current)
            number = _number(d.code, _born(rng, 1930, 2024), rng)
            if kind == "bad_check":
                wrong = [c for c in "0123456789X" if c != number[17]]
                number = number[:17] + rng.choice(wrong)
            elif kind == "bad_date":
                day = rng.choice(("0230", "1301", "0431", "0000"))
                first17 = f"{number[:10]}{day}{number[14:17]}"
                number = first17 + check_digit(first17)
        elif kind == "historic":
            d = rng.choice(retired)
            last = max(n.last_year or 9999 for n in d.names)
            number = _number(d.code, _born(rng, 1930, last), rng)
        elif kind == "historic_later":
            d = rng.choice([d for d in retired if max(n.last_year or 0 for n in d.names) < 2023])
            last = max(n.last_year or 9999 for n in d.names)
            number = _number(d.code, _born(rng, last + 1, 2024), rng)
        elif kind == "before_code":
            d = rng.choice(late)
            first = min(n.first_year or FIRST_YEAR for n in d.names)
            number = _number(d.code, _born(rng, 1930, first - 1), rng)
        elif kind == "random":
            code = rng.choice(provinces) + f"{rng.randrange(10000):04d}"
            number = _number(code, _born(rng, 1930, 2024), rng)
        else:
            d = rng.choice(upper)
            number = _number(d.code, _born(rng, 1930, 2024), rng)
        out.append((kind, number))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--examples", type=int, default=3)
    args = parser.parse_args(argv)
    from functools import cache

    from id_validator import data, validator
    from stdnum.cn import ric

    # id-validator rebuilds its tables on every call (~30 ms a number); the same tables, once.
    data.get_address_code = cache(data.get_address_code)
    data.get_address_code_timeline = cache(data.get_address_code_timeline)
    data.get_additional_address_code_timeline = cache(data.get_additional_address_code_timeline)

    numbers = generate(args.count, args.seed)
    verdicts: dict[str, Counter[tuple[str, bool, bool, bool]]] = defaultdict(Counter)
    # The same table read with python-stdnum's rule (the code in force in the birth year itself),
    # over the numbers both find well formed: does our reading of the history agree with its?
    at_birth: Counter[tuple[bool, bool]] = Counter()
    # Why wangge's 'valid' and stdnum differ, by cause.
    causes: Counter[str] = Counter()
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    seconds: Counter[str] = Counter()
    for kind, number in numbers:
        t = time.perf_counter()
        check = check_id_number(number, today=TODAY)
        seconds["wangge"] += time.perf_counter() - t
        ours = "invalid" if not check.valid else ("doubtful" if check.doubt else "valid")
        t = time.perf_counter()
        try:
            theirs = ric.is_valid(number)
        except KeyError:  # stdnum's lookup of a code only its province is known for
            theirs = False
        seconds["stdnum"] += time.perf_counter() - t
        t = time.perf_counter()
        loose = bool(validator.is_valid(number))
        strict = bool(validator.is_valid(number, True))
        seconds["id-validator"] += time.perf_counter() - t
        verdicts[kind][(ours, theirs, loose, strict)] += 1
        if check.valid:
            entry, year = division(number[:6]), int(number[6:10])
            in_force = entry is not None and any(
                (n.first_year or 0) <= year <= (n.last_year or 9999) for n in entry.names
            )
            at_birth[(in_force, theirs)] += 1
            if (ours == "valid") != theirs:
                later = entry is not None and not in_force and entry.in_force(year, TODAY.year)
                causes["code in force only after the birth year" if later else "other"] += 1
            if in_force != theirs and len(examples[("birth-year rule", "stdnum")]) < args.examples:
                examples[("birth-year rule", "stdnum")].append(
                    f"{number} table={in_force} stdnum={theirs}"
                )
        for other, verdict in (("stdnum", theirs), ("id-validator", loose)):
            if (ours == "valid") != verdict:
                found = examples[(kind, other)]
                if len(found) < args.examples:
                    why = check.doubt or check.reason or ""
                    found.append(f"{number} wangge={ours} {other}={verdict} {why}")

    total = len(numbers)
    print(f"{total:,} numbers, seed {args.seed}; wangge verdict vs the others")
    print(f"{'kind':16}{'n':>8}{'valid':>8}{'doubt':>8}{'invalid':>9}"
          f"{'stdnum':>9}{'idv':>8}{'idv-str':>9}{'=stdnum':>9}{'=idv':>8}")  # fmt: skip
    agree = Counter[str]()
    for kind, _ in KINDS:
        rows = verdicts[kind]
        n = sum(rows.values())
        if not n:
            continue

        def count(pred: object, rows: Counter[tuple[str, bool, bool, bool]] = rows) -> int:
            return sum(v for k, v in rows.items() if pred(k))  # type: ignore[operator]

        same_std = count(lambda k: (k[0] == "valid") == k[1])
        same_idv = count(lambda k: (k[0] == "valid") == k[2])
        agree["stdnum"] += same_std
        agree["id-validator"] += same_idv
        print(
            f"{kind:16}{n:>8,}{count(lambda k: k[0] == 'valid'):>8,}"
            f"{count(lambda k: k[0] == 'doubtful'):>8,}{count(lambda k: k[0] == 'invalid'):>9,}"
            f"{count(lambda k: k[1]):>9,}{count(lambda k: k[2]):>8,}{count(lambda k: k[3]):>9,}"
            f"{same_std / n:>9.2%}{same_idv / n:>8.2%}"
        )
    print(
        f"agreement of wangge 'valid' with python-stdnum: {agree['stdnum'] / total:.2%}, "
        f"with id-validator (non-strict): {agree['id-validator'] / total:.2%}"
    )
    same = at_birth[(True, True)] + at_birth[(False, False)]
    print(
        f"the table read with stdnum's rule (code in force in the birth year) vs python-stdnum, "
        f"over {sum(at_birth.values()):,} well-formed numbers: {same / sum(at_birth.values()):.2%} "
        f"agree ({dict(at_birth)})"
    )
    print("wangge 'valid' vs python-stdnum, disagreements by cause:", dict(causes))
    print("seconds:", {k: round(v, 2) for k, v in seconds.items()})
    for (kind, other), found in sorted(examples.items()):
        print(f"-- {kind} vs {other}:")
        for line in found:
            print("   ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
