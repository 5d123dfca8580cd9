/* Driver manifest: confirm each stop as delivered in full, or mark the lines that had a
   problem (short, refused or damaged units and the reason). Goods that were never loaded
   cannot be delivered: the page says so before sending. A confirmation carries an
   Idempotency-Key and is retried with the same key when the phone loses its connection,
   so it is recorded once. */
"use strict";

(() => {
  const { api, newKey, problemLines, flash, t, label } = WMS;
  const route = document.getElementById("route")?.dataset.route;
  if (!route) return;

  const lineOf = (card, order, line) =>
    card.querySelector(`.handover li[data-order="${CSS.escape(order)}"][data-line="${line}"]`);

  function openProblem(li) {
    const row = li.querySelector(".exc-row");
    if (!row) return;
    row.hidden = false;
    const button = li.querySelector("[data-problem]");
    if (button) button.hidden = true;
    li.closest("[data-stop]").querySelector("[data-confirm]").textContent = t("Confirm stop");
  }

  /* Lines whose lot is held, recalled, spoiled or past its date are marked, and set to be
     reported as refused: the goods ride back and are returned at the warehouse. */
  api("GET", `/api/manifests/${route}`).then((r) => {
    if (!r.ok) return;
    r.data.stops.forEach((stop) => stop.lines.forEach((ln) => {
      if (!ln.do_not_hand_over) return;
      const card = document.querySelector(`[data-stop="${stop.seq}"]`);
      const li = card && lineOf(card, ln.order, ln.line);
      if (!li) return;
      const mark = document.createElement("div");
      mark.className = "do-not-mark";
      mark.textContent = t("Do not hand over: {reason}", { reason: ln.reason });
      li.insertBefore(mark, li.querySelector(".exc-row"));
      const row = li.querySelector(".exc-row");
      if (!row) return;
      openProblem(li);
      row.querySelector('[name="kind"]').value = "refused";
      row.querySelector('[name="quantity"]').value = li.dataset.qty;
      row.querySelector('[name="reason"]').value = ln.reason.slice(0, 500);
    }));
  });

  /* The API names a line by its index in the request (lines[2]) or by order and line
     number (lines[ORDER:1]); people know it by its product. */
  function readable(data, card, sent) {
    const errors = data?.errors;
    if (!errors || typeof errors !== "object") return problemLines(data);
    const out = [];
    const walk = (value, name) => {
      if (Array.isArray(value)) value.forEach((v) => (typeof v === "object" ? walk(v, name) : out.push(`${name}: ${v}`)));
      else if (value && typeof value === "object") Object.entries(value).forEach(([k, v]) => walk(v, k === "json" ? name : k));
    };
    walk(errors, "");
    return out.map((text) => {
      const m = text.match(/^lines\[(?:(\d+)|(.+):(\d+))\][^:]*: (.*)$/s);
      if (!m) return text.replace(/^: /, "");
      const item = m[1] !== undefined ? sent[Number(m[1])] : { order: m[2], line: Number(m[3]) };
      const li = item && lineOf(card, item.order, item.line);
      const message = m[4];
      if (!li) return message;
      return message.includes(li.dataset.product) ? message : `${li.dataset.product}: ${message}`;
    });
  }

  document.querySelectorAll("[data-stop]").forEach((card) => {
    const seq = card.dataset.stop;
    const box = card.querySelector(".flash");
    const confirm = card.querySelector("[data-confirm]");
    if (!confirm) return;
    let key = null;

    card.querySelectorAll("[data-problem]").forEach((b) => b.addEventListener("click", () => openProblem(b.closest("li"))));

    confirm.addEventListener("click", async () => {
      const lines = [];
      const wrong = [];
      card.querySelectorAll(".handover li").forEach((li) => {
        const product = li.dataset.product;
        const planned = Number(li.dataset.qty);
        const loaded = Number(li.dataset.loaded);
        const row = li.querySelector(".exc-row");
        const kind = row && !row.hidden ? row.querySelector('[name="kind"]').value : "";
        const quantity = kind ? Number(row.querySelector('[name="quantity"]').value) : 0;
        const reason = kind ? row.querySelector('[name="reason"]').value.trim() : "";
        if (kind && (!quantity || quantity > planned)) wrong.push(t("{product}: enter how many units were {kind} (1 to {most}).", { product, kind: label(kind), most: planned }));
        if (kind && !reason) wrong.push(t("{product}: say what happened.", { product }));
        // Short units never left the warehouse; everything else must be on the truck.
        const aboardNeeded = kind === "short" ? planned - quantity : planned;
        if (aboardNeeded > loaded) {
          wrong.push(loaded === 0
            ? t("{product}: this line was not loaded onto the truck, so it cannot be delivered. Ask the warehouse to load it, or mark it as a problem and report the {n} units as short.", { product, n: planned })
            : t("{product}: only {loaded} of {planned} units were loaded onto the truck. Ask the warehouse to load the rest, or mark the line as a problem and report {n} units as short.", { product, loaded, planned, n: planned - loaded }));
        }
        if (kind) lines.push({ order: li.dataset.order, line: Number(li.dataset.line), exceptions: [{ kind, quantity, reason }] });
      });
      if (wrong.length) { flash(box, "bad", t("Not sent"), wrong); return; }
      // One key per confirmation attempt the driver makes; network retries reuse it.
      key = key || newKey();
      confirm.disabled = true;
      const r = await api("POST", `/api/routes/${route}/stops/${seq}/deliveries`, { lines }, {
        key, onRetry: (n) => flash(box, "info", t("No signal — retrying ({n})…", { n }), []),
      });
      if (r.ok) {
        key = null;
        flash(box, "good", r.data.stop_status === "delivered" ? t("Stop confirmed") : t("Stop confirmed with exceptions"), []);
        setTimeout(() => window.location.reload(), 700);
      } else {
        if (!r.network) key = null;
        flash(box, "bad", r.network ? t("No connection — not confirmed yet") : t("Not confirmed"), readable(r.data, card, lines));
        confirm.disabled = false;
      }
    });
  });
})();
