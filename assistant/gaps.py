"""`assistant report gaps`: which questions the knowledge folder fails, grouped by topic.

A gap is a question answered "not found", escalated by an agent, or given a thumbs down. Grouped
by meaning (MiniLM embeddings; a question joins the first group whose centroid it is close to),
each group lists its count, example questions and the documents that came closest — so whoever
maintains the folder knows which article to write next. The HTML form adds answers per route per
day from the routing log, drawn as inline SVG: a report must open offline and run no script.
"""

from __future__ import annotations

import html
import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

SAME_TOPIC = 0.55  # MiniLM cosine to a group's centroid; paraphrases score 0.7–0.9, neighbours 0.3–0.5
ROUTE_COLOURS = {"retrieval": "#2f7ed8", "finetuned+retrieval": "#8e44ad", "finetuned": "#e67e22",
                 "not_found": "#c0392b", "base": "#7f8c8d"}  # fmt: skip


@dataclass(frozen=True)
class GapQuestion:
    question: str
    why: str  # "not found" | "escalated" | "thumbs down"
    when: str


@dataclass
class Gap:
    topic: str  # the group's most central question
    count: int
    why: dict[str, int]
    examples: list[str]
    closest: list[str] = field(default_factory=list)  # files that came nearest, best first


def gap_questions(chat_db: Path | str, escalations) -> list[GapQuestion]:
    from assistant.chat_history import stored_turns

    turns = list(stored_turns(chat_db))  # one read of the chat store
    found = [GapQuestion(t.question, "not found", t.created) for t in turns if t.route == "not_found"]
    found += [GapQuestion(t.question, "thumbs down", t.created) for t in turns if t.feedback == 0]
    found += [GapQuestion(e.question, "escalated", e.created) for e in escalations.list(None)]
    return [g for g in found if g.question.strip()]


def group(vectors: np.ndarray, threshold: float = SAME_TOPIC) -> list[list[int]]:
    """Single pass, in order: deterministic, and linear in the number of questions."""
    groups: list[list[int]] = []
    sums: list[np.ndarray] = []
    for i, v in enumerate(vectors):
        if sums:
            centroids = np.stack([s / np.linalg.norm(s) for s in sums])
            best = int(np.argmax(centroids @ v))
            if float(centroids[best] @ v) >= threshold:
                groups[best].append(i)
                sums[best] = sums[best] + v
                continue
        groups.append([i])
        sums.append(v.astype(np.float64))
    return sorted(groups, key=len, reverse=True)


def gaps(questions: list[GapQuestion], embeddings, search=None, top: int = 20) -> list[Gap]:
    """`search(text)` → the files nearest a topic (the product's hybrid search), or None to skip."""
    if not questions:
        return []
    vectors = embeddings.embed_array([q.question for q in questions])
    out = []
    for members in group(vectors)[:top]:
        centroid = vectors[members].mean(axis=0)
        central = members[int(np.argmax(vectors[members] @ centroid))]
        examples = list(dict.fromkeys(questions[i].question.strip() for i in members))
        topic = questions[central].question.strip()
        closest = search(topic) if search else []
        out.append(Gap(topic, len(members), dict(Counter(questions[i].why for i in members)), examples[:5], closest))
    return out


def routes_per_day(routing_log: Path) -> dict[str, dict[str, int]]:
    """{day: {route: answers}} from `logs/routing.jsonl` (every surface: chat, API, CLI)."""
    days: dict[str, Counter] = defaultdict(Counter)
    if not routing_log.exists():
        return {}
    for line in routing_log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
            day = datetime.fromtimestamp(float(record["time"]), UTC).strftime("%Y-%m-%d")
            days[day][str(record["route"])] += 1
        except (ValueError, KeyError, TypeError):
            continue  # a torn last line from a crash must not hide the rest
    return {day: dict(days[day]) for day in sorted(days)}


def report(services) -> dict:
    from assistant.chat_history import history_of
    from assistant.escalations import EscalationStore

    settings = services.settings
    questions = gap_questions(history_of(settings), EscalationStore(settings.data_dir / "desk.db"))

    def nearest_files(text: str) -> list[str]:
        return list(dict.fromkeys(h.chunk.source for h in services.searcher.search(text, 5).hits))[:3]

    return {
        "questions": len(questions),
        "gaps": [asdict(g) for g in gaps(questions, services.searcher.embeddings, nearest_files)],
        "routes_per_day": routes_per_day(settings.log_dir / "routing.jsonl"),
    }


def to_html(data: dict) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{g['count']}</td><td>{e(g['topic'])}</td><td>{e(', '.join(f'{k} {v}' for k, v in g['why'].items()))}</td>"
        f"<td><ul>{''.join(f'<li>{e(q)}</li>' for q in g['examples'])}</ul></td><td>{e(', '.join(g['closest']) or '—')}</td></tr>"
        for g in data["gaps"]
    )  # fmt: skip
    table = (f"<table><tr><th>questions</th><th>topic</th><th>why</th><th>examples</th><th>closest documents</th></tr>"
             f"{rows}</table>") if rows else "<p>No gaps: nothing was answered “not found”, escalated or thumbed down.</p>"  # fmt: skip
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Crossroads — knowledge gaps</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{{font:15px system-ui,sans-serif;margin:2em;max-width:70em}}table{{border-collapse:collapse;width:100%}}
td,th{{border-bottom:1px solid #ddd;padding:.4em;text-align:left;vertical-align:top}}ul{{margin:0;padding-left:1.2em}}
.legend span{{display:inline-block;margin-right:1em}}.legend i{{display:inline-block;width:.8em;height:.8em;margin-right:.3em}}</style>
</head><body><h1>Knowledge gaps</h1>
<p>{data['questions']} questions answered “not found”, escalated or thumbed down, grouped by topic (largest first).</p>
{table}<h2>Answers per route per day</h2>{_chart(data['routes_per_day'])}</body></html>
"""


def _chart(days: dict[str, dict[str, int]]) -> str:
    if not days:
        return "<p>No routing log yet.</p>"
    width, height, pad = 640, 220, 30
    most = max(sum(d.values()) for d in days.values())
    bar = (width - pad) / len(days)
    parts = []
    for i, (day, routes) in enumerate(days.items()):
        y = height - pad
        for route, n in sorted(routes.items()):
            h = (height - 2 * pad) * n / most
            y -= h
            colour = ROUTE_COLOURS.get(route, "#999")
            parts.append(f'<rect x="{pad + i * bar + 2:.1f}" y="{y:.1f}" width="{max(bar - 4, 1):.1f}" height="{h:.1f}" '
                         f'fill="{colour}"><title>{html.escape(day)}: {html.escape(route)} {n}</title></rect>')  # fmt: skip
        if len(days) <= 14 or i % max(1, len(days) // 10) == 0:
            parts.append(f'<text x="{pad + i * bar + bar / 2:.1f}" y="{height - 10}" font-size="10" '
                         f'text-anchor="middle">{html.escape(day[5:])}</text>')  # fmt: skip
    parts.append(f'<text x="2" y="{pad - 8}" font-size="10">{most}</text>')
    legend = "".join(f'<span><i style="background:{c}"></i>{html.escape(r)}</span>' for r, c in ROUTE_COLOURS.items())
    return (f'<svg width="{width}" height="{height}" role="img" aria-label="answers per route per day">{"".join(parts)}</svg>'
            f'<p class="legend">{legend}</p>')  # fmt: skip
