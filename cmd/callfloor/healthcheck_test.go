package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthcheckCommand: `callfloor healthcheck` (the container image's health check) passes on
// a 200 and fails on anything else or on no answer.
func TestHealthcheckCommand(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			w.Write([]byte("ok\n"))
		case "/readyz":
			http.Error(w, "redis: not ok", http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	addr := strings.TrimPrefix(srv.URL, "http://")
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"healthcheck", "-addr", addr}, &out, &errb); err != nil || out.String() != "ok\n" {
		t.Fatalf("healthz: err %v, out %q", err, out.String())
	}
	err := run(context.Background(), []string{"healthcheck", "-addr", addr, "-path", "/readyz"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "redis: not ok") {
		t.Fatalf("readyz 503: err %v", err)
	}
	srv.Close()
	if err := run(context.Background(), []string{"healthcheck", "-addr", addr, "-timeout", "500ms"}, &out, &errb); err == nil {
		t.Fatal("no server: no error")
	}
}
