/* Buyer trace: search lots, then one lot's origin, forward trace, stock, recall and its
   temperature history as an SVG chart with the allowed band and the excursions marked. */
"use strict";

(() => {
  const { api, problemLines, esc, when, flash, t, label, num, productName, day, hourMinute, zoneLabel } = WMS;
  const root = document.getElementById("trace");
  const ranges = JSON.parse(root.dataset.ranges || "{}");
  const $ = (id) => document.getElementById(id);
  let current = null;

  function searchParams(text, status) {
    const p = new URLSearchParams({ page_size: "25" });
    const t = text.trim();
    if (/^\d{8,14}$/.test(t)) p.set("gtin", t);
    else if (/^[A-Z]\d{5}$/i.test(t)) p.set("sku", t.toUpperCase());
    else if (t) p.set("q", t);
    if (status) p.set("status", status);
    return p;
  }

  async function search(e) {
    e?.preventDefault();
    const form = $("search");
    const r = await api("GET", `/api/trace/lots?${searchParams(form.q.value, form.status.value)}`);
    const list = $("results");
    $("search-flash").hidden = true;
    if (!r.ok) { flash($("search-flash"), "bad", t("Search failed"), problemLines(r.data)); list.innerHTML = ""; return; }
    const total = r.pages ? JSON.parse(r.pages).total : r.data.length;
    if (!r.data.length) { list.innerHTML = `<li class="muted">${esc(t("No lot matches."))}</li>`; return; }
    list.innerHTML = r.data.map((lot) => `
      <li><b>${esc(lot.lot_code)}</b>
        <span class="t-${esc(lot.product.temp_class)}">${esc(lot.product.sku)} ${esc(productName(lot.product))}</span>
        <span class="muted">${esc(lot.supplier || t("no supplier"))} · ${esc(t("expires {date}", { date: lot.expiry_date || "—" }))}</span>
        <span class="badge ${esc(lot.status)}">${esc(label(lot.status))}</span>
        <button type="button" class="small" data-open="${lot.id}">${esc(t("Open"))}</button></li>`).join("") +
      (total > r.data.length ? `<li class="muted">${esc(t("{n} more: narrow the search.", { n: num(total - r.data.length) }))}</li>` : "");
    list.querySelectorAll("[data-open]").forEach((b) => b.addEventListener("click", () => open(Number(b.dataset.open), true)));
    if (r.data.length === 1) open(r.data[0].id, true);
  }

  function fact(label, value) {
    return value === null || value === undefined || value === "" ? "" : `<dt>${esc(label)}</dt><dd>${value}</dd>`;
  }

  function renderFacts(f) {
    const p = f.product, s = f.supplier, o = f.origin, q = f.quantities;
    $("lot-title").textContent = t("Lot {lot}", { lot: f.lot_code });
    $("lot-title").dataset.lot = f.lot_code;
    $("lot-status").innerHTML = `<span class="badge ${esc(f.status)}">${esc(label(f.status))}</span>`;
    $("facts").innerHTML = [
      fact(t("Product"), `<span class="t-${esc(p.temp_class)}">${esc(p.sku)} ${esc(productName(p))}</span> <span class="muted">(${esc(label(p.temp_class))})</span>`),
      fact(t("Supplier"), s ? `${esc(s.name)} <span class="muted">${esc(s.code)} · ${esc(label(s.kind))} · ${esc(s.region)}, ${esc(s.country)}</span>` : esc(t("unknown"))),
      fact(t("Origin"), o ? `${esc(o.name)} <span class="muted">${esc(o.region || "")} ${esc(o.country || "")}</span>` : null),
      fact(t("Harvested"), esc(f.harvest_date)), fact(t("Produced"), esc(f.production_date)),
      fact(t("Received"), esc(when(f.received_at))), fact(t("Expires"), esc(f.expiry_date || f.best_before)),
      fact(t("Purchase order"), esc(f.purchase_order)), fact(t("Certifications"), esc(f.certifications)),
      fact(t("Status reason"), esc(f.status_reason)),
      fact(t("Quantities"), q ? esc(t("received {received} · on hand {on_hand} · delivered {delivered} · handed over {handed_over} · scrapped {scrapped}",
        { received: num(q.received), on_hand: num(q.on_hand), delivered: num(q.delivered), handed_over: num(q.handed_over), scrapped: num(q.scrapped) })) : null),
    ].join("");
    $("facts-card").hidden = false;
  }

  function place(p) {
    if (!p) return "—";
    return `${esc(p.code)}${p.pickup_point ? ` <span class="muted">${esc(t("pickup point"))}</span>` : p.vehicle ? ` <span class="muted">${esc(t("truck"))}</span>` : ""}`;
  }

  const th = (text, cls = "") => `<th${cls ? ` class="${cls}"` : ""}>${esc(t(text))}</th>`;

  function renderTrace(tr) {
    const chips = [];
    const n = (list) => ({ n: num(list.length) });
    if (tr.orders?.length) chips.push(tr.orders.length === 1 ? t("1 order") : t("{n} orders", n(tr.orders)));
    if (tr.vehicles?.length) chips.push(tr.vehicles.length === 1 ? t("1 truck") : t("{n} trucks", n(tr.vehicles)));
    if (tr.pickup_points?.length) chips.push(tr.pickup_points.length === 1 ? t("1 pickup point") : t("{n} pickup points", n(tr.pickup_points)));
    const L = { pp: esc(t("Pickup point")), delivered: esc(t("Delivered")), handed: esc(t("Handed over")), now: esc(t("There now")),
                location: esc(t("Location")), where: esc(t("Where")), onHand: esc(t("On hand")) };
    $("reached").innerHTML = `<p>${esc(chips.length ? t("Reached {places}.", { places: chips.join(", ") }) : t("Not shipped yet: still in the warehouse."))}</p>` +
      (tr.pickup_points?.length ? `<div class="table-wrap"><table class="stack-sm"><thead><tr>${th("Pickup point")}${th("Delivered", "num")}${th("Handed over", "num")}${th("There now", "num")}</tr></thead><tbody>${
        tr.pickup_points.map((pp) => `<tr><td data-label="${L.pp}">${esc(pp.code)} ${esc(pp.name || "")}</td><td class="num" data-label="${L.delivered}">${esc(num(pp.delivered ?? ""))}</td><td class="num" data-label="${L.handed}">${esc(num(pp.handed_over ?? ""))}</td><td class="num" data-label="${L.now}">${esc(num(pp.on_hand ?? ""))}</td></tr>`).join("")}</tbody></table></div>` : "");
    $("moves").innerHTML = (tr.moves || []).map((m) => `
      <li><b>${esc(label(m.kind))}</b> ${esc(num(m.quantity))} · ${esc(when(m.at))}${m.stands === false ? ` <span class="badge warn">${esc(t("reversed"))}</span>` : ""}<br>
        <span class="muted">${place(m.from)} → ${place(m.to)}${m.order ? ` · ${esc(t("order {ref}", { ref: m.order }))}` : ""}${m.route_id ? ` · ${esc(t("route {id}", { id: m.route_id }))}` : ""}</span></li>`).join("");
    $("forward-card").hidden = false;
    $("stock").innerHTML = tr.stock?.length
      ? `<div class="table-wrap"><table class="stack-sm"><thead><tr>${th("Location")}${th("Where")}${th("On hand", "num")}</tr></thead><tbody>${
        tr.stock.map((s) => `<tr><td data-label="${L.location}">${esc(s.location)}</td><td data-label="${L.where}">${esc(s.area)} ${esc(s.warehouse || "")}</td><td class="num" data-label="${L.onHand}">${esc(num(s.on_hand))}</td></tr>`).join("")}</tbody></table></div>`
      : `<p class="muted">${esc(t("No units in stock anywhere."))}</p>`;
    $("stock-card").hidden = false;
  }

  function renderRecall(facts) {
    const r = facts.recall;
    $("recall-state").innerHTML = r
      ? `<p class="flash bad"><b>${esc(t("Recalled"))}</b> ${esc(when(r.recalled_at || r.created_at))}${r.recalled_by ? ` ${esc(t("by {name}", { name: r.recalled_by }))}` : ""}: ${esc(r.reason)}</p>`
      : `<p class="muted">${esc(t("No open recall on this lot."))}</p>`;
    $("recall-open").hidden = Boolean(r);
    $("recall-form").hidden = true;
    $("release-form").hidden = !r;
    $("recall-card").hidden = false;
  }

  /* ---- the temperature chart ---- */
  function chart(data, temp_class) {
    const pts = (data.points || []).map(([t, c]) => [Date.parse(t), c]).filter(([t]) => !isNaN(t));
    const exc = data.excursions || [];
    const band = ranges[temp_class] || [null, null];
    const W = 960, H = 300, L = 48, R = 14, T = 14, B = 42;
    if (!pts.length) return `<p class="muted">${esc(t("No readings cover the places this lot has been."))}</p>`;
    const places = (data.places || []).map((p) => ({ ...p, a: Date.parse(p.from), b: p.to ? Date.parse(p.to) : Date.now() }));
    let t0 = Math.min(pts[0][0], ...places.map((p) => p.a));
    let t1 = Math.max(pts[pts.length - 1][0], ...places.map((p) => p.b));
    if (t1 - t0 < 3600e3) { t0 -= 1800e3; t1 += 1800e3; }
    const temps = pts.map(([, c]) => c).concat(band.filter((v) => v !== null));
    let y0 = Math.floor(Math.min(...temps) - 1), y1 = Math.ceil(Math.max(...temps) + 1);
    const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
    const y = (c) => T + (1 - (c - y0) / (y1 - y0)) * (H - T - B);
    const out = [];
    // Allowed band: an open end runs to the edge of the chart.
    const bandTop = band[1] === null ? y1 : band[1], bandLow = band[0] === null ? y0 : band[0];
    out.push(`<rect class="band" x="${L}" y="${y(bandTop)}" width="${W - L - R}" height="${Math.max(0, y(bandLow) - y(bandTop))}" fill="#dcfce7"/>`);
    for (const v of band) if (v !== null) out.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#16a34a" stroke-dasharray="5 4"/>`);
    for (const e of exc) {
      const a = Math.max(t0, Date.parse(e.start)), b = Math.min(t1, e.end ? Date.parse(e.end) : t1);
      out.push(`<rect class="excursion" x="${x(a)}" y="${T}" width="${Math.max(2, x(b) - x(a))}" height="${H - T - B}" fill="#dc2626" fill-opacity=".14"><title>${esc(t("{rule}: peak {peak} °C, {minutes} min", { rule: e.rule, peak: num(e.peak_c), minutes: num(e.duration_min) }))}</title></rect>`);
    }
    // Axes and ticks.
    const step = Math.max(1, Math.round((y1 - y0) / 6));
    for (let c = Math.ceil(y0 / step) * step; c <= y1; c += step) {
      out.push(`<line x1="${L}" x2="${W - R}" y1="${y(c)}" y2="${y(c)}" stroke="#e2e8f0"/><text x="${L - 6}" y="${y(c) + 4}" text-anchor="end" font-size="11" fill="#64748b">${c}°</text>`);
    }
    const span = t1 - t0, ticks = 6;
    for (let i = 0; i <= ticks; i++) {
      const at = t0 + (span * i) / ticks, d = new Date(at);
      // On the warehouse's clock; the zone is named under the chart.
      const tick = span > 2 * 86400e3 ? `${day(d)} ${hourMinute(d)}` : hourMinute(d);
      out.push(`<text x="${x(at)}" y="${H - B + 16}" text-anchor="${i === 0 ? "start" : i === ticks ? "end" : "middle"}" font-size="11" fill="#64748b">${esc(tick)}</text>`);
    }
    // Where the lot was: a bar per place under the axis.
    places.forEach((p, i) => {
      const a = x(Math.max(t0, p.a)), b = x(Math.min(t1, p.b));
      out.push(`<rect x="${a}" y="${H - B + 24}" width="${Math.max(1, b - a)}" height="10" rx="2" fill="${i % 2 ? "#94a3b8" : "#0e7490"}"><title>${esc(p.location)}</title></rect>`);
      if (b - a > 70) out.push(`<text x="${a + 4}" y="${H - 1}" font-size="10" fill="#334155">${esc(p.location)}</text>`);
    });
    const line = pts.map(([t, c]) => `${x(t).toFixed(1)},${y(c).toFixed(1)}`).join(" ");
    out.push(`<polyline points="${line}" fill="none" stroke="#0f172a" stroke-width="1.6" stroke-linejoin="round"/>`);
    if (pts.length < 40) pts.forEach(([t, c]) => out.push(`<circle cx="${x(t)}" cy="${y(c)}" r="2.5" fill="#0f172a"/>`));
    out.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#cbd5e1"/>`);
    return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(t("Temperature history of the lot"))}">${out.join("")}</svg>`;
  }

  function sw(color, opacity = 1) {
    return `<svg class="swatch-svg" width="12" height="12" aria-hidden="true"><rect width="12" height="12" rx="2" fill="${color}" fill-opacity="${opacity}"/></svg>`;
  }

  function renderTemperature(data, temp_class) {
    const life = data.shelf_life || {};
    const band = ranges[temp_class] || [null, null];
    const bandText = band[0] === null ? `≤ ${band[1]} °C` : band[1] === null ? `≥ ${band[0]} °C` : t("{low} to {high} °C", { low: band[0], high: band[1] });
    const used = life.used_fraction !== undefined ? Math.round(life.used_fraction * 100) : null;
    $("temp-summary").innerHTML = [
      `<div class="stat"><b>${esc(bandText)}</b><span>${esc(t("allowed ({temp_class})", { temp_class: label(temp_class) }))}</span></div>`,
      `<div class="stat"><b>${esc(num(data.mkt_c ?? "—"))} °C</b><span>${esc(t("mean kinetic"))}</span></div>`,
      `<div class="stat"><b class="${used !== null && used >= 90 ? "margin-low" : ""}">${used === null ? "—" : esc(num(used / 100, { style: "percent" }))}</b><span>${esc(t("shelf life used"))}</span></div>`,
      `<div class="stat"><b>${esc(t("{n} d", { n: num(life.remaining_days ?? "—") }))}</b><span>${esc(t("shelf life left"))}</span></div>`,
      `<div class="stat"><b class="${(data.excursions || []).length ? "margin-low" : ""}">${(data.excursions || []).length}</b><span>${esc(t("excursions"))}</span></div>`,
    ].join("");
    $("temp-chart").innerHTML = chart(data, temp_class);
    $("temp-legend").innerHTML = `<span>${sw("#dcfce7")}${esc(t("allowed band"))}</span><span>${sw("#dc2626", 0.25)}${esc(t("excursion"))}</span><span>${sw("#0f172a")}${esc(t("temperature"))}</span><span>${sw("#0e7490")}${esc(t("places, in order"))}</span><span class="zone-note">${esc(t("times in {zone}", { zone: zoneLabel }))}</span>`;
    const D = { where: esc(t("Where")), rule: esc(t("Rule")), from: esc(t("From")), minutes: esc(t("Minutes")), peak: esc(t("Peak")), severity: esc(t("Severity")) };
    $("temp-excursions").innerHTML = (data.excursions || []).length
      ? `<div class="table-wrap"><table class="stack-sm"><thead><tr>${th("Where")}${th("Rule")}${th("From")}${th("Minutes", "num")}${th("Peak", "num")}${th("Severity")}</tr></thead><tbody>${
        data.excursions.map((e) => `<tr><td data-label="${D.where}">${esc(e.location)}</td><td data-label="${D.rule}">${esc(e.rule)}</td><td data-label="${D.from}">${esc(when(e.start))}</td><td class="num" data-label="${D.minutes}">${esc(num(e.duration_min))}</td><td class="num" data-label="${D.peak}">${esc(num(e.peak_c))} °C</td><td data-label="${D.severity}"><span class="badge ${esc(e.severity)}">${esc(label(e.severity))}</span></td></tr>`).join("")}</tbody></table></div>`
      : `<p class="muted">${esc(t("No excursion while this lot was there."))}</p>`;
    $("temp-card").hidden = false;
  }

  async function open(id, push) {
    current = id;
    if (push) history.replaceState(null, "", `?lot=${id}`);
    const [facts, trace, temp] = await Promise.all([
      api("GET", `/api/lots/${id}/facts`), api("GET", `/api/lots/${id}/trace`),
      api("GET", `/api/lots/${id}/temperature?max_points=600`)]);
    if (!facts.ok) { flash($("search-flash"), "bad", t("Cannot open the lot"), problemLines(facts.data)); return; }
    renderFacts(facts.data);
    renderRecall(facts.data);
    if (trace.ok) renderTrace(trace.data);
    if (temp.ok) renderTemperature(temp.data, facts.data.product.temp_class);
    else { $("temp-chart").innerHTML = `<p class="flash bad">${problemLines(temp.data).map(esc).join("<br>")}</p>`; $("temp-card").hidden = false; }
  }

  $("search").addEventListener("submit", search);
  $("recall-open").addEventListener("click", () => { $("recall-form").hidden = false; $("recall-open").hidden = true; $("recall-form").reason.focus(); });
  $("recall-cancel").addEventListener("click", () => { $("recall-form").hidden = true; $("recall-open").hidden = false; });
  $("recall-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.target;
    if (!form.sure.checked || !form.reason.value.trim()) return;
    const lotCode = $("lot-title").dataset.lot;
    if (!window.confirm(t("Recall lot {lot}? Its stock goes to quarantine now.", { lot: lotCode }))) return;
    form.querySelectorAll("button").forEach((b) => (b.disabled = true));
    const r = await api("POST", `/api/lots/${current}/recall`, { reason: form.reason.value.trim() }, { key: WMS.newKey() });
    form.querySelectorAll("button").forEach((b) => (b.disabled = false));
    if (!r.ok) { flash($("recall-flash"), "bad", t("Recall not recorded"), problemLines(r.data)); return; }
    const d = r.data;
    flash($("recall-flash"), "good", t("Lot {lot} recalled", { lot: d.lot_code }), [
      t("{n} units still in stock now held", { n: num(d.in_stock ?? 0) }), t("{n} reservations released", { n: num(d.released_reservations ?? 0) }),
      t("{n} pickup points already served", { n: num((d.pickup_points || []).length) })]);
    form.reset();
    await open(current, false);
  });

  $("release-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.target;
    const reason = form.reason.value.trim();
    if (!reason) return;
    const lotCode = $("lot-title").dataset.lot;
    if (!window.confirm(t("End the recall of lot {lot}? Its stock can be sold again.", { lot: lotCode }))) return;
    form.querySelectorAll("button").forEach((b) => (b.disabled = true));
    const r = await api("POST", `/api/lots/${current}/recall/release`, { reason }, { key: WMS.newKey() });
    form.querySelectorAll("button").forEach((b) => (b.disabled = false));
    if (!r.ok) { flash($("recall-flash"), "bad", t("Recall not ended"), problemLines(r.data)); return; }
    flash($("recall-flash"), "good", t("Recall of lot {lot} ended", { lot: r.data.lot_code }), [t("The lot is available again.")]);
    form.reset();
    await open(current, false);
  });

  if (root.dataset.lot) open(Number(root.dataset.lot), false);
  else if ($("search").q.value) search();
})();
