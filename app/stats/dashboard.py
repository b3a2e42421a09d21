"""The operators' dashboard: the overview drawn as one self-contained HTML page of inline SVG charts.

No script and nothing fetched: the page is drawn on the server, so it renders the same in any browser
or web view, under a Content-Security-Policy that allows no script at all."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from app.stats.schemas import Group, Month, Overview, PlanTargetProgress

POSTED = "#2f6fb0"
CONTRACTED = "#e07b24"
TARGET = "#2e9e5b"
MUTED = "#8a94a6"
# Months shown in the trend: two years is what fits a phone's width legibly.
TREND_MONTHS = 24

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


def cny(amount: float) -> str:
    """Yuan as people read it: 亿元 from 100 million, 万元 from 10,000."""
    if abs(amount) >= 1e8:
        return f"{amount / 1e8:,.2f} 亿元"
    if abs(amount) >= 1e4:
        return f"{amount / 1e4:,.1f} 万元"
    return f"{amount:,.0f} 元"


def _card(label: str, value: str, sub: str = "") -> str:
    return (
        f'<div class="card"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div><div class="sub">{escape(sub)}</div></div>'
    )


def _bars(groups: Sequence[Group], *, chart_id: str, title: str) -> str:
    """Horizontal bars: posted (budget ceilings) with contracted over it, one row a group."""
    row, label_w, bar_w = 24, 150, 420
    top = max([g.posted_cny for g in groups] + [g.contracted_cny for g in groups] + [1])
    height = row * len(groups) + 8
    parts = [
        f'<svg id="{chart_id}" role="img" aria-label="{escape(title)}" viewBox="0 0 {label_w + bar_w + 160} '
        f'{height}" width="100%">'
    ]
    for i, g in enumerate(groups):
        y = i * row + 4
        posted = bar_w * g.posted_cny / top
        contracted = bar_w * g.contracted_cny / top
        parts.append(
            f'<g class="bar-row" data-code="{escape(g.code)}" data-demands="{g.demands}">'
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(g.name)}</text>'
            f'<rect class="posted" x="{label_w}" y="{y}" width="{posted:.1f}" height="18" fill="{POSTED}">'
            f"<title>{escape(g.name)} 发布 {escape(cny(g.posted_cny))}，{g.demands} 项</title></rect>"
            f'<rect class="contracted" x="{label_w}" y="{y + 5}" width="{contracted:.1f}" height="8" '
            f'fill="{CONTRACTED}"><title>{escape(g.name)} 签约 {escape(cny(g.contracted_cny))}</title></rect>'
            f'<text x="{label_w + max(posted, contracted) + 6:.1f}" y="{y + 14}" class="num">'
            f"{g.demands} 项 · {escape(cny(g.posted_cny))}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _trend(months: Sequence[Month]) -> str:
    """Posted and contracted yuan a month, side by side."""
    shown = list(months)[-TREND_MONTHS:]
    if not shown:
        return '<p class="empty">这段时间还没有发布的需求。</p>'
    width, height, left, bottom = 720, 240, 60, 40
    slot = (width - left) / len(shown)
    top = max([m.posted_cny for m in shown] + [m.contracted_cny for m in shown] + [1])
    plot = height - bottom - 24
    parts = [
        f'<svg id="chart-trend" role="img" aria-label="按月趋势" viewBox="0 0 {width} {height}" '
        'width="100%">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="{MUTED}"/>',
        f'<text x="0" y="12" class="num">最高 {escape(cny(top))}</text>',
    ]
    bar = min(max(slot * 0.35, 1.0), 28.0)
    every = max(1, len(shown) // 12)
    for i, m in enumerate(shown):
        x = left + i * slot + (slot - 2 * bar) / 2
        h_posted = plot * m.posted_cny / top
        h_contracted = plot * m.contracted_cny / top
        parts.append(
            f'<g class="month" data-month="{m.month}">'
            f'<rect class="posted" x="{x:.1f}" y="{height - bottom - h_posted:.1f}" width="{bar:.1f}" '
            f'height="{h_posted:.1f}" fill="{POSTED}"><title>{m.month} 发布 {m.posted} 项，'
            f"{escape(cny(m.posted_cny))}</title></rect>"
            f'<rect class="contracted" x="{x + bar:.1f}" y="{height - bottom - h_contracted:.1f}" '
            f'width="{bar:.1f}" height="{h_contracted:.1f}" fill="{CONTRACTED}"><title>{m.month} 签约 '
            f"{m.contracted} 项，{escape(cny(m.contracted_cny))}</title></rect>"
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar:.1f}" y="{height - bottom + 16}" text-anchor="middle" class="axis">'
                f"{m.month}</text>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _target(target: PlanTargetProgress) -> str:
    if target.unit == "CNY":
        goal = cny(target.target)
        now = None if target.current is None else cny(target.current)
    else:
        goal = f"{target.target:.0%}"
        now = None if target.current is None else f"{target.current:.1%}"
    share = min(max(target.progress or 0.0, 0.0), 1.0)
    comparison = "超过" if target.comparison == ">" else "达到"
    if now is None:
        status = "暂无相关需求" if target.measured else "平台不采集"
        bar = '<div class="track muted"><div class="fill" style="width:0"></div></div>'
    else:
        status = f"{now}（目标的 {(target.progress or 0):.4%}）" if target.unit == "CNY" else f"{now}"
        bar = (
            f'<div class="track"><div class="fill" style="width:{share * 100:.2f}%;'
            f'min-width:{4 if share > 0 else 0}px;background:{TARGET}"></div></div>'
        )
    return (
        f'<div class="target" data-code="{escape(target.code)}">'
        f'<div class="target-head"><strong>{escape(target.name)}</strong>'
        f"<span>{target.deadline.year} 年{comparison} {escape(goal)}"
        f"{'，' + escape(target.baseline) if target.baseline else ''}</span></div>{bar}"
        f'<div class="sub">当前：{escape(status)}。{escape(target.measure_note)}</div></div>'
    )


STYLE = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f5f7fa;
color:#1f2a37}
header{background:#1f4e8c;color:#fff;padding:16px 24px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;opacity:.85;font-size:13px}
main{padding:16px 24px;max-width:1100px}
section{background:#fff;border-radius:8px;padding:12px 16px;margin:0 0 16px;box-shadow:0 1px 2px #0001}
h2{font-size:16px;margin:4px 0 10px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:16px}
.card{background:#fff;border-radius:8px;padding:12px;box-shadow:0 1px 2px #0001}
.card .label{font-size:12px;color:#5b6675}.card .value{font-size:22px;font-weight:600;margin:4px 0}
.card .sub,.sub{font-size:12px;color:#5b6675}
svg text{font-size:12px;fill:#1f2a37}svg .num{fill:#5b6675;font-size:11px}
svg .axis{font-size:10px;fill:#5b6675}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.target{margin:10px 0 14px}.target-head{display:flex;justify-content:space-between;gap:8px;font-size:14px}
.track{height:12px;background:#e5e9f0;border-radius:6px;margin:6px 0;overflow:hidden}
.track.muted{background:repeating-linear-gradient(45deg,#eef1f5,#eef1f5 6px,#e2e6ec 6px,#e2e6ec 12px)}
.fill{height:100%;border-radius:6px}.empty{color:#5b6675}
"""


def render(overview: Overview) -> str:
    """The whole page."""
    o = overview
    period = "全部时间"
    if o.period.from_ or o.period.to:
        period = f"{o.period.from_ or '…'} 至 {o.period.to or '今天'}"
    region = next((g.name for g in o.by_region if g.code == o.region_code), None) if o.region_code else None
    scope = f"{region or '全省'} · {period}"
    rate = f"{o.demands.contracted / o.demands.total:.0%}" if o.demands.total else "–"
    legend = (
        f'<div class="legend"><span><i style="background:{POSTED}"></i>发布（预算上限）</span>'
        f'<span><i style="background:{CONTRACTED}"></i>签约（接受报价）</span></div>'
    )
    cards = "".join(
        [
            _card("发布需求", f"{o.demands.total} 项", cny(o.investment_cny.posted)),
            _card("已对接", f"{o.demands.matched} 项", cny(o.investment_cny.matched)),
            _card(
                "已签约", f"{o.demands.contracted} 项", f"{cny(o.investment_cny.contracted)} · 签约率 {rate}"
            ),
            _card("已获融资", f"{o.demands.financed} 项", cny(o.investment_cny.financed)),
        ]
    )
    targets = "".join(_target(t) for t in o.targets.values())
    sections = "".join(
        [
            _section(
                "targets", "2027 年目标进度", targets + f'<div class="sub">{escape(o.targets_source)}</div>'
            ),
            _section(
                "by-region", "按市州", legend + _bars(o.by_region, chart_id="chart-region", title="按市州")
            ),
            _section("trend", "按月趋势", legend + _trend(o.by_month)),
            _section(
                "by-task", "按重点任务", _bars(o.by_task_type, chart_id="chart-task", title="按重点任务")
            ),
            _section(
                "by-sector", "按六大优势产业", _bars(o.by_sector, chart_id="chart-sector", title="按产业")
            ),
        ]
    )
    basis = "统计口径：期间内首次发布的需求及其后续对接、签约、融资"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>设备更新供需对接 · 运行看板</title><style>{STYLE}</style></head>
<body><header><h1>四川省工业领域设备更新 · 供需对接运行看板</h1>
<p>{escape(scope)} · {basis} · 生成于 {o.generated_at:%Y-%m-%d %H:%M} UTC</p></header>
<main><div class="cards" id="summary">{cards}</div>{sections}</main></body></html>
"""


def _section(section_id: str, title: str, body: str) -> str:
    return f'<section id="{section_id}"><h2>{escape(title)}</h2>{body}</section>'
