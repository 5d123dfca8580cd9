/* Dispatcher console: allocate the day's orders, plan routes as a background job (its
   progress polled from /api/jobs/<id>), and read a plan: a map drawn from the stops'
   coordinates (SVG, no tile server), a table per route, the unassigned stops, publish. */
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

  function showJob(job) {
    $("job-bar").style.width = `${Math.max(2, Math.min(100, job.progress || 0))}%`;
    $("job-message").textContent = `${label(job.status)} · ${num((job.progress || 0) / 100, { style: "percent" })} · ${job.message || ""}`;
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
          `<title>${esc(t("{vehicle} stop {seq}: {name} · ETA {eta}", { vehicle: r.vehicle, seq: s.seq, name: s.name, eta: s.eta }))}</title></g>`);
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
    $("map").innerHTML = `<svg class="map" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(t("Map of the planned routes"))}">${out.join("")}</svg>`;
    $("map-legend").innerHTML = `<span>${swatch("#0f172a")}${esc(t("warehouse"))}</span>` +
      plan.routes.map((r, i) => `<span>${swatch(PALETTE[i % PALETTE.length])}${esc(r.vehicle)} (${r.stops.length})</span>`).join("") +
      (plan.unassigned.length ? `<span>${swatch("#b91c1c")}${esc(t("unassigned"))}</span>` : "");
  }

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
        <span class="kpis"><span>${esc(t("driver {name}", { name: r.driver || "—" }))}</span><span>${esc(t("leaves {time}", { time: r.departure }))}</span><span>${esc(t("back {time}", { time: r.end }))}</span>
        <span>${esc(t("{n} km", { n: num(r.distance_km, { maximumFractionDigits: 1, minimumFractionDigits: 1 }) }))}</span><span>${esc(num(Math.round(r.cost), { style: "currency", currency: "CNY", maximumFractionDigits: 0 }))}</span><span>${loads(r.loads)}</span>
        ${isFinite(worst) ? `<span class="${worst < 20 ? "margin-low" : ""}">${esc(t("tightest margin {minutes}", { minutes: minutes(worst) }))}</span>` : ""}</span></header>
      <div class="table-wrap"><table class="stack-sm"><thead><tr><th class="num">#</th><th>${esc(t("Pickup point"))}</th><th>${esc(t("ETA"))}</th><th>${esc(t("Window"))}</th><th>${esc(t("Load"))}</th><th class="num">${esc(t("On board"))}</th><th class="num">${esc(t("Margin"))}</th></tr></thead>
      <tbody>${rows}</tbody></table></div></article>`;
  }

  function renderPlan(plan) {
    $("plan-title").textContent = `${t("Plan v{version}", { version: plan.version })} · ${label(plan.status)}`;
    const served = plan.routes.reduce((n, r) => n + r.stops.length, 0);
    $("plan-stats").innerHTML = [
      [num(plan.routes.length), t("routes")], [num(served), t("stops served")], [num(plan.unassigned.length), t("unassigned"), plan.unassigned.length > 0],
      [num(plan.total_distance_km, { maximumFractionDigits: 1, minimumFractionDigits: 1 }), t("km")],
      [num(Math.round(plan.total_cost), { style: "currency", currency: "CNY", maximumFractionDigits: 0 }), t("cost")], [plan.solver_status, t("solver")],
    ].map(([v, l, low]) => `<div class="stat"><b class="${low ? "margin-low" : ""}">${esc(v)}</b><span>${esc(l)}</span></div>`).join("");
    $("publish").hidden = plan.status !== "draft";
    $("plan").hidden = false;
    drawMap(plan);
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
