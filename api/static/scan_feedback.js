/* What the person at the scanner hears and feels: one short high beep for a recorded scan,
   two low buzzes for a refused one, and the phone's vibration for each. Mute silences the
   beeps on this device (remembered); the vibration stays, as a phone's does. */
"use strict";

const ScanFeedback = (() => {
  const MUTE_KEY = "wms.scan.muted";
  let audio = null;
  const muted = () => localStorage.getItem(MUTE_KEY) === "1";

  // [frequency Hz, start s, length s]: a chirp says yes, a low double buzz says no.
  const TONES = { ok: [[1320, 0, 0.09]], refused: [[220, 0, 0.16], [175, 0.22, 0.24]] };
  const BUZZ = { ok: 60, refused: [140, 90, 140] };

  function beep(kind) {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    try {
      audio = audio || new Ctx();
      const now = audio.currentTime;
      for (const [freq, at, length] of TONES[kind]) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.type = kind === "ok" ? "sine" : "square";
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.18, now + at);
        gain.gain.exponentialRampToValueAtTime(0.001, now + at + length);
        osc.connect(gain).connect(audio.destination);
        osc.start(now + at);
        osc.stop(now + at + length);
      }
    } catch (err) {
      // A browser that refuses audio still shows the colour and vibrates.
    }
  }

  function signal(kind) {
    if (!muted()) beep(kind);
    if (navigator.vibrate) navigator.vibrate(BUZZ[kind]);
  }

  function bindSwitch(box) {
    if (!box) return;
    box.checked = muted();
    box.addEventListener("change", () => localStorage.setItem(MUTE_KEY, box.checked ? "1" : "0"));
  }

  return { signal, bindSwitch };
})();
