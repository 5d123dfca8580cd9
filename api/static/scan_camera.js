/* Scanning with the phone's camera: the browser's BarcodeDetector where it has one, else
   ZXing (@zxing/library, served from this site, api/static/vendor/zxing-library) reading
   GS1 DataMatrix, GS1-128, QR and EAN. The button shows only where there is a camera.
   A read label goes to the scanning station exactly as a handheld scanner's would, with
   ASCII 29 between the fields. */
"use strict";

const ScanCamera = (() => {
  const FORMATS = ["data_matrix", "code_128", "qr_code", "ean_13", "ean_8", "upc_a"];
  let stream = null, stopped = true, zxing = null;

  async function available() {
    const media = navigator.mediaDevices;
    if (!media || !media.getUserMedia) return false;
    if (!media.enumerateDevices) return true;
    try {
      return (await media.enumerateDevices()).some((d) => d.kind === "videoinput");
    } catch (err) {
      return false;
    }
  }

  function loadLibrary(src) {
    if (window.ZXing) return Promise.resolve(window.ZXing);
    return new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = src;
      s.onload = () => resolve(window.ZXing);
      s.onerror = reject;
      document.head.append(s);
    });
  }

  async function withDetector(video, onCode) {
    const supported = BarcodeDetector.getSupportedFormats ? await BarcodeDetector.getSupportedFormats() : FORMATS;
    const detector = new BarcodeDetector({ formats: FORMATS.filter((f) => supported.includes(f)) });
    while (!stopped) {
      try {
        const found = await detector.detect(video);
        if (found.length && !stopped) return onCode(found[0].rawValue);
      } catch (err) {
        // A frame that is not ready yet: try the next one.
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    return null;
  }

  async function withLibrary(video, onCode, library) {
    const Z = await loadLibrary(library);
    const hints = new Map();
    hints.set(Z.DecodeHintType.POSSIBLE_FORMATS, [Z.BarcodeFormat.DATA_MATRIX, Z.BarcodeFormat.CODE_128,
      Z.BarcodeFormat.QR_CODE, Z.BarcodeFormat.EAN_13, Z.BarcodeFormat.EAN_8]);
    hints.set(Z.DecodeHintType.ASSUME_GS1, true);
    zxing = new Z.BrowserMultiFormatReader(hints);
    const result = await zxing.decodeOnceFromStream(stream, video);
    if (!stopped) onCode(result.getText());
  }

  async function start(video, library, onCode, onError) {
    stopped = false;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      video.srcObject = stream;
      await video.play();
      if ("BarcodeDetector" in window) await withDetector(video, onCode);
      else await withLibrary(video, onCode, library);
    } catch (err) {
      if (!stopped) onError(err);
    } finally {
      stop(video);
    }
  }

  function stop(video) {
    stopped = true;
    if (zxing) { zxing.reset(); zxing = null; }
    if (stream) stream.getTracks().forEach((tr) => tr.stop());
    stream = null;
    if (video) video.srcObject = null;
  }

  return { available, start, stop };
})();
