/* Cold-chain alerts: acknowledge with a comment, resolve a held lot by releasing or
   scrapping it, release or scrap the checked lots of an excursion together, or close a
   place's alert. Each is one API call; the page then reloads so
   the list shows the alert's new state as the server recorded it. */
"use strict";

(() => {
  const { api, problemLines, flash, t } = WMS;
  const VERB = { acknowledge: t("Acknowledged"), release: t("Lot released"), scrap: t("Lot scrapped"), close: t("Closed") };
  const CONFIRM = {
    scrap: t("Scrap every unit of this lot still in stock? This writes the lot off and cannot be undone."),
    release: t("Release this lot back to available stock?"),
  };
  const CONFIRM_LOTS = {
    scrap: (n) => t("Scrap every unit still in stock of the {n} checked lots? This writes them off and cannot be undone.", { n }),
    release: (n) => t("Release the {n} checked lots back to available stock?", { n }),
  };

  /* On a phone the cards start folded: the excursion and its state show, the lots and the
     buttons open on demand. A wide screen has room to show them all at once. */
  if (window.matchMedia("(min-width: 760px)").matches) {
    document.querySelectorAll("[data-more]").forEach((d) => (d.open = true));
  }

  document.querySelectorAll("[data-alert]").forEach((item) => {
    const id = item.dataset.alert;
    const box = item.querySelector(".flash");
    const comment = item.querySelector('input[name="comment"]');
    const picks = [...item.querySelectorAll("[data-pick-lot]")];
    const all = item.querySelector("[data-all-lots]");
    if (all) all.addEventListener("change", () => picks.forEach((p) => (p.checked = all.checked)));
    item.querySelectorAll("[data-do]").forEach((btn) => btn.addEventListener("click", async () => {
      const what = btn.dataset.do;
      if (!comment.value.trim()) {
        flash(box, "bad", t("Write a comment first"), [t("Say what you saw and what you did about it.")]);
        comment.focus();
        return;
      }
      const lots = picks.filter((p) => p.checked).map((p) => Number(p.dataset.pickLot));
      if (picks.length && what !== "acknowledge" && !lots.length) {
        flash(box, "bad", t("Check the lots first"), [t("Tick the lots to release or scrap.")]);
        return;
      }
      const question = picks.length ? CONFIRM_LOTS[what] && CONFIRM_LOTS[what](lots.length) : CONFIRM[what];
      if (question && !window.confirm(question)) return;
      item.querySelectorAll("button").forEach((b) => (b.disabled = true));
      const url = what === "acknowledge" ? `/api/alerts/${id}/acknowledge` : `/api/alerts/${id}/resolve`;
      const body = what === "acknowledge" ? { comment: comment.value.trim() } : { action: what, comment: comment.value.trim() };
      if (picks.length && what !== "acknowledge") body.lots = lots;
      const r = await api("POST", url, body);
      if (r.ok) {
        flash(box, "good", VERB[what], []);
        setTimeout(() => window.location.reload(), 600);
      } else {
        flash(box, "bad", t("Not done"), problemLines(r.data));
        item.querySelectorAll("button").forEach((b) => (b.disabled = false));
      }
    }));
  });
})();
