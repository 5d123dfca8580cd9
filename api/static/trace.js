/* Buyer trace: search lots, then one lot's origin, forward trace, stock, recall and its
   temperature history as an SVG chart with the allowed band and the excursions marked. */
"use strict";

(() => {
  const { api, problemLines, esc, when, flash, t, label, num, productName, day, hourMinute, zoneLabel, duration } = WMS;
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

  // Repacks: the lots this one was made of (back to their purchase order and farm), and
  // the lots made of it with the pickup points they reached.
  function lineage(lin) {
    if (!lin || !(lin.inputs?.length || lin.outputs?.length)) return "";
    const made = (lin.inputs || []).map((i) => `<li>${esc(t("Made from lot {lot} ({sku}) in repack {ref}; purchase order {po}",
      { lot: i.lot_code, sku: i.sku, ref: i.repack, po: i.purchase_order || "—" }))}</li>`);
    const into = (lin.outputs || []).map((o) => `<li>${esc(t("Repacked into lot {lot} ({sku}): {n} units in repack {ref}; reached {points}",
      { lot: o.lot_code, sku: o.sku, n: num(o.quantity), ref: o.repack,
        points: (o.pickup_points || []).map((pp) => pp.pickup_point).join(", ") || "—" }))}</li>`);
    return `<h3>${esc(t("Lineage"))}</h3><ul class="lineage">${[...made, ...into].join("")}</ul>`;
  }

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
        tr.pickup_points.map((pp) => `<tr><td data-label="${L.pp}">${esc(pp.code)} ${esc(pp.name || "")}</td><td class="num" data-label="${L.delivered}">${esc(num(pp.delivered ?? ""))}</td><td class="num" data-label="${L.handed}">${esc(num(pp.handed_over ?? ""))}</td><td class="num" data-label="${L.now}">${esc(num(pp.on_hand ?? ""))}</td></tr>`).join("")}</tbody></table></div>` : "") + lineage(tr.lineage);
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

  /* ---- the temperature chart ----
     Drawn at the width it is shown at (not scaled down from a desktop drawing), so its
     labels are real 12 px on a phone too. The y axis spans every reading, the allowed band
     and every excursion's peak; a silence longer than a few sampling intervals breaks the
     line instead of bridging it. */
  const CHART_FONT = 12;

  function segments(pts) {
    const steps = pts.slice(1).map(([tt], i) => tt - pts[i][0]).filter((d) => d > 0).sort((a, b) => a - b);
    const usual = steps.length ? steps[Math.floor(steps.length / 2)] : 0;
    const out = [[]];
    pts.forEach((p, i) => {
      if (i && usual && p[0] - pts[i - 1][0] > 3 * usual && out[out.length - 1].length) out.push([]);
      out[out.length - 1].push(p);
    });
    return out;
  }

  function chart(data, temp_class, width) {
    const pts = (data.points || []).map(([tt, c]) => [Date.parse(tt), c]).filter(([tt]) => !isNaN(tt));
    const events = data.events || [];
    const band = ranges[temp_class] || [null, null];
    const phone = width < 560;
    const W = Math.max(300, Math.round(width)), H = phone ? 260 : 300;
    const L = 40, R = 12, T = 16, B = 46, F = CHART_FONT;
    if (!pts.length) return `<p class="muted">${esc(t("No readings cover the places this lot has been."))}</p>`;
    const now = Date.now();
    const places = (data.places || []).map((p) => ({ ...p, a: Date.parse(p.from), b: p.to ? Date.parse(p.to) : now }));
    let t0 = Math.min(pts[0][0], ...places.map((p) => p.a));
    let t1 = Math.max(pts[pts.length - 1][0], ...places.map((p) => p.b));
    if (t1 - t0 < 3600e3) { t0 -= 1800e3; t1 += 1800e3; }
    const peaks = events.map((e) => e.peak_c).filter((v) => v !== null && v !== undefined);
    const temps = pts.map(([, c]) => c).concat(band.filter((v) => v !== null), peaks);
    const y0 = Math.floor(Math.min(...temps) - 1), y1 = Math.ceil(Math.max(...temps) + 1);
    const x = (tt) => L + ((tt - t0) / (t1 - t0)) * (W - L - R);
    const y = (c) => T + (1 - (c - y0) / (y1 - y0)) * (H - T - B);
    const out = [];
    // Allowed band: an open end runs to the edge of the chart.
    const bandTop = band[1] === null ? y1 : band[1], bandLow = band[0] === null ? y0 : band[0];
    out.push(`<rect class="band" x="${L}" y="${y(bandTop)}" width="${W - L - R}" height="${Math.max(0, y(bandLow) - y(bandTop))}" fill="#dcfce7"/>`);
    for (const v of band) if (v !== null) out.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#16a34a" stroke-dasharray="5 4"/>`);
    const marks = [];
    for (const e of events) {
      const a = Math.max(t0, Date.parse(e.start)), b = Math.min(t1, e.end ? Date.parse(e.end) : t1);
      out.push(`<rect class="excursion" x="${x(a)}" y="${T}" width="${Math.max(2, x(b) - x(a))}" height="${H - T - B}" fill="#dc2626" fill-opacity=".14"><title>${esc(t("{place}: peak {peak} °C, {duration}", { place: e.location, peak: num(e.peak_c), duration: duration(e.duration_min) }))}</title></rect>`);
      if (e.peak_c === null || e.peak_c === undefined) continue;
      // The peak's own reading when the lot's readings hold it, else the event's middle.
      const inside = pts.filter(([tt]) => tt >= a && tt <= b);
      const at = inside.length ? inside.reduce((m, p) => (e.direction === "cold" ? p[1] < m[1] : p[1] > m[1]) ? p : m)[0] : (a + b) / 2;
      const px = x(at), py = y(e.peak_c), up = e.direction !== "cold";
      const ty = up ? Math.max(T + F, py - 8) : Math.min(H - B - 4, py + F + 6);
      const anchor = px > W - R - 50 ? "end" : px < L + 50 ? "start" : "middle";
      marks.push(`<g class="peak" data-peak="${e.peak_c}"><path d="M${px - 5},${py + (up ? -9 : 9)} L${px + 5},${py + (up ? -9 : 9)} L${px},${py} Z" fill="#b91c1c"/>` +
        `<text x="${px}" y="${ty - (up ? 4 : -4)}" text-anchor="${anchor}" font-size="${F}" font-weight="600" fill="#991b1b">${esc(num(e.peak_c))} °C</text></g>`);
    }
    // Axes and ticks: about one every 40 px on the y axis, one every 110 px on the x axis.
    const niceSteps = [1, 2, 5, 10, 20, 50];
    const step = niceSteps.find((s) => (y1 - y0) / s <= Math.max(3, (H - T - B) / 40)) || 50;
    for (let c = Math.ceil(y0 / step) * step; c <= y1; c += step) {
      out.push(`<line x1="${L}" x2="${W - R}" y1="${y(c)}" y2="${y(c)}" stroke="#e2e8f0"/><text class="y-tick" x="${L - 5}" y="${y(c) + 4}" text-anchor="end" font-size="${F}" fill="#475569">${c}°</text>`);
    }
    const span = t1 - t0, ticks = Math.max(2, Math.min(6, Math.floor((W - L - R) / 110)));
    for (let i = 0; i <= ticks; i++) {
      const at = t0 + (span * i) / ticks, d = new Date(at);
      // On the warehouse's clock; the zone is named under the chart.
      const tick = span > 20 * 3600e3 ? `${day(d)} ${hourMinute(d)}` : hourMinute(d);
      out.push(`<text class="x-tick" x="${x(at)}" y="${H - B + 16}" text-anchor="${i === 0 ? "start" : i === ticks ? "end" : "middle"}" font-size="${F}" fill="#475569">${esc(tick)}</text>`);
    }
    // Where the lot was: a bar per place under the axis.
    places.forEach((p, i) => {
      const a = x(Math.max(t0, p.a)), b = x(Math.min(t1, p.b));
      out.push(`<rect x="${a}" y="${H - B + 23}" width="${Math.max(1, b - a)}" height="8" rx="2" fill="${i % 2 ? "#94a3b8" : "#0e7490"}"><title>${esc(p.location)}</title></rect>`);
      if (b - a > 9 * p.location.length) out.push(`<text x="${a + 3}" y="${H - 2}" font-size="${F - 1}" fill="#334155">${esc(p.location)}</text>`);
    });
    for (const seg of segments(pts)) {
      if (seg.length === 1) out.push(`<circle class="reading-dot" cx="${x(seg[0][0])}" cy="${y(seg[0][1])}" r="3" fill="#0f172a"/>`);
      else out.push(`<polyline class="reading-line" points="${seg.map(([tt, c]) => `${x(tt).toFixed(1)},${y(c).toFixed(1)}`).join(" ")}" fill="none" stroke="#0f172a" stroke-width="1.6" stroke-linejoin="round"/>`);
    }
    out.push(...marks);
    out.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#cbd5e1"/>`);
    return `<svg class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" data-y-min="${y0}" data-y-max="${y1}" data-points="${pts.length}" role="img" aria-label="${esc(t("Temperature history of the lot"))}">${out.join("")}</svg>`;
  }

  function sw(color, opacity = 1) {
    return `<svg class="swatch-svg" width="12" height="12" aria-hidden="true"><rect width="12" height="12" rx="2" fill="${color}" fill-opacity="${opacity}"/></svg>`;
  }

  let shown = null;  // what the chart draws, to draw it again at a new width

  function drawChart() {
    if (!shown) return;
    const box = $("temp-chart");
    box.innerHTML = chart(shown.data, shown.temp_class, box.clientWidth || 960);
  }
  let resizing = null;
  window.addEventListener("resize", () => { clearTimeout(resizing); resizing = setTimeout(drawChart, 150); });

  function renderTemperature(data, temp_class) {
    const life = data.shelf_life || {};
    const band = ranges[temp_class] || [null, null];
    const bandText = band[0] === null ? `≤ ${band[1]} °C` : band[1] === null ? `≥ ${band[0]} °C` : t("{low} to {high} °C", { low: band[0], high: band[1] });
    const used = life.used_fraction !== undefined ? Math.round(life.used_fraction * 100) : null;
    const events = data.events || [];
    const share = life.measured_share ?? 0;
    const hours = (h) => (h >= 72 ? t("{n} d", { n: num(Math.round(h / 24)) }) : t("{n} h", { n: num(Math.round(h)) }));
    const partly = share < 0.995;
    $("temp-summary").innerHTML = [
      `<div class="stat"><b>${esc(bandText)}</b><span>${esc(t("allowed ({temp_class})", { temp_class: label(temp_class) }))}</span></div>`,
      `<div class="stat"><b>${esc(num(data.mkt_c ?? "—"))} °C</b><span>${esc(t("mean kinetic"))}</span></div>`,
      `<div class="stat"><b class="${used !== null && used >= 90 ? "margin-low" : ""}">${used === null ? "—" : esc(num(used / 100, { style: "percent" }))}</b><span>${esc(partly ? t("shelf life used (unmeasured time at the reference temperature)") : t("shelf life used"))}</span></div>`,
      `<div class="stat"><b>${esc(t("{n} d", { n: num(life.remaining_days ?? "—") }))}</b><span>${esc(t("shelf life left"))}</span></div>`,
      `<div class="stat"><b class="${events.length ? "margin-low" : ""}">${events.length}</b><span>${esc(t("excursions"))}</span></div>`,
    ].join("");
    $("temp-coverage").textContent = life.lot_h
      ? t("Temperature measured for {share} of the lot's {time}.", { share: num(share, { style: "percent" }), time: hours(life.lot_h) }) +
        (partly ? ` ${t("Shelf life for the rest is reckoned at the product's reference temperature of {ref} °C, not measured.", { ref: num(life.reference_c) })}` : "")
      : "";
    shown = { data, temp_class };
    $("temp-card").hidden = false;
    drawChart();
    $("temp-legend").innerHTML = `<span>${sw("#dcfce7")}${esc(t("allowed band"))}</span><span>${sw("#dc2626", 0.25)}${esc(t("excursion"))}</span><span>${sw("#b91c1c")}${esc(t("peak"))}</span><span>${sw("#0f172a")}${esc(t("temperature"))}</span><span>${sw("#0e7490")}${esc(t("places, in order"))}</span><span class="zone-note">${esc(t("times in {zone}", { zone: zoneLabel }))}</span>`;
    const D = { where: esc(t("Where")), from: esc(t("From")), lasted: esc(t("Lasted")), peak: esc(t("Peak")), severity: esc(t("Severity")), rules: esc(t("Rules")) };
    $("temp-excursions").innerHTML = events.length
      ? `<div class="table-wrap"><table class="stack-sm excursion-events"><thead><tr>${th("Where")}${th("From")}${th("Lasted", "num")}${th("Peak", "num")}${th("Severity")}${th("Rules")}</tr></thead><tbody>${
        events.map((e) => `<tr><td data-label="${D.where}">${esc(e.location)}</td><td data-label="${D.from}">${esc(when(e.start))}</td><td class="num" data-label="${D.lasted}">${esc(duration(e.duration_min))}${e.end ? "" : ` <span class="badge warn">${esc(t("still going"))}</span>`}</td><td class="num" data-label="${D.peak}">${esc(num(e.peak_c))} °C</td><td data-label="${D.severity}"><span class="badge ${esc(e.severity)}">${esc(label(e.severity))}</span></td><td data-label="${D.rules}" class="muted">${esc(e.rules.join(", "))}</td></tr>`).join("")}</tbody></table></div>`
      : `<p class="muted">${esc(t("No excursion while this lot was there."))}</p>`;
  }

  let opening = null; // the lot being read: "Open" on it again must not redraw a form being filled
  let reads = 0;
  // ``fresh``: read again after a change (a recall, its end) even while an earlier read of
  // the same lot is under way; only the newest read is drawn, so the change always shows.
  async function open(id, push, fresh = false) {
    if (opening === id && !fresh) return;
    opening = id;
    current = id;
    const read = ++reads;
    if (push) history.replaceState(null, "", `?lot=${id}`);
    const [facts, trace, temp] = await Promise.all([
      api("GET", `/api/lots/${id}/facts`), api("GET", `/api/lots/${id}/trace`),
      api("GET", `/api/lots/${id}/temperature?max_points=600`)]).finally(() => { if (read === reads) opening = null; });
    if (read !== reads) return;
    if (!facts.ok) { flash($("search-flash"), "bad", t("Cannot open the lot"), problemLines(facts.data)); return; }
    renderFacts(facts.data);
    renderRecall(facts.data);
    document.dispatchEvent(new CustomEvent("wms:lot-opened", { detail: facts.data }));
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
    await open(current, false, true);
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
    await open(current, false, true);
  });

  if (root.dataset.lot) open(Number(root.dataset.lot), false);
  else if ($("search").q.value) search();
})();
