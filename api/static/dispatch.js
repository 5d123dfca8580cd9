/* Dispatcher console: allocate the day's orders, plan routes as a background job (its
   progress polled from /api/jobs/<id>), and read a plan: a map drawn from the stops'
   coordinates (SVG, no tile server), a table per route, the unassigned stops, publish. */
"use strict";

(() => {
  const { api, problemLines, esc, flash, sleep, PALETTE } = WMS;
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
    if (!r.ok) { flash($("allocate-flash"), "bad", "Allocation failed", problemLines(r.data)); return; }
    if (!r.data.orders.length) { flash($("allocate-flash"), "info", "Nothing to allocate", ["Every order of this day is allocated in full."]); return; }
    flash($("allocate-flash"), r.data.backorder ? "info" : "good", "Allocation done", [r.data.message]);
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
    if (!r.ok) { flash($("order-flash"), "bad", "Order not placed", problemLines(r.data)); return; }
    flash($("order-flash"), "good", `Order ${r.data.external_ref} placed`, ["Allocate to reserve stock for it."]);
    setTimeout(() => window.location.reload(), 1200);
  });

  $("import-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.target;
    if (!form.file.files.length) { flash($("import-flash"), "bad", "Choose a CSV file first", []); return; }
    const data = new FormData();
    data.append("file", form.file.files[0]);
    const button = form.querySelector("button");
    button.disabled = true;
    const r = await WMS.upload("/api/orders/import", data);
    button.disabled = false;
    if (!r.ok) { flash($("import-flash"), "bad", "Nothing was imported", problemLines(r.data)); return; }
    flash($("import-flash"), "good", `${r.data.imported} orders imported`, [`${r.data.lines} order lines. Allocate to reserve stock for them.`]);
    setTimeout(() => window.location.reload(), 1500);
  });

  $("plan-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = e.target.querySelector("button");
    button.disabled = true;
    $("plan-flash").hidden = true;
    const r = await api("POST", "/api/route-plans", { warehouse, date: day, time_limit_s: Number(e.target.time_limit_s.value) });
    if (!r.ok) { flash($("plan-flash"), "bad", "Planning did not start", problemLines(r.data)); button.disabled = false; return; }
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
      flash($("plan-flash"), "bad", "Planning failed", [job.error || job.message || "the job did not finish"]);
      button.disabled = false;
    }
  });

  function showJob(job) {
    $("job-bar").style.width = `${Math.max(2, Math.min(100, job.progress || 0))}%`;
    $("job-message").textContent = `${job.status} · ${Math.round(job.progress || 0)}% · ${job.message || ""}`;
  }

  /* ---- the map ---- */
  function project(points) {
    const lats = points.map((p) => p[0]), lons = points.map((p) => p[1]);
    const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
    const k = Math.cos((midLat * Math.PI) / 180);
    let x0 = Math.min(...lons) * k, x1 = Math.max(...lons) * k;
    let y0 = Math.min(...lats), y1 = Math.max(...lats);
    const padX = (x1 - x0 || 0.01) * 0.06, padY = (y1 - y0 || 0.01) * 0.06;
    x0 -= padX; x1 += padX; y0 -= padY; y1 += padY;
    const W = 960, H = Math.round(Math.min(640, Math.max(380, (W * (y1 - y0)) / (x1 - x0))));
    const s = Math.min(W / (x1 - x0), H / (y1 - y0));
    const ox = (W - s * (x1 - x0)) / 2, oy = (H - s * (y1 - y0)) / 2;
    return { W, H, xy: ([lat, lon]) => [ox + (lon * k - x0) * s, oy + (y1 - lat) * s] };
  }

  function drawMap(plan) {
    const depot = geo.depot;
    const all = [[depot.lat, depot.lon]];
    plan.routes.forEach((r) => r.stops.forEach((s) => geo.points[s.pickup_point] && all.push(geo.points[s.pickup_point].slice(0, 2))));
    plan.unassigned.forEach((u) => geo.points[u.pickup_point] && all.push(geo.points[u.pickup_point].slice(0, 2)));
    const { W, H, xy } = project(all);
    const out = [`<rect width="${W}" height="${H}" fill="#f8fafc"/>`];
    // A light grid: about one line per kilometre-ish scale step, just to read distances.
    for (let i = 1; i < 8; i++) out.push(`<line x1="${(W * i) / 8}" x2="${(W * i) / 8}" y1="0" y2="${H}" stroke="#eef2f7"/><line y1="${(H * i) / 8}" y2="${(H * i) / 8}" x1="0" x2="${W}" stroke="#eef2f7"/>`);
    const d = xy([depot.lat, depot.lon]);
    plan.routes.forEach((r, i) => {
      const color = PALETTE[i % PALETTE.length];
      const path = [d, ...r.stops.filter((s) => geo.points[s.pickup_point]).map((s) => xy(geo.points[s.pickup_point])), d];
      out.push(`<polyline points="${path.map((p) => p.map((v) => v.toFixed(1)).join(",")).join(" ")}" fill="none" stroke="${color}" stroke-width="2.4" stroke-opacity=".85" stroke-linejoin="round"><title>${esc(r.vehicle)}</title></polyline>`);
    });
    plan.routes.forEach((r, i) => {
      const color = PALETTE[i % PALETTE.length];
      r.stops.forEach((s) => {
        const p = geo.points[s.pickup_point];
        if (!p) return;
        const [x, y] = xy(p);
        out.push(`<g class="stop"><circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="8.5" fill="#fff" stroke="${color}" stroke-width="2.4"/>` +
          `<text x="${x.toFixed(1)}" y="${(y + 3.6).toFixed(1)}" text-anchor="middle" font-size="10" font-weight="700" fill="${color}">${s.seq}</text>` +
          `<title>${esc(r.vehicle)} stop ${s.seq}: ${esc(s.name)} · ETA ${esc(s.eta)}</title></g>`);
      });
    });
    plan.unassigned.forEach((u) => {
      const p = geo.points[u.pickup_point];
      if (!p) return;
      const [x, y] = xy(p);
      out.push(`<g class="unassigned"><circle cx="${x}" cy="${y}" r="7" fill="#fff" stroke="#b91c1c" stroke-width="2" stroke-dasharray="3 2"/><path d="M${x - 3.5} ${y - 3.5}l7 7M${x + 3.5} ${y - 3.5}l-7 7" stroke="#b91c1c" stroke-width="2"/><title>${esc(u.pickup_point)}: ${esc(u.message || u.reason)}</title></g>`);
    });
    out.push(`<g class="depot"><rect x="${d[0] - 11}" y="${d[1] - 11}" width="22" height="22" rx="4" fill="#0f172a"/><path d="M${d[0] - 6} ${d[1] + 5}v-6l6-5 6 5v6z" fill="#fff"/><title>${esc(depot.name)}</title></g>`);
    out.push(`<text x="${d[0] + 15}" y="${d[1] + 4}" font-size="12" font-weight="700" fill="#0f172a">${esc(depot.code)}</text>`);
    $("map").innerHTML = `<svg class="map" viewBox="0 0 ${W} ${H}" role="img" aria-label="Map of the planned routes">${out.join("")}</svg>`;
    $("map-legend").innerHTML = `<span>${swatch("#0f172a")}warehouse</span>` +
      plan.routes.map((r, i) => `<span>${swatch(PALETTE[i % PALETTE.length])}${esc(r.vehicle)} (${r.stops.length})</span>`).join("") +
      (plan.unassigned.length ? `<span>${swatch("#b91c1c")}unassigned</span>` : "");
  }

  const swatch = (c) => `<svg class="swatch-svg" width="12" height="12" aria-hidden="true"><rect width="12" height="12" rx="2" fill="${c}"/></svg>`;

  function loads(l) {
    const parts = CLASSES.filter((c) => l && l[c] && (l[c].crates || l[c].kg))
      .map((c) => `<span class="t-${c}">${c[0].toUpperCase()}</span> ${l[c].crates}<span class="muted">cr</span> ${Math.round(l[c].kg)}<span class="muted">kg</span>`);
    return parts.join(" · ") || "—";
  }

  // Cold-chain margin: minutes left before the tightest class on board runs out of time.
  function margin(stop) {
    const classes = CLASSES.filter((c) => stop.delivered && stop.delivered[c] && limits[c]);
    if (!classes.length) return null;
    return Math.min(...classes.map((c) => (limits[c] - stop.since_departure_s) / 60));
  }

  function routeCard(r, i) {
    const color = PALETTE[i % PALETTE.length];
    const rows = r.stops.map((s) => {
      const m = margin(s);
      const p = geo.points[s.pickup_point];
      return `<tr><td class="num" data-label="#">${s.seq}</td>
        <td data-label="Pickup point">${esc(s.name)} <span class="muted">${esc(s.pickup_point)}</span></td>
        <td data-label="ETA"><b>${esc(s.eta)}</b></td>
        <td data-label="Window">${p ? esc(`${p[3]}–${p[4]}`) : "—"}</td>
        <td data-label="Load">${loads(s.delivered)}</td>
        <td class="num" data-label="On board">${Math.round(s.since_departure_s / 60)} min</td>
        <td class="num ${m !== null && m < 20 ? "margin-low" : ""}" data-label="Cold-chain margin">${m === null ? "—" : `${Math.round(m)} min`}</td></tr>`;
    }).join("");
    const worst = Math.min(...r.stops.map(margin).filter((m) => m !== null));
    return `<article class="route-card">
      <header><span class="swatch-svg">${swatch(color)}</span><b>${esc(r.vehicle)}</b>
        <span class="badge ${esc(r.status)}">${esc(r.status)}</span>
        <span class="kpis"><span>driver ${esc(r.driver || "—")}</span><span>leaves ${esc(r.departure)}</span><span>back ${esc(r.end)}</span>
        <span>${r.distance_km.toFixed(1)} km</span><span>¥${Math.round(r.cost)}</span><span>${loads(r.loads)}</span>
        ${isFinite(worst) ? `<span class="${worst < 20 ? "margin-low" : ""}">tightest margin ${Math.round(worst)} min</span>` : ""}</span></header>
      <div class="table-wrap"><table class="stack-sm"><thead><tr><th class="num">#</th><th>Pickup point</th><th>ETA</th><th>Window</th><th>Load</th><th class="num">On board</th><th class="num">Margin</th></tr></thead>
      <tbody>${rows}</tbody></table></div></article>`;
  }

  function renderPlan(plan) {
    $("plan-title").textContent = `Plan v${plan.version} · ${plan.status}`;
    const served = plan.routes.reduce((n, r) => n + r.stops.length, 0);
    $("plan-stats").innerHTML = [
      [plan.routes.length, "routes"], [served, "stops served"], [plan.unassigned.length, "unassigned"],
      [plan.total_distance_km.toFixed(1), "km"], [`¥${Math.round(plan.total_cost)}`, "cost"], [plan.solver_status, "solver"],
    ].map(([v, l]) => `<div class="stat"><b class="${l === "unassigned" && v ? "margin-low" : ""}">${esc(v)}</b><span>${esc(l)}</span></div>`).join("");
    $("publish").hidden = plan.status !== "draft";
    $("plan").hidden = false;
    drawMap(plan);
    $("routes").innerHTML = plan.routes.map(routeCard).join("");
    $("unassigned-card").hidden = !plan.unassigned.length;
    $("unassigned").innerHTML = `<div class="table-wrap"><table class="stack-sm"><thead><tr><th>Pickup point</th><th>Reason</th><th>Demand</th></tr></thead><tbody>${
      plan.unassigned.map((u) => `<tr><td data-label="Pickup point">${esc(u.pickup_point)} <span class="muted">${esc(geo.points[u.pickup_point]?.[2] || "")}</span></td>
        <td data-label="Reason"><span class="badge warn">${esc(u.reason.replaceAll("_", " "))}</span> ${esc(u.message)}</td><td data-label="Demand">${loads(u.demand)}</td></tr>`).join("")}</tbody></table></div>`;
  }

  $("publish").addEventListener("click", async (e) => {
    if (!window.confirm("Publish this plan? Its routes go to the drivers and replace the day's published plan.")) return;
    e.target.disabled = true;
    const r = await api("POST", `/api/route-plans/${root.dataset.plan}/publish`, { drivers: {} });
    if (!r.ok) { flash($("publish-flash"), "bad", "Not published", problemLines(r.data)); e.target.disabled = false; return; }
    flash($("publish-flash"), "good", "Published", [`${r.data.routes.length} routes sent to their drivers.`]);
    setTimeout(() => window.location.reload(), 900);
  });

  (async () => {
    if (!root.dataset.plan) return;
    const r = await api("GET", `/api/route-plans/${root.dataset.plan}`);
    if (r.ok) renderPlan(r.data);
    else { $("plan").hidden = false; flash($("publish-flash"), "bad", "Cannot show the plan", problemLines(r.data)); }
  })();
})();
