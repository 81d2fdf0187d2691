// The recording player shared by the evaluate page (qa.ts) and the calibration page: a
// wavesurfer.js waveform over the page's own <audio>, a play/pause button, the clock and a status
// line. The caller places the elements, then calls start() once they are in the document.

import WaveSurfer from "wavesurfer.js";
import { h } from "./dom";
import { t } from "./i18n";
import { fmtClock } from "./qalogic";

export class Player {
  readonly wave: HTMLElement;
  readonly audio: HTMLAudioElement;
  readonly play: HTMLButtonElement;
  readonly clock: HTMLElement;
  readonly status: HTMLElement;
  ws: WaveSurfer | null = null;
  private readonly url: string;

  constructor(callId: string) {
    this.url = `/api/v1/calls/${encodeURIComponent(callId)}/recording/file`;
    this.wave = h("div", { class: "qa-wave", testid: "waveform" });
    // The page's own <audio> with the plain URL: wavesurfer.js then streams it (HTTP Range, so
    // seeking works) instead of a blob: URL, which the CSP (media-src 'self') would refuse.
    this.audio = h("audio", { preload: "auto", testid: "audio", src: this.url });
    this.play = h("button", { class: "btn btn-primary", testid: "eval-play", disabled: true }, t("eval.play"));
    this.clock = h("span", { class: "mono qa-clock", testid: "eval-time" }, "0:00");
    this.status = h("span", { class: "muted", testid: "audio-status" }, t("eval.loading_audio"));
  }

  // controls is the play button, clock and status in one row.
  controls(): HTMLElement {
    return h("div", { class: "qa-row" }, this.play, this.clock, this.status);
  }

  // start creates the waveform; the elements must be in the document.
  start(): WaveSurfer {
    const { wave, audio, play, clock, status } = this;
    const ws = WaveSurfer.create({
      container: wave, media: audio, url: new URL(this.url, location.href).href, height: 96,
      waveColor: "#3d5a80", progressColor: "#58a6ff", cursorColor: "#e6edf3", barWidth: 2, barGap: 1, dragToSeek: true,
      fetchParams: { credentials: "same-origin" },
      // its shadow DOM's <style> must carry the page's CSP nonce (dashboards/ui.go), else the
      // progress layer is unstyled and drawn under the waveform instead of over it
      cspNonce: document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content,
    });
    this.ws = ws;
    ws.on("ready", (d) => { play.disabled = false; status.textContent = t("eval.audio_ready", { d: fmtClock(d * 1000) }); wave.dataset.ready = "1"; });
    ws.on("error", (e) => { status.textContent = t("eval.audio_error", { msg: String((e as Error)?.message ?? e) }); status.className = "form-error"; });
    ws.on("timeupdate", (s) => { clock.textContent = fmtClock(s * 1000); });
    ws.on("play", () => (play.textContent = t("eval.pause")));
    ws.on("pause", () => (play.textContent = t("eval.play")));
    audio.addEventListener("canplay", () => (play.disabled = false));
    play.addEventListener("click", () => void ws.playPause().catch((e) => (status.textContent = t("eval.audio_error", { msg: String(e) }))));
    return ws;
  }

  // nowMs is the playback position in milliseconds.
  nowMs(): number {
    return Math.round((this.ws?.getCurrentTime() ?? this.audio.currentTime) * 1000);
  }

  destroy(): void {
    this.ws?.destroy();
    this.ws = null;
  }
}
