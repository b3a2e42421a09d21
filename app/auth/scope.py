"""Where a 服务专员 (an operator: a member of a `gov` organization with a level and a region) may act.

GB/T 2260 codes are hierarchical by digit pairs: 51xxxx is Sichuan, 5106xx is 德阳市 and its 区县
(510600 the 市州 itself), 510603 is 旌阳区. So a province operator covers every code starting 51, a 市州
operator every code sharing its first four digits, a 区县 operator its own code. Sichuan has no 县级
division directly under the province (seed/data/regions.json: each 区县's first four digits are its
市州's), so the prefix and the region tree agree.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE_CODE = "510000"


def level_of(code: str) -> str:
    """The level a region code names, by its digits."""
    if code.endswith("0000"):
        return "province"
    return "city" if code.endswith("00") else "county"


def prefix(region_code: str) -> str:
    """What every code inside `region_code` starts with."""
    level = level_of(region_code)
    return region_code[:2] if level == "province" else region_code[:4] if level == "city" else region_code


def ancestors(code: str) -> list[str]:
    """The region and the regions above it, nearest first (510603 → 510603, 510600, 510000)."""
    level = level_of(code)
    if level == "province":
        return [code]
    province = code[:2] + "0000"
    return [code, province] if level == "city" else [code, code[:4] + "00", province]


def covers(scope_code: str, code: str | None) -> bool:
    """Whether region `code` lies inside `scope_code` (itself included)."""
    return code is not None and code.startswith(prefix(scope_code))


@dataclass(frozen=True)
class Scope:
    """Where the caller may act as an operator: admins and province operators everywhere."""

    region_code: str
    level: str

    def covers(self, code: str | None) -> bool:
        return covers(self.region_code, code)

    @property
    def prefix(self) -> str:
        return prefix(self.region_code)


EVERYWHERE = Scope(region_code=PROVINCE_CODE, level="province")
