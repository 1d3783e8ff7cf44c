"""Pictures of the graph as SVG: outcomes per arm (a forest-style plot for a trial or for an endpoint
across trials), a pathway in signal order, and a drug's resistance mechanisms with what overcomes them.

Each picture comes with the table it was drawn from, so the numbers can be read as well as seen (the
server shows both; `tpbc-kg plot` writes the SVG). Values are drawn on one axis per unit: months and
percentages never share a scale. Data come from the canned questions, so a picture shows exactly what
`tpbc-kg query` answers.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from tpbc_kg.names import NameTable
from tpbc_kg.namespace import TPBC
from tpbc_kg.query import QueryResult, canned_query, execute, label_of
from tpbc_kg.store import QueryStore

KINDS = ("trial", "endpoint", "pathway", "resistance")
"""What `tpbc-kg plot KIND NAME` draws."""


@dataclass
class Picture:
    """An SVG and the rows it shows (as text, one list per row, under columns)."""

    title: str
    svg: str
    columns: list[str]
    rows: list[list[str]]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "svg.hashsalt": "tpbc-kg"})
    return plt


def _svg(figure) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    _pyplot().close(figure)
    return out.getvalue()


def _text(names: NameTable | Graph, node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, Literal):
        return str(node)
    return label_of(names, node)


def _number(node: Node | None) -> float | None:
    if isinstance(node, Literal):
        try:
            return float(node.toPython())
        except (TypeError, ValueError):
            return None
    return None


def _answer(store: QueryStore, query: str, **values: str) -> QueryResult:
    return execute(store, canned_query(query), values)


# ------------------------------------------------------------------------------------------------------
# Forest-style plots of outcomes
# ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    group: str  # the endpoint (for a trial) or the trial (for an endpoint)
    label: str  # the arm
    value: float
    unit: str
    reference: str


def _forest(title: str, points: list[Point], columns: list[str], rows: list[list[str]]) -> Picture:
    """One panel per unit; a row per (group, arm, reference) with its value as a dot and the value and
    reference written beside it."""
    plt = _pyplot()
    by_unit: dict[str, list[Point]] = defaultdict(list)
    for point in dict.fromkeys(points):  # one dot per arm, value and reference (settings repeat rows)
        by_unit[point.unit].append(point)
    if not by_unit:
        figure, axis = plt.subplots(figsize=(7, 1.2))
        axis.axis("off")
        axis.text(0.5, 0.5, "no numeric outcomes", ha="center", va="center")
        return Picture(title, _svg(figure), columns, rows)
    heights = [max(len(p), 1) * 0.32 + 0.9 for p in by_unit.values()]
    figure, axes = plt.subplots(
        len(by_unit), 1, figsize=(9, sum(heights)), gridspec_kw={"height_ratios": heights}, squeeze=False
    )
    for axis, (unit, unit_points) in zip(axes[:, 0], sorted(by_unit.items()), strict=True):
        ordered = sorted(unit_points, key=lambda p: (p.group.casefold(), p.label.casefold(), p.reference))
        ys = list(range(len(ordered)))[::-1]
        axis.scatter([p.value for p in ordered], ys, color="#1f5fa8", zorder=3)
        for y, p in zip(ys, ordered, strict=True):
            axis.hlines(y, 0, p.value, color="#9bb7d9", linewidth=1.5, zorder=2)
            axis.annotate(
                f"{p.value:g} {unit}  {p.reference}", (p.value, y), xytext=(6, -3), textcoords="offset points"
            )
        axis.set_yticks(ys, [f"{p.group} · {p.label}" for p in ordered])
        axis.set_xlabel(unit)
        axis.set_xlim(0, max(p.value for p in ordered) * 1.45 or 1)
        axis.grid(axis="x", color="#dddddd")
        axis.spines[["top", "right"]].set_visible(False)
    axes[0, 0].set_title(title, loc="left", fontsize=11)
    return Picture(title, _svg(figure), columns, rows)


def trial_outcomes(store: QueryStore, trial: str) -> Picture:
    """Every numeric outcome the trial reported, per endpoint and arm."""
    result = _answer(store, "trial-outcomes", trial=trial)
    names = store.names()
    points, rows = [], []
    title = "Outcomes per arm"
    for row in result.rows:
        record = dict(zip(result.vars, row, strict=True))
        title = f"{_text(names, record['trial'])}: outcomes per arm"
        endpoint = _text(names, record["endpoint"])
        if record["timepoint_years"] is not None:
            endpoint += f" at {_text(names, record['timepoint_years'])} y"
        if record["detail"] is not None:
            endpoint += f" ({_text(names, record['detail'])})"
        arm, unit = _text(names, record["arm"]) or "-", _text(names, record["unit"])
        reference = _text(names, record["reference"])
        rows.append([endpoint, arm, _text(names, record["value"]), unit, reference])
        value = _number(record["value"])
        if value is not None:
            points.append(Point(endpoint, arm, value, unit or "(no unit)", reference))
    return _forest(title, points, ["endpoint", "arm", "value", "unit", "reference"], rows)


def endpoint_across_trials(store: QueryStore, endpoint: str) -> Picture:
    """One endpoint across every trial that reported it, arm by arm."""
    result = _answer(store, "best-arms-by-endpoint", endpoint=endpoint)
    names = store.names()
    points, rows = [], []
    title = "Arms by endpoint"
    for row in result.rows:
        record = dict(zip(result.vars, row, strict=True))
        title = f"{_text(names, record['endpoint'])} across trials"
        trial, arm, unit = (_text(names, record[k]) for k in ("trial", "arm", "unit"))
        if record["detail"] is not None:
            arm += f" ({_text(names, record['detail'])})"
        if record["timepoint_years"] is not None:
            arm += f" at {_text(names, record['timepoint_years'])} y"
        reference = _text(names, record["reference"])
        rows.append(
            [trial, arm, _text(names, record["setting"]), _text(names, record["value"]), unit, reference]
        )
        value = _number(record["value"])
        if value is not None:
            points.append(Point(trial, arm, value, unit or "(no unit)", reference))
    return _forest(title, points, ["trial", "arm", "setting", "value", "unit", "reference"], rows)


# ------------------------------------------------------------------------------------------------------
# Pathway and resistance pictures
# ------------------------------------------------------------------------------------------------------

_EDGE_STYLE = {
    str(TPBC.activates): ("-|>", "#2e7d32", "solid"),
    str(TPBC.upregulates): ("-|>", "#2e7d32", "dashed"),
    str(TPBC.phosphorylates): ("-|>", "#2e7d32", "dotted"),
    str(TPBC.inhibits): ("-[", "#c62828", "solid"),
    str(TPBC.downregulates): ("-[", "#c62828", "dashed"),
}


def pathway(store: QueryStore, name: str) -> Picture:
    """The pathway's members top to bottom in signal order (members without a step to the right),
    activation (arrow) and inhibition (bar) edges between them, and the ER-HER2 crosstalk edges."""
    plt = _pyplot()
    names = store.names()
    result = _answer(store, "pathway-members", pathway=name)
    steps: dict[Node | None, float] = {}
    edges, rows = [], []
    title = name
    for row in result.rows:
        record = dict(zip(result.vars, row, strict=True))
        title = _text(names, record["pathway"])
        member = record["member"]
        steps.setdefault(member, _number(record["step"]) or 0)
        if record["relation"] is not None and record["partner"] is not None and record["partner"] != member:
            edges.append((member, str(record["relation"]), record["partner"]))
            steps.setdefault(record["partner"], _number(record["partner_step"]) or 0)
        rows.append(
            [_text(names, record[k]) for k in ("step", "member", "relation", "partner", "references")]
        )
    crosstalk = _answer(store, "er-her2-crosstalk")
    cross_rows = [dict(zip(crosstalk.vars, r, strict=True)) for r in crosstalk.rows]
    positions = _layout(steps)
    cross_nodes: set[Node | None] = set()
    cross_edges = []
    for record in cross_rows:
        cross_nodes |= {record["source"], record["target"]}
        cross_edges.append((record["source"], str(record["relation"]), record["target"]))
        rows.append(
            ["crosstalk", *(_text(names, record[k]) for k in ("source", "relation", "target", "reference"))]
        )
    depth = max((-p[1] for p in positions.values()), default=1) + 2
    figure, (axis, cross_axis) = plt.subplots(
        2, 1, figsize=(12, 0.8 * depth + 12), gridspec_kw={"height_ratios": [0.8 * depth, 12]}
    )
    _draw_graph(axis, positions, edges, names)
    axis.set_title(f"{title}: members in signal order", loc="left", fontsize=11)
    _draw_graph(
        cross_axis, _circle(sorted(cross_nodes, key=lambda n: _text(names, n).casefold())), cross_edges, names
    )
    cross_axis.set_title("ER–HER2 crosstalk", loc="left", fontsize=11)
    legend = [
        plt.Line2D([], [], color="#2e7d32", label="activates (dashed: up-regulates, dotted: phosphorylates)"),
        plt.Line2D([], [], color="#c62828", label="inhibits (bar head; dashed: down-regulates)"),
        plt.Line2D([], [], color="#888888", linestyle="dashdot", label="binds / regulates"),
    ]
    figure.legend(handles=legend, loc="lower center", ncol=3, frameon=False)
    return Picture(title, _svg(figure), ["step", "member", "relation", "partner", "references"], rows)


def _layout(steps: dict[Node | None, float]) -> dict[Node | None, tuple[float, float]]:
    """Stepped members in one column top-down by step; unstepped ones beside, in label order."""
    positions: dict[Node | None, tuple[float, float]] = {}
    stepped = sorted((n for n, s in steps.items() if s), key=lambda n: (steps[n], str(n)))
    for i, node in enumerate(stepped):
        positions[node] = (0.0, -float(i))
    others = sorted((n for n, s in steps.items() if not s), key=str)
    for i, node in enumerate(others):
        positions[node] = (1.0 + (i % 2) * 0.9, -float(i // 2) - 0.5)
    return positions


def _circle(nodes: list[Node | None]) -> dict[Node | None, tuple[float, float]]:
    """Nodes on an ellipse in label order: a network without a signal order (the crosstalk)."""
    import math

    count = max(len(nodes), 1)
    return {
        node: (3.0 * math.cos(2 * math.pi * i / count), 2.6 * math.sin(2 * math.pi * i / count))
        for i, node in enumerate(nodes)
    }


def _draw_graph(axis, positions, edges, names: NameTable | Graph) -> None:
    for source, relation, target in edges:
        if source not in positions or target not in positions:
            continue
        head, color, style = _EDGE_STYLE.get(relation, ("-", "#888888", "dashdot"))
        axis.annotate(
            "",
            xy=positions[target],
            xytext=positions[source],
            arrowprops={
                "arrowstyle": head,
                "color": color,
                "linestyle": style,
                "shrinkA": 14,
                "shrinkB": 14,
                "connectionstyle": "arc3,rad=0.25",
            },
        )
    for node, (x, y) in positions.items():
        axis.text(
            x,
            y,
            _text(names, node),
            ha="center",
            va="center",
            bbox={"boxstyle": "round,pad=0.35", "facecolor": "#eef3fa", "edgecolor": "#1f5fa8"},
        )
    xs = [p[0] for p in positions.values()] or [0]
    ys = [p[1] for p in positions.values()] or [0]
    axis.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    axis.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    axis.axis("off")


def resistance(store: QueryStore, drug: str) -> Picture:
    """Mechanism → what it resists → what overcomes it, for one drug."""
    plt = _pyplot()
    names = store.names()
    mechanisms = _answer(store, "resistance-mechanisms-for-drug", drug=drug)
    rows: list[list[str]] = []
    chains = []
    title = drug
    bypass_query = canned_query("drugs-bypassing-resistance")
    variables, answer = store.select(bypass_query.text)  # every mechanism at once: as fast as one
    at = [variables.index(name) for name in ("mechanism", "drug", "status")]
    bypassing = [(row[at[0]], row[at[1]], row[at[2]]) for row in answer]
    for mechanism, via, drug_node in zip(
        mechanisms.column("mechanism"), mechanisms.column("via"), mechanisms.column("drug"), strict=True
    ):
        title = _text(names, drug_node)
        overcome = sorted(
            {(_text(names, d), str(s)) for m, d, s in bypassing if m == mechanism and d is not None}
        )
        chains.append((_text(names, mechanism), _text(names, via), overcome))
        rows.append(
            [_text(names, mechanism), _text(names, via), "; ".join(f"{n} ({s})" for n, s in overcome) or "-"]
        )
    height = max(3, 0.55 * sum(max(len(c[2]), 1) for c in chains) + 1)
    figure, axis = plt.subplots(figsize=(12, height))
    y = 0.0
    box = {"boxstyle": "round,pad=0.3", "edgecolor": "#555555"}
    for mechanism_text, via_text, overcome in chains:
        span = max(len(overcome), 1)
        middle = y - (span - 1) / 2
        axis.text(0.5, middle, mechanism_text, ha="right", va="center", bbox={**box, "facecolor": "#fdecea"})
        axis.text(1, middle, via_text, ha="center", va="center", bbox={**box, "facecolor": "#eeeeee"})
        axis.annotate(
            "", xy=(0.8, middle), xytext=(0.55, middle), arrowprops={"arrowstyle": "-|>", "color": "#c62828"}
        )
        for i, (name, status) in enumerate(overcome or [("nothing in the graph", "")]):
            target_y = y - i
            style = "solid" if status == "stated" else "dashed"
            axis.text(
                2.2,
                target_y,
                f"{name}" + (f" ({status})" if status else ""),
                ha="left",
                va="center",
                bbox={**box, "facecolor": "#e8f5e9" if status else "#ffffff"},
            )
            axis.annotate(
                "",
                xy=(2.15, target_y),
                xytext=(1.25, middle),
                arrowprops={"arrowstyle": "-|>", "color": "#2e7d32", "linestyle": style},
            )
        y -= span + 0.6
    for x, heading, align in (
        (0.5, "mechanism", "right"),
        (1, "resists", "center"),
        (2.2, "overcome by", "left"),
    ):
        axis.text(x, 1, heading, ha=align, va="bottom", fontweight="bold")
    axis.set_xlim(-1.2, 3.4)
    axis.set_ylim(y, 1.6)
    axis.axis("off")
    axis.set_title(f"{title}: resistance and what overcomes it", loc="left", fontsize=11)
    return Picture(title, _svg(figure), ["mechanism", "resists", "overcome by"], rows)


def draw(store: QueryStore, kind: str, name: str) -> Picture:
    """The picture of kind (one of KINDS) for the entity called name."""
    if kind == "trial":
        return trial_outcomes(store, name)
    if kind == "endpoint":
        return endpoint_across_trials(store, name)
    if kind == "pathway":
        return pathway(store, name)
    if kind == "resistance":
        return resistance(store, name)
    raise ValueError(f"unknown picture {kind!r}; draw one of {', '.join(KINDS)}")


__all__ = ["KINDS", "Picture", "URIRef", "draw"]
