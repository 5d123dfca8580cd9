/* Pick list: "Picked" confirms an order picked (its reserved units go from their bins to
   the zone's staging). The call carries an Idempotency-Key and is retried with the same
   key when the connection drops, so the order is picked once. */
"use strict";

(() => {
  const { api, newKey, problemLines, flash, t } = WMS;
  const box = document.getElementById("pick-flash");
  document.getElementById("print")?.addEventListener("click", () => window.print());

  document.querySelectorAll("[data-pick]").forEach((button) => {
    let key = null;
    button.addEventListener("click", async () => {
      const ref = button.dataset.pick;
      key = key || newKey();
      button.disabled = true;
      const r = await api("POST", `/api/orders/${encodeURIComponent(ref)}/pick`, undefined, {
        key, onRetry: (n) => flash(box, "info", t("No connection, trying again ({n})", { n }), []),
      });
      if (r.ok) {
        key = null;
        flash(box, "good", t("Order {ref} picked", { ref }), [t("Its goods are in staging, ready to load.")]);
        setTimeout(() => window.location.reload(), 700);
      } else {
        if (!r.network) key = null;
        flash(box, "bad", t("Order {ref} not picked", { ref }), problemLines(r.data));
        button.disabled = false;
      }
    });
  });
})();
