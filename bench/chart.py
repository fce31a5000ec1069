#!/usr/bin/env python3
"""The SVG chart of one bench/run: wall time per tool per image (bars, each image on its own scale, the
machine's floor as a dashed line) and, when the run had --scaling, jpull's and skopeo+umoci's wall time
against entries and against bytes, with jpull's live heap.

    bench/chart.py bench/work/results-DATE.json OUT.svg      (bench/run writes it itself; this redraws)

Only the run's own figures (its JSON's "summary"); plain SVG, no dependencies.
"""
import html
import json
import sys

COLORS = {"jpull": "#1f77b4", "jpull (jp)": "#6baed6", "skopeo+umoci": "#ff7f0e", "podman": "#2ca02c",
          "containerd": "#9467bd"}
OTHER = "#7f7f7f"
W = 900


def esc(s):
    return html.escape(str(s), quote=True)


def text(x, y, s, size=12, anchor="start", weight="normal", fill="#222"):
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{fill}">{esc(s)}</text>')


def bars(summary, y):
    out = [text(20, y, "Wall time per image (median; each image on its own scale; dashed: the machine's floor)",
                14, weight="bold")]
    y += 14
    left, right = 170, W - 90
    for image, d in summary["images"].items():
        walls = d["walls"]
        if not walls:
            continue
        top = max(list(walls.values()) + [d["floor"] or 0])
        y += 22
        out.append(text(20, y, image, 13, weight="bold"))
        y0 = y + 6
        for name, wall in walls.items():
            y += 18
            w = (right - left) * wall / top if top else 0
            out.append(text(left - 8, y + 10, name, 11, "end"))
            out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="13" fill="{COLORS.get(name, OTHER)}"/>')
            out.append(text(left + w + 5, y + 10, f"{wall:.2f} s", 11))
        if d["floor"]:
            x = left + (right - left) * d["floor"] / top
            out.append(f'<line x1="{x:.1f}" y1="{y0:.1f}" x2="{x:.1f}" y2="{y + 16:.1f}" stroke="#d62728" '
                       f'stroke-dasharray="4,3"/>')
            out.append(text(x, y0 + 2, f"floor {d['floor']:.2f} s", 10, "middle", fill="#d62728"))
        y += 8
    return out, y + 10


def curve(points, x, y, w, h, title, xlabel):
    """points: [(x value, label, {tool: wall}, heap MiB or None)] drawn on linear axes."""
    out = [text(x, y - 8, title, 13, weight="bold")]
    if not points:
        return out
    xs = [p[0] for p in points]
    ymax = max([v for p in points for v in p[2].values()] + [0.001]) * 1.1
    hmax = max([p[3] for p in points if p[3]] + [0.001]) * 1.25
    xmax = max(xs) or 1
    px = lambda v: x + w * v / xmax
    py = lambda v, top: y + h - h * v / top
    out.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="none" stroke="#bbb"/>')
    for i in range(5):
        v = ymax * i / 4
        out.append(text(x - 4, py(v, ymax) + 4, f"{v:.1f} s", 10, "end", fill="#555"))
    for p in points:
        out.append(text(px(p[0]), y + h + 14, p[1], 10, "middle", fill="#555"))
    out.append(text(x + w / 2, y + h + 30, xlabel, 11, "middle"))
    for tool in ("jpull", "skopeo+umoci"):
        pts = [(px(p[0]), py(p[2][tool], ymax)) for p in points if tool in p[2]]
        if pts:
            out.append(f'<polyline fill="none" stroke="{COLORS[tool]}" stroke-width="2" points="'
                       + " ".join(f"{a:.1f},{b:.1f}" for a, b in pts) + '"/>')
            out += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{COLORS[tool]}"/>' for a, b in pts]
    hp = [(px(p[0]), py(p[3], hmax), p[3]) for p in points if p[3]]
    if hp:
        out.append('<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" stroke-dasharray="5,3" points="'
                   + " ".join(f"{a:.1f},{b:.1f}" for a, b, _ in hp) + '"/>')
        out += [text(a, b - 5, f"{v:.0f} MiB", 9, "middle", fill="#1f77b4") for a, b, v in hp]
    return out


def svg(raw):
    s = raw["summary"]
    out, y = bars(s, 50)
    scaling = s.get("scaling") or {}
    files = sorted(((d["entries"], f"{d['entries']:,}", d["walls"], d["heap_mib"]) for k, d in scaling.items()
                    if k.endswith("k")), key=lambda p: p[0])
    size = sorted(((d["bytes"] / 1e9, f"{d['bytes'] / 1e9:.1f} GB", d["walls"], d["heap_mib"])
                   for k, d in scaling.items() if k.endswith("g")), key=lambda p: p[0])
    if files or size:
        y += 20
        out.append(text(20, y, "Scaling: wall time (solid: jpull, skopeo+umoci); jpull's live heap after a full "
                        "GC (dashed)", 14, weight="bold"))
        y += 40
        out += curve(files, 80, y, 340, 180, "One layer of N files", "entries")
        out += curve(size, 530, y, 340, 180, "Images of N bytes", "compressed size")
        y += 230
    legend = [n for n in COLORS if any(n in d["walls"] for d in s["images"].values())] or ["jpull", "skopeo+umoci"]
    lx = 20
    for n in legend:
        out.append(f'<rect x="{lx}" y="{y}" width="12" height="12" fill="{COLORS[n]}"/>')
        out.append(text(lx + 16, y + 10, n, 11))
        lx += 30 + 7 * len(n)
    y += 30
    out.append(text(20, y, f"{raw.get('command', 'bench/run')}, {raw.get('started', '')}", 10, fill="#555"))
    for i, m in enumerate(raw.get("machine", [])):
        out.append(text(20, y + 14 * (i + 1), m[:150], 10, fill="#555"))
    y += 14 * len(raw.get("machine", [])) + 10
    head = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{y:.0f}" viewBox="0 0 {W} {y:.0f}" '
            'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">',
            f'<rect width="{W}" height="{y:.0f}" fill="white"/>',
            text(20, 26, "jpull against its peers (bench/run)", 17, weight="bold")]
    return "\n".join(head + out + ["</svg>"]) + "\n"


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        data = json.load(f)
    with open(sys.argv[2], "w") as f:
        f.write(svg(data))
