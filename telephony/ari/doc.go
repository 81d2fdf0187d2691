// Package ari is callfloor's connector to one Asterisk node over ARI
// (the Asterisk REST Interface).
//
// It owns two things:
//
//   - the event stream: Client.Run keeps the events WebSocket of the
//     Stasis application up for as long as its context lives. It never
//     blocks start-up, reconnects with exponential backoff and jitter,
//     announces every (re)connect to the Handler before any event of that
//     connection is delivered (so the ACD can reconcile with ListChannels
//     and ListBridges), installs the application event filter after each
//     connect, and decodes frames with ari/v5's DecodeEvent. Frames it
//     cannot decode (not JSON, no type, a type ari/v5 does not know) are
//     skipped and counted, never fatal; timestamps in RFC 3339 forms are
//     normalised to Asterisk's format first so such events are not lost.
//     Frames go through a bounded buffer: when the handler is slow the
//     socket reader blocks (back-pressure); no event is ever dropped.
//
//   - the REST calls the ACD needs (channels, bridges, recordings,
//     application, event filter). Every call runs under
//     Config.RequestTimeout on top of the caller's context, ids are
//     path-escaped, and failures are *Error carrying the HTTP status and
//     Asterisk's {"message"} text (see IsNotFound, IsConflict).
//
// It deliberately does not use ari/v5's native client (no timeouts, a
// reader that panics on unknown event types, silent reconnects, dropped
// events); only its data model and DecodeEvent.
//
// # Concurrency
//
// Handler methods (Connected, Event, Disconnected) are all called from the
// goroutine running Client.Run, one at a time, never concurrently, and
// events are delivered in the order Asterisk sent them. A slow handler
// slows the socket reader down (bounded buffer), it does not lose events.
// A Handler may call the Client's REST methods from within its callbacks.
// REST methods and Node are safe for concurrent use by any number of
// goroutines. Run must be called at most once at a time per Client.
package ari
