/* Scans kept on this device while they cannot be sent (the session ended): in the
   browser's localStorage, per user, in the order they were scanned, each with the
   Idempotency-Key it got at the moment of scanning. Replaying sends that same key, so a
   scan the server already has is answered as recorded and never written twice.
   Also the short memory of what was just recorded, for the repeated-label warning. */
"use strict";

const ScanQueue = (user) => {
  const QUEUE = `wms.scan.queue.${user}`;
  const SEEN = `wms.scan.seen.${user}`;
  const read = (k) => {
    try { return JSON.parse(localStorage.getItem(k) || "[]"); } catch (err) { return []; }
  };
  const write = (k, v) => localStorage.setItem(k, JSON.stringify(v));

  return {
    items: () => read(QUEUE),
    size: () => read(QUEUE).length,
    push(item) { write(QUEUE, [...read(QUEUE), item]); },
    drop(key) { write(QUEUE, read(QUEUE).filter((i) => i.key !== key)); },

    /* The same label (barcode, action and places) seen within the window, in seconds ago. */
    seenAgo(sig, windowS) {
      const now = Date.now();
      const hit = read(SEEN).find((s) => s.sig === sig && now - s.at < windowS * 1000);
      return hit ? Math.max(1, Math.round((now - hit.at) / 1000)) : null;
    },
    remember(sig, windowS) {
      const now = Date.now();
      write(SEEN, [{ sig, at: now }, ...read(SEEN).filter((s) => s.sig !== sig && now - s.at < windowS * 1000)].slice(0, 50));
    },
  };
};
