// The live connection: one WebSocket to /api/v1/ws, subscribed to one view. It resubscribes
// (fresh snapshot) after a drop or a sequence gap, with backoff. While the socket is down the
// page is kept fresh by polling the REST API, and only then.
//
// When the server ends the connection on purpose it says why (closeAction): a revoked session
// (logout, user disabled, expired) stops it and sends the user to the login page; a role change
// stops it and re-reads who the user is (the new connection is scoped by the new role); too
// many connections keeps polling and tries again slowly. None of them reconnects in a loop.

import { LIMIT_RETRY_MS, SeqTracker, backoff, closeAction } from "./logic";
import type { Key } from "./i18n";
import type { ServerMessage, ViewData, ViewSpec } from "./types";

export interface LiveOptions {
  view: ViewSpec;
  also?: ViewSpec[]; // more views on the same socket (subscriptions "s2", "s3", ...)
  onSnapshot(data: ViewData, sub: string): void; // sub: "s1" for view, "s2"... for also
  onDelta(data: ViewData, sub: string): void;
  onStatus(up: boolean): void;
  poll(): Promise<void>; // refreshes from REST while the socket is down
  pollEveryMs?: number;
}

// What the app does when a live connection is ended for good (set once by main.ts).
export interface LiveHooks {
  revoked(notice: Key): void; // go to the login page showing the notice (an i18n key)
  rescope(): void; // re-read /me and go to the home page of the (new) role
  notice(key: Key | null): void; // a note for the live status (an i18n key), null: none
}

let hooks: LiveHooks = { revoked: () => {}, rescope: () => {}, notice: () => {} };

export function setLiveHooks(h: LiveHooks): void {
  hooks = h;
}

export class Live {
  private ws: WebSocket | null = null;
  private seq = new SeqTracker();
  private attempt = 0;
  private stopped = false;
  private up = false;
  private reconnectTimer: number | undefined;
  private pollTimer: number | undefined;
  private pingTimer: number | undefined;
  private lastMessage = 0;

  constructor(private o: LiveOptions) {}

  start(): void {
    this.stopped = false;
    hooks.notice(null);
    this.setUp(false);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.reconnectTimer);
    window.clearTimeout(this.pollTimer);
    window.clearInterval(this.pingTimer);
    this.pollTimer = undefined;
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close();
      this.ws = null;
    }
  }

  get isUp(): boolean {
    return this.up;
  }

  private setUp(up: boolean): void {
    this.up = up;
    this.o.onStatus(up);
    if (up) {
      window.clearTimeout(this.pollTimer);
      this.pollTimer = undefined;
    } else if (this.pollTimer === undefined && !this.stopped) {
      this.pollLoop();
    }
  }

  private pollLoop = (): void => {
    if (this.stopped || this.up) {
      this.pollTimer = undefined;
      return;
    }
    this.pollTimer = window.setTimeout(this.pollLoop, this.o.pollEveryMs ?? 3000);
    this.o.poll().catch(() => {});
  };

  private connect(): void {
    if (this.stopped) return;
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/ws";
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.seq.reset();
    ws.onopen = () => {
      this.lastMessage = Date.now();
      [this.o.view, ...(this.o.also ?? [])].forEach((view, i) => ws.send(JSON.stringify({ type: "subscribe", id: "s" + (i + 1), view })));
      window.clearInterval(this.pingTimer);
      this.pingTimer = window.setInterval(() => {
        if (Date.now() - this.lastMessage > 60000) {
          this.drop(); // silent for a minute: the connection is dead
          return;
        }
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ping" }));
      }, 25000);
    };
    ws.onmessage = (ev) => {
      this.lastMessage = Date.now();
      let msg: ServerMessage;
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (!this.seq.accept(msg.seq)) {
        this.drop(); // a message was lost: start again from a fresh snapshot
        return;
      }
      switch (msg.type) {
        case "snapshot":
          this.attempt = 0;
          hooks.notice(null);
          this.o.onSnapshot(msg.data ?? {}, msg.sub ?? "s1");
          this.setUp(true);
          break;
        case "delta":
          this.o.onDelta(msg.data ?? {}, msg.sub ?? "s1");
          break;
        case "error":
          console.warn("live:", msg.code, msg.message);
          if (!this.up) this.drop();
          break;
      }
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws === ws) this.ws = null;
      window.clearInterval(this.pingTimer);
      const action = closeAction(ev.code, ev.reason ?? "");
      if (action.kind === "login" || action.kind === "rescope") {
        this.stop();
        this.o.onStatus(false);
        if (action.kind === "login") hooks.revoked(action.notice);
        else hooks.rescope();
        return;
      }
      this.setUp(false);
      if (action.kind === "limit") {
        hooks.notice("live.limit");
        window.clearTimeout(this.reconnectTimer);
        this.reconnectTimer = window.setTimeout(() => this.connect(), LIMIT_RETRY_MS);
        return;
      }
      this.scheduleReconnect();
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  private drop(): void {
    const ws = this.ws;
    if (ws) {
      ws.onclose = null;
      ws.close();
      this.ws = null;
    }
    window.clearInterval(this.pingTimer);
    this.setUp(false);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    window.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = window.setTimeout(() => this.connect(), backoff(this.attempt++));
  }
}
