/* Dispatcher console: allocate the day's orders, plan routes as a background job (its
   progress polled from /api/jobs/<id>), and read a plan: a map of the routes over the
   city's districts (SVG; tiles only from a configured server), a table per route, the
   unassigned stops, publish. */
"use strict";

(() => {
  const { api, problemLines, esc, flash, sleep, PALETTE, t, label, num } = WMS;
  const root = document.getElementById("dispatch");
  const $ = (id) => document.getElementById(id);
  const warehouse = root.dataset.warehouse, day = root.dataset.date;
  const geo = JSON.parse(root.dataset.geo);
  const limits = JSON.parse(root.dataset.limits);
  const CLASSES = ["frozen", "chilled", "ambient"];
  const here = (plan) => `?warehouse=${encodeURIComponent(warehouse)}&date=${day}` + (plan ? `&plan=${plan}` : "");

  $("allocate").addEventListener("click", async (e) => {
    e.target.disabled = true;
    const r = await api("POST", "/api/allocations", { warehouse, date: day });
    e.target.disabled = false;
    if (!r.ok) { flash($("allocate-flash"), "bad", t("Allocation failed"), problemLines(r.data)); return; }
    if (!r.data.orders.length) { flash($("allocate-flash"), "info", t("Nothing to allocate"), [t("Every order of this day is allocated in full.")]); return; }
    flash($("allocate-flash"), r.data.backorder ? "info" : "good", t("Allocation done"), [r.data.message]);
    setTimeout(() => window.location.reload(), 1200);
  });

  /* ---- order entry and CSV import ---- */
  $("add-line").addEventListener("click", () => {
    const first = $("order-lines").querySelector("[data-line]");
    const line = first.cloneNode(true);
    line.querySelectorAll("input").forEach((i) => (i.value = ""));
    $("order-lines").appendChild(line);
    line.querySelector("input").focus();
  });

  $("order-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.target;
    const lines = [...form.querySelectorAll("[data-line]")].map((row) => ({
      sku: row.querySelector('[name="sku"]').value.trim(),
      quantity: Number(row.querySelector('[name="quantity"]').value),
    })).filter((ln) => ln.sku || ln.quantity);
    const body = { external_ref: form.external_ref.value.trim(), pickup_point: form.pickup_point.value,
                   delivery_date: form.delivery_date.value, lines };
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    const r = await api("POST", "/api/orders", body);
    button.disabled = false;
    if (!r.ok) { flash($("order-flash"), "bad", t("Order not placed"), problemLines(r.data)); return; }
    flash($("order-flash"), "good", t("Order {ref} placed", { ref: r.data.external_ref }), [t("Allocate to reserve stock for it.")]);
    setTimeout(() => window.location.reload(), 1200);
  });

  $("import-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.target;
    if (!form.file.files.length) { flash($("import-flash"), "bad", t("Choose a CSV file first"), []); return; }
    const data = new FormData();
    data.append("file", form.file.files[0]);
    const button = form.querySelector("button");
    button.disabled = true;
    const r = await WMS.upload("/api/orders/import", data);
    button.disabled = false;
    if (!r.ok) { flash($("import-flash"), "bad", t("Nothing was imported"), problemLines(r.data)); return; }
    flash($("import-flash"), "good", t("{n} orders imported", { n: r.data.imported }), [t("{n} order lines. Allocate to reserve stock for them.", { n: r.data.lines })]);
    setTimeout(() => window.location.reload(), 1500);
  });

  $("plan-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = e.target.querySelector("button");
    button.disabled = true;
    $("plan-flash").hidden = true;
    const r = await api("POST", "/api/route-plans", { warehouse, date: day, time_limit_s: Number(e.target.time_limit_s.value) });
    if (!r.ok) { flash($("plan-flash"), "bad", t("Planning did not start"), problemLines(r.data)); button.disabled = false; return; }
    $("job").hidden = false;
    let job = r.data;
    while (job.status === "queued" || job.status === "started") {
      showJob(job);
      await sleep(700);
      const poll = await api("GET", `/api/jobs/${encodeURIComponent(job.id)}`);
      if (poll.ok) job = poll.data;
    }
    showJob(job);
    if (job.status === "finished" && job.result?.plan_id) {
      window.location.href = here(job.result.plan_id);
    } else {
      flash($("plan-flash"), "bad", t("Planning failed"), [job.error || job.message || t("the job did not finish")]);
      button.disabled = false;
    }
  });

  function showJob(job, prefix = "job") {
    $(`${prefix}-bar`).style.width = `${Math.max(2, Math.min(100, job.progress || 0))}%`;
    $(`${prefix}-message`).textContent = `${label(job.status)} · ${num((job.progress || 0) / 100, { style: "percent" })} · ${job.message || ""}`;
  }

  /* ---- re-planning the rest of a published day (a truck failed mid-route) ---- */
  function renderReplan(plan) {
    $("replan").hidden = plan.status !== "published";
    if (plan.status !== "published") return;
    const vehicles = [...new Set(plan.routes.map((r) => r.vehicle))];
    $("replan-vehicles").insertAdjacentHTML("beforeend", vehicles.map((v) =>
      `<label class="check"><input type="checkbox" name="failed" value="${esc(v)}"> ${esc(v)}</label>`).join(""));
  }

  $("replan-form")?.addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.target;
    const failed = [...form.querySelectorAll('[name="failed"]:checked')].map((i) => i.value);
    if (!failed.length) { flash($("replan-flash"), "bad", t("Choose the failed truck(s)"), []); return; }
    if (!window.confirm(t("Re-plan the rest of the day without {vehicles}? The new version goes to the drivers at once.", { vehicles: failed.join(", ") }))) return;
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    $("replan-flash").hidden = true;
    const r = await api("POST", `/api/route-plans/${root.dataset.plan}/replan`,
                        { failed_vehicles: failed, time_limit_s: Number(form.time_limit_s.value) });
    if (!r.ok) { flash($("replan-flash"), "bad", t("Re-planning did not start"), problemLines(r.data)); button.disabled = false; return; }
    $("replan-job").hidden = false;
    let job = r.data;
    while (job.status === "queued" || job.status === "started") {
      showJob(job, "replan-job");
      await sleep(700);
      const poll = await api("GET", `/api/jobs/${encodeURIComponent(job.id)}`);
      if (poll.ok) job = poll.data;
    }
    showJob(job, "replan-job");
    if (job.status === "finished" && job.result?.plan_id) {
      const back = job.result.returned || [];
      flash($("replan-flash"), "good", t("Plan v{version} published", { version: job.result.version }),
            back.length ? [t("Goods of these stops go back to the warehouse: {stops}", { stops: back.join(", ") })] : []);
      setTimeout(() => { window.location.href = here(job.result.plan_id); }, 1500);
    } else {
      flash($("replan-flash"), "bad", t("Re-planning failed"), [job.error || job.message || t("the job did not finish")]);
      button.disabled = false;
    }
  });

  /* ---- the map ----
     Web Mercator, drawn at the width it is shown at so that stop numbers and district
     names are real 12 px on a phone. Under the routes: the city's district outlines shipped
     with the app (static/map/districts.json), and tiles only when a tile server is set
     (WMS_MAP_TILES). The legend isolates one route at a time, or shows them all. */
  const wrap = $("map-wrap");
  const tiles = wrap?.dataset.tiles || "";
  let base = null, shownPlan = null, only = null;
  const baseReady = fetch(wrap?.dataset.base || "", { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : null)).then((d) => (base = d)).catch(() => null);

  const R = 6371.0088;
  const mx = (lon) => (lon * Math.PI) / 180;
  const my = (lat) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));

  function project(points, width) {
    const xs = points.map((p) => mx(p[1])), ys = points.map((p) => my(p[0]));
    let x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    const pad = Math.max(x1 - x0, y1 - y0, 0.0004) * 0.08;
    x0 -= pad; x1 += pad; y0 -= pad; y1 += pad;
    const W = Math.max(300, Math.round(width));
    const H = Math.round(Math.min(W < 560 ? 520 : 640, Math.max(W < 560 ? 340 : 380, (W * (y1 - y0)) / (x1 - x0))));
    const s = Math.min(W / (x1 - x0), H / (y1 - y0));
    const ox = (W - s * (x1 - x0)) / 2, oy = (H - s * (y1 - y0)) / 2;
    const midLat = (Math.min(...points.map((p) => p[0])) + Math.max(...points.map((p) => p[0]))) / 2;
    return { W, H, s, x0, y1, ox, oy, kmPerPx: (R * Math.cos((midLat * Math.PI) / 180)) / s,
             xy: ([lat, lon]) => [ox + (mx(lon) - x0) * s, oy + (y1 - my(lat)) * s] };
  }

  function cityOf(lat, lon) {
    if (!base) return null;
    return Object.values(base.cities).find((c) => lat >= c.bbox[0] && lat <= c.bbox[2] && lon >= c.bbox[1] && lon <= c.bbox[3]) || null;
  }

  function tileLayer(view) {
    // The zoom whose tiles are closest to the map's own scale, stretched to fit exactly.
    const z = Math.max(0, Math.min(19, Math.round(Math.log2((2 * Math.PI * view.s) / 256))));
    const n = 2 ** z, size = (2 * Math.PI * view.s) / n;
    const col = (x) => Math.floor(((view.x0 + x / view.s + Math.PI) / (2 * Math.PI)) * n);
    const row = (y) => Math.floor(((Math.PI - (view.y1 - y / view.s)) / (2 * Math.PI)) * n);
    const out = [];
    for (let cx = col(-view.ox); cx <= col(view.W - view.ox); cx++) {
      for (let cy = row(-view.oy); cy <= row(view.H - view.oy); cy++) {
        if (cy < 0 || cy >= n) continue;
        const px = view.ox + ((cx / n) * 2 * Math.PI - Math.PI - view.x0) * view.s;
        const py = view.oy + (view.y1 - (Math.PI - (cy / n) * 2 * Math.PI)) * view.s;
        const url = tiles.replace("{z}", z).replace("{x}", ((cx % n) + n) % n).replace("{y}", cy);
        out.push(`<image class="tile" href="${esc(url)}" x="${px.toFixed(1)}" y="${py.toFixed(1)}" width="${size.toFixed(1)}" height="${size.toFixed(1)}" preserveAspectRatio="none"/>`);
      }
    }
    return out;
  }

  function districtLayer(view, city) {
    if (!city) return [];
    const zh = WMS.lang === "zh";
    const shapes = [], names = [];
    city.districts.forEach((d) => {
      const path = d.rings.map((ring) => "M" + ring.map(([lon, lat]) => view.xy([lat, lon]).map((v) => v.toFixed(1)).join(",")).join("L") + "Z").join("");
      shapes.push(`<path class="district" d="${path}" fill="#eef2f7" stroke="#94a3b8" stroke-width="1" stroke-linejoin="round"/>`);
      const [x, y] = view.xy(d.label);
      if (x > 20 && x < view.W - 20 && y > 14 && y < view.H - 14) {
        names.push(`<text class="district-name" x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="middle" font-size="12" fill="#64748b" stroke="#fff" stroke-width="3" paint-order="stroke">${esc(zh ? d.zh : d.en)}</text>`);
      }
    });
    return [...shapes, ...names];
  }

  function scaleBar(view) {
    const maxKm = view.kmPerPx * Math.min(140, view.W / 3);
    const nice = [0.5, 1, 2, 5, 10, 20, 50, 100].filter((k) => k <= maxKm).pop() || 0.5;
    const px = nice / view.kmPerPx, x = 12, y = view.H - 14;
    return `<g class="scale-bar" data-km="${nice}"><rect x="${x - 6}" y="${y - 20}" width="${px + 12}" height="28" rx="4" fill="#fff" fill-opacity=".85"/>` +
      `<path d="M${x} ${y - 5}v5h${px.toFixed(1)}v-5" fill="none" stroke="#0f172a" stroke-width="2"/>` +
      `<text x="${x + px / 2}" y="${y - 8}" text-anchor="middle" font-size="12" fill="#0f172a">${esc(t("{n} km", { n: num(nice) }))}</text></g>`;
  }

  /* Stop markers never cover one another or the warehouse: a marker that would lands on the
     nearest free spot around its stop, with a thin line back to where the stop is. */
  function placeMarkers(items, taken, radius) {
    const gap = 2 * radius + 2;
    const free = (x, y) => taken.every(([a, b, r]) => Math.hypot(a - x, b - y) >= r + radius + 2);
    return items.map((it) => {
      let [x, y] = it.at;
      if (!free(x, y)) {
        let found = null;
        for (let ring = 1; ring < 8 && !found; ring++) {
          for (let k = 0; k < 8 * ring && !found; k++) {
            const a = (2 * Math.PI * k) / (8 * ring) - Math.PI / 2;
            const cx = x + Math.cos(a) * gap * ring, cy = y + Math.sin(a) * gap * ring;
            if (free(cx, cy)) found = [cx, cy];
          }
        }
        if (found) [x, y] = found;
      }
      taken.push([x, y, radius]);
      return { ...it, pos: [x, y] };
    });
  }

  function drawMap(plan) {
    shownPlan = plan;
    const box = $("map");
    const width = box.clientWidth || 960;
    const depot = geo.depot;
    const visible = plan.routes.map((r, i) => ({ r, i })).filter(({ i }) => only === null || only === i);
    const all = [[depot.lat, depot.lon]];
    visible.forEach(({ r }) => r.stops.forEach((s) => geo.points[s.pickup_point] && all.push(geo.points[s.pickup_point].slice(0, 2))));
    if (only === null) plan.unassigned.forEach((u) => geo.points[u.pickup_point] && all.push(geo.points[u.pickup_point].slice(0, 2)));
    const view = project(all, width);
    const { W, H, xy } = view;
    const out = [`<rect width="${W}" height="${H}" fill="#f8fafc"/>`];
    if (tiles) out.push(...tileLayer(view));
    const districts = districtLayer(view, cityOf(depot.lat, depot.lon));
    out.push(...districts.filter((e) => e.startsWith("<path")));
    const d = xy([depot.lat, depot.lon]);
    visible.forEach(({ r, i }) => {
      const color = PALETTE[i % PALETTE.length];
      const path = [d, ...r.stops.filter((s) => geo.points[s.pickup_point]).map((s) => xy(geo.points[s.pickup_point])), d];
      out.push(`<polyline class="route-line" data-route="${i}" points="${path.map((p) => p.map((v) => v.toFixed(1)).join(",")).join(" ")}" fill="none" stroke="${color}" stroke-width="${only === null ? 2.6 : 3.4}" stroke-opacity=".9" stroke-linejoin="round"><title>${esc(r.vehicle)}</title></polyline>`);
    });
    // Names over the lines, under the stops.
    out.push(...districts.filter((e) => e.startsWith("<text")));
    const radius = 11;
    const items = [];
    visible.forEach(({ r, i }) => r.stops.forEach((s) => {
      const p = geo.points[s.pickup_point];
      if (p) items.push({ r, i, s, at: xy(p) });
    }));
    /* A phone has no room for a hundred numbered markers: all routes at once are lines and
       dots there, and a route picked in the legend shows its stop numbers. */
    if (only === null && W < 560 && items.length > 30) {
      items.forEach(({ r, i, s, at }) => out.push(`<g class="stop-dot" data-route="${i}"><circle cx="${at[0].toFixed(1)}" cy="${at[1].toFixed(1)}" r="4" fill="${PALETTE[i % PALETTE.length]}" stroke="#fff" stroke-width="1.2"/><title>${esc(t("{vehicle} stop {seq}: {name} · ETA {eta}", { vehicle: r.vehicle, seq: s.seq, name: s.name, eta: `${s.eta} ${WMS.zoneLabel}` }))}</title></g>`));
      items.length = 0;
    }
    const placed = placeMarkers(items, [[d[0], d[1], 14]], radius);
    placed.forEach(({ r, i, s, at, pos }) => {
      const color = PALETTE[i % PALETTE.length];
      const moved = Math.hypot(pos[0] - at[0], pos[1] - at[1]) > 0.5;
      out.push(`<g class="stop" data-route="${i}">` +
        (moved ? `<line x1="${at[0].toFixed(1)}" y1="${at[1].toFixed(1)}" x2="${pos[0].toFixed(1)}" y2="${pos[1].toFixed(1)}" stroke="${color}" stroke-width="1"/><circle cx="${at[0].toFixed(1)}" cy="${at[1].toFixed(1)}" r="2.5" fill="${color}"/>` : "") +
        `<circle cx="${pos[0].toFixed(1)}" cy="${pos[1].toFixed(1)}" r="${radius}" fill="#fff" stroke="${color}" stroke-width="2.4"/>` +
        `<text x="${pos[0].toFixed(1)}" y="${(pos[1] + 4.3).toFixed(1)}" text-anchor="middle" font-size="12" font-weight="700" fill="${color}">${s.seq}</text>` +
        `<title>${esc(t("{vehicle} stop {seq}: {name} · ETA {eta}", { vehicle: r.vehicle, seq: s.seq, name: s.name, eta: `${s.eta} ${WMS.zoneLabel}` }))}</title></g>`);
    });
    if (only === null) plan.unassigned.forEach((u) => {
      const p = geo.points[u.pickup_point];
      if (!p) return;
      const [x, y] = xy(p);
      out.push(`<g class="unassigned"><circle cx="${x}" cy="${y}" r="8" fill="#fff" stroke="#b91c1c" stroke-width="2" stroke-dasharray="3 2"/><path d="M${x - 3.5} ${y - 3.5}l7 7M${x + 3.5} ${y - 3.5}l-7 7" stroke="#b91c1c" stroke-width="2"/><title>${esc(u.pickup_point)}: ${esc(u.message || u.reason)}</title></g>`);
    });
    out.push(`<g class="depot"><rect x="${d[0] - 12}" y="${d[1] - 12}" width="24" height="24" rx="4" fill="#0f172a"/><path d="M${d[0] - 6} ${d[1] + 5}v-6l6-5 6 5v6z" fill="#fff"/><title>${esc(depot.name)}</title></g>`);
    out.push(`<text x="${d[0] + 16}" y="${d[1] - 6}" font-size="12" font-weight="700" fill="#0f172a" stroke="#fff" stroke-width="3" paint-order="stroke">${esc(depot.code)}</text>`);
    out.push(scaleBar(view));
    box.innerHTML = `<svg class="map" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(t("Map of the planned routes"))}">${out.join("")}</svg>`;
    const btn = (i, text, color) => `<button type="button" class="small map-toggle" data-show="${i}" aria-pressed="${only === i || (i === "all" && only === null)}">${color ? swatch(color) : ""}${esc(text)}</button>`;
    $("map-legend").innerHTML = btn("all", t("All routes")) +
      plan.routes.map((r, i) => btn(i, `${r.vehicle} (${r.stops.length})`, PALETTE[i % PALETTE.length])).join("") +
      `<span class="legend">${swatch("#0f172a")}${esc(t("warehouse"))}${plan.unassigned.length && only === null ? ` ${swatch("#b91c1c")}${esc(t("unassigned"))}` : ""}</span>`;
    $("map-legend").querySelectorAll("[data-show]").forEach((b) => b.addEventListener("click", () => {
      only = b.dataset.show === "all" ? null : Number(b.dataset.show);
      drawMap(shownPlan);
    }));
  }
  let mapResize = null;
  window.addEventListener("resize", () => { clearTimeout(mapResize); mapResize = setTimeout(() => shownPlan && drawMap(shownPlan), 150); });

  const swatch = (c) => `<svg class="swatch-svg" width="12" height="12" aria-hidden="true"><rect width="12" height="12" rx="2" fill="${c}"/></svg>`;

  function loads(l) {
    const parts = CLASSES.filter((c) => l && l[c] && (l[c].crates || l[c].kg))
      .map((c) => `<span class="t-${c}" title="${esc(label(c))}">${esc(label(c)).charAt(0).toUpperCase()}</span> ${num(l[c].crates)}<span class="muted">${esc(t("cr"))}</span> ${num(Math.round(l[c].kg))}<span class="muted">${esc(t("kg"))}</span>`);
    return parts.join(" · ") || "—";
  }

  // Cold-chain margin: minutes left before the tightest class on board runs out of time.
  function margin(stop) {
    const classes = CLASSES.filter((c) => stop.delivered && stop.delivered[c] && limits[c]);
    if (!classes.length) return null;
    return Math.min(...classes.map((c) => (limits[c] - stop.since_departure_s) / 60));
  }

  const minutes = (m) => t("{n} min", { n: num(Math.round(m)) });

  function routeCard(r, i) {
    const color = PALETTE[i % PALETTE.length];
    const rows = r.stops.map((s) => {
      const m = margin(s);
      const p = geo.points[s.pickup_point];
      return `<tr><td class="num" data-label="#">${s.seq}</td>
        <td data-label="${esc(t("Pickup point"))}">${esc(s.name)} <span class="muted">${esc(s.pickup_point)}</span></td>
        <td data-label="${esc(t("ETA"))}"><b>${esc(s.eta)}</b></td>
        <td data-label="${esc(t("Window"))}">${p ? esc(`${p[3]}–${p[4]}`) : "—"}</td>
        <td data-label="${esc(t("Load"))}">${loads(s.delivered)}</td>
        <td class="num" data-label="${esc(t("On board"))}">${esc(minutes(s.since_departure_s / 60))}</td>
        <td class="num ${m !== null && m < 20 ? "margin-low" : ""}" data-label="${esc(t("Cold-chain margin"))}">${m === null ? "—" : esc(minutes(m))}</td></tr>`;
    }).join("");
    const worst = Math.min(...r.stops.map(margin).filter((m) => m !== null));
    return `<article class="route-card">
      <header><span class="swatch-svg">${swatch(color)}</span><b>${esc(r.vehicle)}</b>
        <span class="badge ${esc(r.status)}">${esc(label(r.status))}</span>
        <span class="kpis"><span>${esc(t("driver {name}", { name: r.driver || "—" }))}</span><span>${esc(t("leaves {time}", { time: r.departure }))}</span><span>${esc(t("back {time}", { time: r.end }))}</span><span class="zone-note">${esc(t("times in {zone}", { zone: WMS.zoneLabel }))}</span>
        <span>${esc(t("{n} km", { n: num(r.distance_km, { maximumFractionDigits: 1, minimumFractionDigits: 1 }) }))}</span><span>${esc(num(Math.round(r.cost), { style: "currency", currency: "CNY", maximumFractionDigits: 0 }))}</span><span>${loads(r.loads)}</span>
        ${isFinite(worst) ? `<span class="${worst < 20 ? "margin-low" : ""}">${esc(t("tightest margin {minutes}", { minutes: minutes(worst) }))}</span>` : ""}</span></header>
      <div class="table-wrap"><table class="stack-sm"><thead><tr><th class="num">#</th><th>${esc(t("Pickup point"))}</th><th>${esc(t("ETA"))}</th><th>${esc(t("Window"))}</th><th>${esc(t("Load"))}</th><th class="num">${esc(t("On board"))}</th><th class="num">${esc(t("Margin"))}</th></tr></thead>
      <tbody>${rows}</tbody></table></div></article>`;
  }

  function renderPlan(plan) {
    $("plan-title").textContent = `${t("Plan v{version}", { version: plan.version })} · ${label(plan.status)}` +
      (plan.replaces ? ` · ${t("re-planned from the live state")}` : "");
    const served = plan.routes.reduce((n, r) => n + r.stops.length, 0);
    $("plan-stats").innerHTML = [
      [num(plan.routes.length), t("routes")], [num(served), t("stops served")], [num(plan.unassigned.length), t("unassigned"), plan.unassigned.length > 0],
      [num(plan.total_distance_km, { maximumFractionDigits: 1, minimumFractionDigits: 1 }), t("km")],
      [num(Math.round(plan.total_cost), { style: "currency", currency: "CNY", maximumFractionDigits: 0 }), t("cost")], [plan.solver_status, t("solver")],
    ].map(([v, l, low]) => `<div class="stat"><b class="${low ? "margin-low" : ""}">${esc(v)}</b><span>${esc(l)}</span></div>`).join("");
    $("publish").hidden = plan.status !== "draft";
    renderReplan(plan);
    $("plan").hidden = false;
    baseReady.then(() => drawMap(plan));
    $("routes").innerHTML = plan.routes.map(routeCard).join("");
    $("unassigned-card").hidden = !plan.unassigned.length;
    $("unassigned").innerHTML = `<div class="table-wrap"><table class="stack-sm"><thead><tr><th>${esc(t("Pickup point"))}</th><th>${esc(t("Reason"))}</th><th>${esc(t("Demand"))}</th></tr></thead><tbody>${
      plan.unassigned.map((u) => `<tr><td data-label="${esc(t("Pickup point"))}">${esc(u.pickup_point)} <span class="muted">${esc(geo.points[u.pickup_point]?.[2] || "")}</span></td>
        <td data-label="${esc(t("Reason"))}"><span class="badge warn">${esc(label(u.reason))}</span> ${esc(u.message)}</td><td data-label="${esc(t("Demand"))}">${loads(u.demand)}</td></tr>`).join("")}</tbody></table></div>`;
  }

  $("publish").addEventListener("click", async (e) => {
    if (!window.confirm(t("Publish this plan? Its routes go to the drivers and replace the day's published plan."))) return;
    e.target.disabled = true;
    const r = await api("POST", `/api/route-plans/${root.dataset.plan}/publish`, { drivers: {} });
    if (!r.ok) { flash($("publish-flash"), "bad", t("Not published"), problemLines(r.data)); e.target.disabled = false; return; }
    flash($("publish-flash"), "good", t("Published"), [t("{n} routes sent to their drivers.", { n: num(r.data.routes.length) })]);
    setTimeout(() => window.location.reload(), 900);
  });

  (async () => {
    if (!root.dataset.plan) return;
    const r = await api("GET", `/api/route-plans/${root.dataset.plan}`);
    if (r.ok) renderPlan(r.data);
    else { $("plan").hidden = false; flash($("publish-flash"), "bad", t("Cannot show the plan"), problemLines(r.data)); }
  })();
})();
