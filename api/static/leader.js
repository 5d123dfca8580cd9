/* The group leader's phone page: the trucks coming today and the receipt of what each
   delivered (confirmed, or disputed per line with the count, a note and a photo); handover
   by the resident's pickup code, all of an order or part of it; what is left at the end of
   the day, written off or sent back; what is stored here and how long out of the cold; the
   day-end count and the day report. Every write goes through the pickup point API. */
"use strict";

(() => {
  const { api, newKey, problemLines, flash, esc, t, label, num, when } = WMS;
  const box = document.getElementById("point");
  if (!box) return;
  const point = box.dataset.point, day = box.dataset.date;
  const base = `/api/pickup-points/${encodeURIComponent(point)}`;
  const q = `?date=${day}`;
  const zh = WMS.lang === "zh";
  const named = (en, other) => (zh && other ? other : en);
  let orders = [];

  const refused = (el, r) => flash(el, "bad", r.data?.title || t("The request was refused."), problemLines(r.data));

  // --- arrivals and receipt --------------------------------------------------------------
  function arrivalCard(a) {
    const progress = t("{done} of {before} stops before yours done", { done: a.stops_done_before, before: a.stops_before });
    const waiting = a.delivered > 0 && !a.receipt;
    const lines = a.lines.map((ln) => `
      <li data-order="${esc(ln.order)}" data-line="${ln.line}" data-delivered="${ln.delivered}">
        <span><span class="t-${esc(ln.temp_class)}">●</span> ${esc(named(ln.product, ln.product_zh))}</span>
        <span class="qty">${num(ln.delivered)} / ${num(ln.planned)}</span>
        <span class="sub">${esc(ln.order)}/${ln.line} · ${esc(ln.sku)}</span>
        ${waiting && ln.delivered ? `<label class="received">${esc(t("Units received"))}
          <input type="number" name="received" min="0" max="${ln.delivered}" value="${ln.delivered}" inputmode="numeric"></label>
          <label class="reason">${esc(t("Note"))} <input name="note" maxlength="500"></label>` : ""}
      </li>`).join("");
    return `<article class="stop-card" data-route="${a.route_id}">
      <header>
        <div class="stop-seq">${a.seq}</div>
        <div><b>${esc(a.vehicle)}</b> <span class="muted small">${esc(a.plate)}</span>
          <div class="addr">${esc(a.driver || "")} · ${esc(progress)}</div></div>
        <div class="eta"><b>${esc(a.eta)}</b><span class="muted small">${esc(a.window)}</span></div>
      </header>
      <div class="stop-body">
        <p><span class="badge ${esc(a.stop_status)}">${esc(label(a.stop_status))}</span>
          ${a.receipt ? `<span class="badge ${esc(a.receipt)}" data-receipt>${esc(label(a.receipt))}</span>` : ""}
          <span class="muted small">${esc(t("{n} units delivered", { n: a.delivered }))}</span></p>
        <ul class="handover">${lines}</ul>
        ${waiting ? `<label>${esc(t("Note for the warehouse"))} <input name="receipt-note" maxlength="1000"></label>
          <label>${esc(t("Photo"))} <input type="file" name="photo" accept="image/jpeg,image/png" capture="environment"></label>
          <div class="flash" hidden></div>
          <div class="stop-actions"><button type="button" class="good" data-receive>${esc(t("Confirm receipt"))}</button></div>` : ""}
        ${a.delivered === 0 ? `<p class="muted small">${esc(t("Not delivered yet."))}</p>` : ""}
      </div></article>`;
  }

  /* A phone photo scaled to at most 1280 px, as a JPEG data: URL the API stores. */
  function photoOf(input) {
    const file = input?.files?.[0];
    if (!file) return Promise.resolve(null);
    return new Promise((resolve) => {
      const reader = new FileReader();
      reader.onload = () => {
        const img = new Image();
        img.onload = () => {
          const scale = Math.min(1, 1280 / Math.max(img.width, img.height));
          const canvas = document.createElement("canvas");
          canvas.width = Math.round(img.width * scale);
          canvas.height = Math.round(img.height * scale);
          canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
          resolve(canvas.toDataURL("image/jpeg", 0.8));
        };
        img.onerror = () => resolve(reader.result);
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }

  async function loadArrivals() {
    const el = document.getElementById("arrivals");
    const r = await api("GET", `${base}/arrivals${q}`);
    if (!r.ok) { el.innerHTML = `<div class="flash bad"></div>`; refused(el.firstChild, r); return; }
    el.innerHTML = r.data.length ? r.data.map(arrivalCard).join("")
      : `<p class="muted">${esc(t("No truck comes here on this day."))}</p>`;
    el.querySelectorAll("[data-receive]").forEach((button) => {
      const card = button.closest("[data-route]");
      const note = card.querySelector('[name="receipt-note"]');
      const msg = card.querySelector(".flash");
      let key = null;
      button.addEventListener("click", async () => {
        const lines = [];
        card.querySelectorAll("li[data-order]").forEach((li) => {
          const input = li.querySelector('[name="received"]');
          if (!input) return;
          const got = Number(input.value);
          if (got < Number(li.dataset.delivered)) {
            lines.push({ order: li.dataset.order, line: Number(li.dataset.line), received: got,
                         note: li.querySelector('[name="note"]').value });
          }
        });
        const body = { route_id: Number(card.dataset.route), lines, note: note.value,
                       photo: await photoOf(card.querySelector('[name="photo"]')) };
        key = key || newKey();
        button.disabled = true;
        const resp = await api("POST", `${base}/receipts`, body, { key });
        button.disabled = false;
        if (!resp.ok) { refused(msg, resp); return; }
        key = null;
        await refresh();
      });
    });
  }

  // --- orders and handover ----------------------------------------------------------------
  function orderRow(o) {
    const lines = o.lines.map((ln) => `${esc(named(ln.product, ln.product_zh))} ${num(ln.here)}/${num(ln.quantity)}`).join(" · ");
    return `<li data-order="${esc(o.order)}">
      <span><b>${esc(o.order)}</b> <span class="badge ${esc(o.status)}">${esc(label(o.status))}</span></span>
      <span class="code" data-code hidden>${esc(o.pickup_code || "")}</span>
      <button type="button" class="small" data-show>${esc(t("Show code"))}</button>
      <span class="sub">${lines}</span></li>`;
  }

  async function loadOrders() {
    const el = document.getElementById("orders");
    const r = await api("GET", `${base}/orders${q}`);
    if (!r.ok) return;
    orders = r.data;
    el.innerHTML = orders.length ? `<section class="card"><ul class="handover">${orders.map(orderRow).join("")}</ul></section>`
      : `<p class="muted">${esc(t("No orders for this day."))}</p>`;
    el.querySelectorAll("[data-show]").forEach((b) => b.addEventListener("click", () => {
      const code = b.parentElement.querySelector("[data-code]");
      code.hidden = !code.hidden;
      b.textContent = code.hidden ? t("Show code") : t("Hide code");
    }));
  }

  const codeForm = document.getElementById("code-form");
  const codeInput = document.getElementById("code");
  const chosen = document.getElementById("handover-order");
  const handoverMsg = document.getElementById("handover-flash");
  let handoverKey = null;

  async function handOver(code, lines) {
    handoverKey = handoverKey || newKey();
    const body = lines ? { code, lines } : { code };
    const r = await api("POST", `${base}/handovers`, body, { key: handoverKey });
    if (!r.ok) {
      if (r.status === 404) handoverKey = null;  // a wrong code: the next try is a new one
      refused(handoverMsg, r);
      return;
    }
    handoverKey = null;
    const units = r.data.moves.reduce((n, m) => n + m.quantity, 0);
    flash(handoverMsg, "good", t("Order {order}: {n} units handed over.", { order: r.data.order.external_ref, n: units }));
    chosen.innerHTML = "";
    codeInput.value = "";
    await refresh();
  }

  codeForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const code = codeInput.value.replace(/\D/g, "");
    const order = orders.find((o) => o.pickup_code === code);
    handoverMsg.hidden = true;
    if (!order) { await handOver(code, null); return; }  // the server says what is wrong
    chosen.innerHTML = `<ul class="handover">${order.lines.filter((ln) => ln.here > 0).map((ln) => `
      <li data-line="${ln.line}"><span>${esc(named(ln.product, ln.product_zh))}</span>
        <label>${esc(t("Units"))} <input type="number" name="quantity" min="0" max="${ln.here}" value="${ln.here}" inputmode="numeric"></label>
        <span class="sub">${esc(order.order)}/${ln.line} · ${esc(ln.sku)}</span></li>`).join("")}</ul>
      <div class="stop-actions"><button type="button" class="good" data-hand>${esc(t("Hand over"))}</button></div>`;
    chosen.querySelector("[data-hand]").addEventListener("click", () => {
      const lines = [];
      let all = true;
      chosen.querySelectorAll("li[data-line]").forEach((li) => {
        const input = li.querySelector("input");
        const qty = Number(input.value);
        if (qty < Number(input.max)) all = false;
        if (qty > 0) lines.push({ line: Number(li.dataset.line), quantity: qty });
      });
      if (!lines.length) { flash(handoverMsg, "bad", t("Nothing to hand over.")); return; }
      handOver(code, all ? null : lines);
    });
  });

  // --- what is left, stored, counted --------------------------------------------------------
  async function loadLeft() {
    const el = document.getElementById("left-lines");
    const msg = document.getElementById("left-flash");
    const r = await api("GET", `${base}/uncollected${q}`);
    if (!r.ok) return;
    if (!r.data.length) { el.innerHTML = `<p class="muted">${esc(t("Nothing is left to collect."))}</p>`; return; }
    el.innerHTML = `<ul class="handover">${r.data.map((e) => `
      <li data-order="${esc(e.order)}" data-line="${e.line}">
        <span><span class="t-${esc(e.temp_class)}">●</span> ${esc(named(e.product, e.product_zh))}</span>
        <span class="qty">${num(e.quantity)}</span>
        <span class="sub">${esc(e.order)}/${e.line} · ${esc(e.lot)}</span>
        <label class="reason">${esc(t("Reason"))} <input name="reason" maxlength="500"></label>
        <button type="button" class="small bad" data-write-off>${esc(t("Write off"))}</button></li>`).join("")}</ul>
      <label>${esc(t("Why it goes back"))} <input name="return-reason" maxlength="500"></label>
      <div class="stop-actions"><button type="button" data-return-all>${esc(t("Send the rest back"))}</button></div>`;
    el.querySelectorAll("[data-write-off]").forEach((b) => b.addEventListener("click", async () => {
      const li = b.closest("li");
      const body = { date: day, reason: li.querySelector('[name="reason"]').value,
                     lines: [{ order: li.dataset.order, line: Number(li.dataset.line) }] };
      const resp = await api("POST", `${base}/write-offs`, body, { key: newKey() });
      if (!resp.ok) { refused(msg, resp); return; }
      flash(msg, "good", t("Written off: {n} units.", { n: resp.data.reduce((n, m) => n + m.quantity, 0) }));
      await refresh();
    }));
    el.querySelector("[data-return-all]").addEventListener("click", async () => {
      const resp = await api("POST", `${base}/return-requests`,
                             { date: day, reason: el.querySelector('[name="return-reason"]').value });
      if (!resp.ok) { refused(msg, resp); return; }
      flash(msg, "good", t("{n} units wait here for the warehouse to fetch them.", { n: resp.data.reduce((n, x) => n + x.quantity, 0) }));
      await refresh();
    });
  }

  async function loadStorage() {
    const el = document.getElementById("storage");
    const r = await api("GET", `${base}/storage`);
    if (!r.ok) return;
    el.innerHTML = r.data.length ? `<section class="card"><ul class="handover">${r.data.map((s) => `
      <li><span><span class="t-${esc(s.temp_class)}">●</span> ${esc(named(s.product, s.product_zh))}</span>
        <span class="qty">${num(s.on_hand)}</span>
        <span class="sub">${esc(s.lot)} · ${esc(label(s.temp_class))} · ${esc(t("here since {when}", { when: when(s.since) }))}
        ${s.kept_cold ? "" : `<b class="margin-low"> · ${esc(t("out of the cold for {h} h", { h: num(s.hours_out_of_cold, { maximumFractionDigits: 1 }) }))}</b>`}</span></li>`).join("")}</ul></section>`
      : `<p class="muted">${esc(t("Nothing is stored here."))}</p>`;
    return r.data;
  }

  function showCount(stored) {
    const el = document.getElementById("count-lines");
    const msg = document.getElementById("count-flash");
    const bySku = {};
    (stored || []).forEach((s) => {
      bySku[s.sku] = bySku[s.sku] || { sku: s.sku, name: named(s.product, s.product_zh), on_hand: 0 };
      bySku[s.sku].on_hand += s.on_hand;
    });
    const rows = Object.values(bySku);
    el.innerHTML = `<ul class="handover">${rows.map((p) => `
      <li data-sku="${esc(p.sku)}"><span>${esc(p.name)} <span class="muted small">${esc(p.sku)}</span></span>
        <label>${esc(t("Counted"))} <input type="number" name="counted" min="0" value="${p.on_hand}" inputmode="numeric"></label></li>`).join("")}</ul>
      <div class="stop-actions"><button type="button" data-count>${esc(t("Record the count"))}</button></div>`;
    el.querySelector("[data-count]").addEventListener("click", async () => {
      const lines = [...el.querySelectorAll("li[data-sku]")].map((li) => ({
        sku: li.dataset.sku, counted: Number(li.querySelector("input").value) }));
      const r = await api("POST", `${base}/counts`, { date: day, lines });
      if (!r.ok) { refused(msg, r); return; }
      const off = r.data.filter((c) => c.difference !== 0);
      flash(msg, off.length ? "info" : "good", off.length ? t("Count recorded; {n} products differ.", { n: off.length }) : t("Count recorded; it agrees."));
      await loadReport();
    });
  }

  async function loadReport() {
    const el = document.getElementById("report");
    const r = await api("GET", `${base}/day-report${q}`);
    if (!r.ok) return;
    const cols = [["delivered", t("Delivered")], ["received", t("Units received")], ["collected", t("Collected")],
                  ["written_off", t("Written off")], ["returned", t("Sent back")], ["left", t("Left")],
                  ["difference", t("Count difference")]];
    el.innerHTML = `<div class="table-wrap"><table class="stack-sm" id="report-table">
      <thead><tr><th>${esc(t("Product"))}</th>${cols.map(([, h]) => `<th class="num">${esc(h)}</th>`).join("")}</tr></thead>
      <tbody>${r.data.lines.map((ln) => `<tr data-sku="${esc(ln.sku)}"><td>${esc(named(ln.product, ln.product_zh))}</td>
        ${cols.map(([k, h]) => `<td class="num" data-label="${esc(h)}" data-k="${k}">${ln[k] === null ? "—" : num(ln[k])}</td>`).join("")}</tr>`).join("")}</tbody>
      <tfoot><tr><th>${esc(t("Total"))}</th>${cols.map(([k]) => `<th class="num" data-total="${k}">${k in r.data.totals ? num(r.data.totals[k]) : ""}</th>`).join("")}</tr></tfoot>
    </table></div>`;
  }

  async function refresh() {
    await Promise.all([loadArrivals(), loadOrders(), loadLeft(), loadReport(),
                       loadStorage().then(showCount)]);
  }
  refresh();
})();
