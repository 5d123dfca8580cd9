/* Loading dock: per truck, what goes in which compartment, picked and loaded or not,
   read from /api/routes/<id>/loading; "Load" scans an order's picked goods aboard. */
"use strict";

(() => {
  const { api, newKey, problemLines, esc, flash } = WMS;

  function state(ln) {
    if (ln.loaded >= ln.planned) return `<span class="line-state loaded">Loaded</span>`;
    if (ln.picked > 0) return `<span class="line-state">Picked, waiting at the dock</span>`;
    return `<span class="line-state missing">Not picked yet</span>`;
  }

  function render(card, data) {
    card.querySelector("[data-route-status]").textContent = data.status;
    card.querySelector("[data-route-status]").className = `badge ${data.status}`;
    card.querySelector("[data-compartments]").innerHTML = data.compartments.map((c) =>
      `<div class="stat"><b class="${c.missing ? "margin-low" : ""}">${esc(c.loaded)} / ${esc(c.planned)}</b>` +
      `<span class="t-${esc(c.temp_class)}">${esc(c.temp_class)}${c.compartment ? ` · ${esc(c.compartment)}` : ""}</span></div>`).join("");
    const rows = [];
    const stops = [...data.stops].reverse();
    stops.forEach((stop) => {
      const loadable = new Set(stop.lines.filter((ln) => ln.picked > 0 && ln.loaded < ln.planned).map((ln) => ln.order));
      const shown = new Set();
      stop.lines.forEach((ln) => {
        const button = loadable.has(ln.order) && !shown.has(ln.order)
          ? `<button type="button" class="primary small" data-load="${esc(ln.order)}">Load</button>` : "";
        shown.add(ln.order);
        rows.push(`<tr><td data-label="Stop">${esc(stop.seq)} · ${esc(stop.pickup_point)}</td>
          <td data-label="Order">${esc(ln.order)}</td>
          <td data-label="Product">${esc(ln.product)} <span class="muted">${esc(ln.sku)}</span></td>
          <td data-label="Compartment"><span class="t-${esc(ln.temp_class)}">${esc(ln.compartment || ln.temp_class)}</span></td>
          <td class="num" data-label="Planned">${esc(ln.planned)}</td>
          <td class="num ${ln.loaded >= ln.planned ? "loaded" : "missing"}" data-label="Loaded">${esc(ln.loaded)}</td>
          <td data-label="State">${state(ln)}</td><td>${button}</td></tr>`);
      });
    });
    card.querySelector("[data-lines]").innerHTML = rows.length
      ? `<div class="table-wrap"><table class="stack-sm load-table"><thead><tr><th>Stop</th><th>Order</th><th>Product</th><th>Compartment</th><th class="num">Planned</th><th class="num">Loaded</th><th>State</th><th></th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`
      : `<p class="muted">Nothing to load on this route.</p>`;
    card.querySelectorAll("[data-load]").forEach((b) => b.addEventListener("click", () => load(card, b)));
  }

  async function load(card, button) {
    const box = card.querySelector(".flash");
    const order = button.dataset.load;
    const key = newKey();
    card.querySelectorAll("[data-load]").forEach((b) => (b.disabled = true));
    const r = await api("POST", `/api/routes/${card.dataset.route}/loading`, { order }, {
      key, onRetry: (n) => flash(box, "info", `No connection, trying again (${n})`, []),
    });
    if (r.ok) {
      flash(box, "good", `Order ${order} loaded`, []);
      render(card, r.data);
    } else {
      flash(box, "bad", `Order ${order} not loaded`, problemLines(r.data));
      card.querySelectorAll("[data-load]").forEach((b) => (b.disabled = false));
    }
  }

  document.querySelectorAll("[data-route]").forEach(async (card) => {
    const r = await api("GET", `/api/routes/${card.dataset.route}/loading`);
    if (r.ok) render(card, r.data);
    else flash(card.querySelector(".flash"), "bad", "Cannot read the loading status", problemLines(r.data));
  });
})();
