/* Driver manifest: confirm each stop as delivered in full, or with short, refused or
   damaged units and the reason. A confirmation carries an Idempotency-Key and is retried
   with the same key when the phone loses its connection, so it is recorded once. */
"use strict";

(() => {
  const { api, newKey, problemLines, flash, t, label } = WMS;
  const route = document.getElementById("route")?.dataset.route;
  if (!route) return;

  /* Lines whose lot is held, recalled, spoiled or past its date are marked, and set to be
     reported as refused: the goods ride back and are returned at the warehouse. */
  api("GET", `/api/manifests/${route}`).then((r) => {
    if (!r.ok) return;
    r.data.stops.forEach((stop) => stop.lines.forEach((ln) => {
      if (!ln.do_not_hand_over) return;
      const li = document.querySelector(`[data-stop="${stop.seq}"] .handover li[data-order="${CSS.escape(ln.order)}"][data-line="${ln.line}"]`);
      if (!li) return;
      const mark = document.createElement("div");
      mark.className = "do-not-mark";
      mark.style.cssText = "color:#b00;font-weight:700";
      mark.textContent = `⛔ Do not hand over: ${ln.reason}`;
      li.insertBefore(mark, li.querySelector(".exc-row"));
      const row = li.querySelector(".exc-row");
      if (!row) return;
      row.hidden = false;
      row.querySelector('[name="kind"]').value = "refused";
      row.querySelector('[name="quantity"]').value = li.dataset.qty;
      row.querySelector('[name="reason"]').value = ln.reason.slice(0, 500);
    }));
  });

  document.querySelectorAll("[data-stop]").forEach((card) => {
    const seq = card.dataset.stop;
    const box = card.querySelector(".flash");
    const confirm = card.querySelector("[data-confirm]");
    const problems = card.querySelector("[data-problems]");
    if (!confirm) return;
    let key = null;

    problems.addEventListener("click", () => {
      card.querySelectorAll(".exc-row").forEach((row) => (row.hidden = false));
      problems.hidden = true;
      confirm.textContent = t("Confirm stop");
    });

    confirm.addEventListener("click", async () => {
      const lines = [];
      const wrong = [];
      card.querySelectorAll(".handover li").forEach((li) => {
        const row = li.querySelector(".exc-row");
        const kind = row?.querySelector('[name="kind"]').value;
        if (!kind) return;
        const quantity = Number(row.querySelector('[name="quantity"]').value);
        const reason = row.querySelector('[name="reason"]').value.trim();
        const where = `${li.dataset.order}/${li.dataset.line}`;
        if (!quantity || quantity > Number(li.dataset.qty)) wrong.push(t("{line}: enter how many units were {kind} (1–{most})", { line: where, kind: label(kind), most: li.dataset.qty }));
        if (!reason) wrong.push(t("{line}: say what happened", { line: where }));
        lines.push({ order: li.dataset.order, line: Number(li.dataset.line), exceptions: [{ kind, quantity, reason }] });
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
        flash(box, "bad", r.network ? t("No connection — not confirmed yet") : t("Not confirmed"), problemLines(r.data));
        confirm.disabled = false;
      }
    });
  });
})();
