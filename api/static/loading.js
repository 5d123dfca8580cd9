/* Loading dock: per truck, what goes in which compartment, picked and loaded or not,
   read from /api/routes/<id>/loading; "Load" scans an order's picked goods aboard. */
"use strict";

(() => {
  const { api, newKey, problemLines, esc, flash, t, label, num } = WMS;

  function state(ln) {
    if (ln.loaded >= ln.planned) return `<span class="line-state loaded">${esc(t("Loaded"))}</span>`;
    if (ln.picked > 0) return `<span class="line-state">${esc(t("Picked, waiting at the dock"))}</span>`;
    return `<span class="line-state missing">${esc(t("Not picked yet"))}</span>`;
  }

  function render(card, data) {
    card.querySelector("[data-route-status]").textContent = label(data.status);
    card.querySelector("[data-route-status]").className = `badge ${data.status}`;
    card.querySelector("[data-compartments]").innerHTML = data.compartments.map((c) =>
      `<div class="stat"><b class="${c.missing ? "margin-low" : ""}">${esc(num(c.loaded))} / ${esc(num(c.planned))}</b>` +
      `<span class="t-${esc(c.temp_class)}">${esc(label(c.temp_class))}${c.compartment ? ` · ${esc(c.compartment)}` : ""}</span></div>`).join("");
    const rows = [];
    const stops = [...data.stops].reverse();
    stops.forEach((stop) => {
      const loadable = new Set(stop.lines.filter((ln) => ln.picked > 0 && ln.loaded < ln.planned).map((ln) => ln.order));
      const shown = new Set();
      stop.lines.forEach((ln) => {
        const button = loadable.has(ln.order) && !shown.has(ln.order)
          ? `<button type="button" class="primary small" data-load="${esc(ln.order)}">${esc(t("Load"))}</button>` : "";
        shown.add(ln.order);
        rows.push(`<tr><td data-label="${esc(t("Stop"))}">${esc(stop.seq)} · ${esc(stop.pickup_point)}</td>
          <td data-label="${esc(t("Order"))}">${esc(ln.order)}</td>
          <td data-label="${esc(t("Product"))}">${esc(ln.product)} <span class="muted">${esc(ln.sku)}</span></td>
          <td data-label="${esc(t("Compartment"))}"><span class="t-${esc(ln.temp_class)}">${esc(ln.compartment || label(ln.temp_class))}</span></td>
          <td class="num" data-label="${esc(t("Planned"))}">${esc(num(ln.planned))}</td>
          <td class="num ${ln.loaded >= ln.planned ? "loaded" : "missing"}" data-label="${esc(t("Loaded"))}">${esc(num(ln.loaded))}</td>
          <td data-label="${esc(t("State"))}">${state(ln)}</td><td>${button}</td></tr>`);
      });
    });
    card.querySelector("[data-lines]").innerHTML = rows.length
      ? `<div class="table-wrap" tabindex="0" role="region" aria-label="${esc(t("What goes on the truck"))}"><table class="stack-sm load-table"><thead><tr><th>${esc(t("Stop"))}</th><th>${esc(t("Order"))}</th><th>${esc(t("Product"))}</th><th>${esc(t("Compartment"))}</th><th class="num">${esc(t("Planned"))}</th><th class="num">${esc(t("Loaded"))}</th><th>${esc(t("State"))}</th><th><span class="sr-only">${esc(t("Action"))}</span></th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`
      : `<p class="muted">${esc(t("Nothing to load on this route."))}</p>`;
    card.querySelectorAll("[data-load]").forEach((b) => b.addEventListener("click", () => load(card, b)));
  }

  async function load(card, button) {
    const box = card.querySelector(".flash");
    const order = button.dataset.load;
    const key = newKey();
    card.querySelectorAll("[data-load]").forEach((b) => (b.disabled = true));
    const r = await api("POST", `/api/routes/${card.dataset.route}/loading`, { order }, {
      key, onRetry: (n) => flash(box, "info", t("No connection, trying again ({n})", { n }), []),
    });
    if (r.ok) {
      flash(box, "good", t("Order {order} loaded", { order }), []);
      render(card, r.data);
    } else {
      flash(box, "bad", t("Order {order} not loaded", { order }), problemLines(r.data));
      card.querySelectorAll("[data-load]").forEach((b) => (b.disabled = false));
    }
  }

  document.querySelectorAll("[data-route]").forEach(async (card) => {
    const r = await api("GET", `/api/routes/${card.dataset.route}/loading`);
    if (r.ok) render(card, r.data);
    else flash(card.querySelector(".flash"), "bad", t("Cannot read the loading status"), problemLines(r.data));
    card.removeAttribute("aria-busy");
  });
})();
