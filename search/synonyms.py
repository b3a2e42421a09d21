"""Chinese–English equipment words, both ways: the one synonym table both engines use.

Each group is a set of words that mean the same to a buyer; every word of a group is a synonym of every
other. The catalog adds its own pairs (a category's name ↔ its aliases, app/indexing/service.py); these
are the everyday words around them — what people type, in either language, for the programme's main
equipment (seed/data/equipment_categories.json). English is lower case, multi-word phrases are matched
as a whole (all their words), and a short abbreviation is matched as a whole word, never as a prefix.

The Meilisearch engine sends the table as each index's `synonyms` setting (search/meili.py); the
PostgreSQL engine expands each query word with it (search/text.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

EQUIPMENT_SYNONYMS: Final[tuple[tuple[str, ...], ...]] = (
    # Machine tools and machining
    ("机床", "machine tool", "cnc"),
    ("数控", "cnc"),
    ("数控机床", "cnc machine tool", "cnc machine"),
    ("加工中心", "machining center", "machining centre"),
    ("车床", "lathe"),
    ("数控车床", "cnc lathe"),
    ("铣床", "milling machine"),
    ("磨床", "grinding machine", "grinder"),
    ("冲床", "punch press"),
    ("注塑机", "injection molding machine", "injection moulding machine"),
    # Laser, cutting, welding
    ("激光", "laser"),
    ("激光器", "laser"),
    ("切割", "cutting"),
    ("切割机", "cutting machine", "cutter"),
    ("焊接", "welding"),
    ("焊机", "焊接机", "welder", "welding machine"),
    # Robots and automation
    ("机器人", "robot"),
    ("工业机器人", "industrial robot"),
    ("机械臂", "robot arm", "robotic arm"),
    ("自动化", "automation"),
    ("生产线", "产线", "production line"),
    ("装配线", "assembly line"),
    ("输送线", "输送机", "conveyor"),
    ("叉车", "forklift"),
    ("起重机", "crane"),
    ("立体仓库", "automated warehouse"),
    # Drives, motors, power
    ("变频器", "vfd", "inverter", "frequency converter", "variable frequency drive"),
    ("逆变器", "inverter"),
    ("电机", "电动机", "motor", "electric motor"),
    ("变压器", "transformer"),
    ("发电机", "generator"),
    ("控制器", "controller"),
    ("可编程控制器", "plc"),
    ("传感器", "sensor"),
    ("仪表", "instrument"),
    ("智能电表", "smart meter"),
    ("阀门", "valve"),
    # Energy
    ("光伏", "pv", "photovoltaic", "solar"),
    ("光伏组件", "pv module", "solar panel"),
    ("储能", "energy storage", "ess"),
    ("电池", "battery"),
    ("锂电池", "lithium battery"),
    ("燃料电池", "fuel cell"),
    ("氢能", "hydrogen"),
    ("电解槽", "electrolyzer", "electrolyser"),
    ("风电", "wind power"),
    ("充电桩", "ev charger", "charging pile"),
    ("锅炉", "boiler"),
    ("余热锅炉", "waste heat boiler"),
    ("余热", "waste heat"),
    ("热泵", "heat pump"),
    ("换热器", "heat exchanger"),
    ("冷却塔", "cooling tower"),
    ("空压机", "空气压缩机", "air compressor"),
    ("压缩机", "compressor"),
    ("水泵", "water pump"),
    ("泵", "pump"),
    ("节能", "energy saving"),
    # Kilns, furnaces, process plant
    ("窑炉", "kiln"),
    ("电炉", "electric furnace"),
    ("反应釜", "reactor"),
    ("储罐", "storage tank"),
    # Environment
    ("环保", "environmental protection"),
    ("除尘", "dust removal"),
    ("除尘器", "dust collector"),
    ("脱硫", "desulfurization"),
    ("脱硝", "denitration", "denitrification"),
    ("污水处理", "wastewater treatment"),
    # Packaging, printing, textiles
    ("包装机", "packaging machine"),
    ("灌装机", "filling machine"),
    ("印刷机", "printing press"),
    ("织机", "loom"),
    # Digital
    ("工业软件", "industrial software"),
    ("软件", "software"),
    ("服务器", "server"),
    ("机器视觉", "machine vision"),
    ("数字孪生", "digital twin"),
    ("工业互联网", "industrial internet"),
)


def synonym_map(groups: Iterable[Iterable[str]] = EQUIPMENT_SYNONYMS) -> dict[str, list[str]]:
    """word → its synonyms (every other word of every group it is in), in table order."""
    found: dict[str, list[str]] = {}
    for group in groups:
        words = list(dict.fromkeys(group))
        for word in words:
            alternatives = found.setdefault(word, [])
            alternatives.extend(w for w in words if w != word and w not in alternatives)
    return found


def with_equipment_synonyms(synonyms: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """`synonyms` (the catalog's) and this table in one map; a word in both keeps every alternative, and
    keys that differ only in case (CNC, cnc) are one key, spelt as first seen."""
    merged: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for source in (synonyms, synonym_map()):
        for word, alternatives in source.items():
            key = spelling.setdefault(word.casefold(), word)
            target = merged.setdefault(key, [])
            target.extend(a for a in alternatives if a not in target and a.casefold() != word.casefold())
    return merged
