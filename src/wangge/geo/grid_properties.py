"""The properties of a grid file as GIS tools and contractors write them, in this format's words.

A street office's grid file comes out of QGIS, ArcGIS or a surveying contractor's tool with the
attribute table it was drawn with: 网格编码 and 网格名称 instead of ``code`` and ``name``, codes
as numbers, levels in Chinese (社区, 网格) or not at all. Before `gridfile` checks a file, each
feature's properties are read into the format's own keys, so such a file loads instead of being
refused feature by feature; nothing is guessed where the file says otherwise. Pure Python.
"""

from __future__ import annotations

from typing import Any

# Other names for each property, compared without case; the format's own name always wins.
ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("编码", "区域编码", "网格编码", "代码", "gridcode", "grid_code", "region_code"),
    "name": ("名称", "区域名称", "网格名称", "gridname", "grid_name"),
    "level": ("层级", "级别", "类型"),
    "parent_code": ("上级编码", "父级编码", "上级代码", "parent", "parentcode", "pcode"),
}
LEVEL_WORDS: dict[str, str] = {
    "区": "district", "县": "district", "区县": "district", "旗": "district",
    "街道": "street", "乡镇": "street", "镇": "street", "乡": "street", "街乡": "street",
    "社区": "community", "村": "community", "社区（村）": "community", "居委会": "community",
    "网格": "grid",
}  # fmt: skip
# The code lengths the format recommends: a level left out is read from them.
LEVEL_BY_LENGTH: dict[int, str] = {6: "district", 9: "street", 12: "community", 15: "grid"}


def _value(props: dict[str, Any], lowered: dict[str, Any], key: str) -> tuple[bool, Any]:
    """(whether the feature names this property at all, its value); `lowered` is `props` keyed
    by stripped, lower-case names."""
    if key in props:
        return True, props[key]
    for name in (key, *ALIASES[key]):
        if name.lower() in lowered:
            return True, lowered[name.lower()]
    return False, None


def _code(value: Any) -> Any:
    """A whole number written as a JSON number is the digits it shows (codes never start
    with 0: GB/T 2260 begins at 11)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, float) and value.is_integer() and 0 < value < 2**53:
        return str(int(value))
    return value


def normalise_features(features: list[Any]) -> list[Any]:
    """The features with their properties under the format's own keys.

    A feature that names no parent at all (no ``parent_code`` under any name; an explicit null
    still makes a top region) hangs under the feature of the same file whose code is its own
    without the last three digits, as the recommended code lengths nest.
    """
    out: list[Any] = []
    unnamed_parent: list[dict[str, Any]] = []
    for raw in features:
        if not isinstance(raw, dict) or not isinstance(raw.get("properties"), dict):
            out.append(raw)
            continue
        props = raw["properties"]
        read: dict[str, Any] = {}
        named: dict[str, bool] = {}
        lowered = {str(k).strip().lower(): v for k, v in props.items()}
        for key in ALIASES:
            named[key], read[key] = _value(props, lowered, key)
        read["code"], read["parent_code"] = _code(read["code"]), _code(read["parent_code"])
        level = read["level"]
        if isinstance(level, str) and level.strip() in LEVEL_WORDS:
            read["level"] = LEVEL_WORDS[level.strip()]
        elif level in (None, "") and isinstance(read["code"], str):
            read["level"] = LEVEL_BY_LENGTH.get(len(read["code"]), level)
        new_props = dict(props)
        for key, value in read.items():
            if named[key] or (key == "level" and value not in (None, "")):
                new_props[key] = value
        feature = {**raw, "properties": new_props}
        if not named["parent_code"]:
            unnamed_parent.append(new_props)
        out.append(feature)
    codes = {
        code
        for f in out
        if isinstance(f, dict)
        and isinstance(f.get("properties"), dict)
        and isinstance(code := f["properties"].get("code"), str)
    }
    for props in unnamed_parent:
        code = props.get("code")
        if isinstance(code, str) and len(code) in (9, 12, 15) and code[:-3] in codes:
            props["parent_code"] = code[:-3]
    return out
