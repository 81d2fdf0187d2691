package dashboards

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func uiGet(t *testing.T, h http.Handler, method, target string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	resp := rec.Result()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestUIServesTheApp(t *testing.T) {
	h := UI()
	resp, body := uiGet(t, h, "GET", "/")
	if resp.StatusCode != 200 || !strings.Contains(body, `<div id="app">`) {
		t.Fatalf("/: %d %q", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("index content type %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("index Cache-Control %q, want no-cache", cc)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("X-Frame-Options %q", resp.Header.Get("X-Frame-Options"))
	}
	// index.html names its hashed script and stylesheet, same origin, nothing from a CDN
	if regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).MatchString(body) {
		t.Errorf("index.html loads from another origin: %s", body)
	}
	script := regexp.MustCompile(`src="(/assets/[^"]+\.js)"`).FindStringSubmatch(body)
	css := regexp.MustCompile(`href="(/assets/[^"]+\.css)"`).FindStringSubmatch(body)
	if script == nil || css == nil {
		t.Fatalf("index.html names no hashed script or stylesheet: %s", body)
	}
	for path, ctype := range map[string]string{script[1]: "javascript", css[1]: "text/css"} {
		resp, body := uiGet(t, h, "GET", path)
		if resp.StatusCode != 200 || len(body) == 0 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, ctype) {
			t.Errorf("%s: content type %q, want %s", path, ct, ctype)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("%s: Cache-Control %q", path, cc)
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s: no CSP", path)
		}
	}
	// the fonts are bundled
	dist, _ := fs.Sub(uiDist, "ui/dist")
	fonts, _ := fs.Glob(dist, "assets/*.woff2")
	if len(fonts) == 0 {
		t.Errorf("no bundled fonts in the build")
	} else if resp, _ := uiGet(t, h, "GET", "/"+fonts[0]); resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "font/woff2") {
		t.Errorf("font: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

var nonceMeta = regexp.MustCompile(`<meta name="csp-nonce" content="([^"]+)"`)

// withoutNonce is the page with its per-response nonce blanked.
func withoutNonce(body string) string {
	return nonceMeta.ReplaceAllString(body, `<meta name="csp-nonce" content=""`)
}

// Each page carries a fresh nonce, the same in its meta tag and in its CSP's style-src (the
// waveform player's shadow-DOM <style> uses it); nothing else may add inline styles.
func TestUIStyleNonce(t *testing.T) {
	h := UI()
	seen := map[string]bool{}
	for range 3 {
		resp, body := uiGet(t, h, "GET", "/qa/evaluate/x")
		m := nonceMeta.FindStringSubmatch(body)
		if m == nil || len(m[1]) < 20 || m[1] == "__CSP_NONCE__" {
			t.Fatalf("no nonce in the page: %.300s", body)
		}
		if seen[m[1]] {
			t.Fatalf("nonce %q reused", m[1])
		}
		seen[m[1]] = true
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "style-src 'self' 'nonce-"+m[1]+"'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP %q does not allow exactly the page's nonce", csp)
		}
	}
	if resp, _ := uiGet(t, h, "GET", "/favicon.svg"); strings.Contains(resp.Header.Get("Content-Security-Policy"), "nonce") {
		t.Errorf("a static file's CSP carries a nonce")
	}
}

func TestUIClientRoutesGetTheIndex(t *testing.T) {
	h := UI()
	_, index := uiGet(t, h, "GET", "/")
	index = withoutNonce(index)
	for _, p := range []string{"/wallboard", "/desktop", "/login", "/some/deep/route?x=1", "/index.html"} {
		resp, body := uiGet(t, h, "GET", p)
		if resp.StatusCode != 200 || withoutNonce(body) != index {
			t.Errorf("%s: %d, not the index", p, resp.StatusCode)
		}
		if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: headers %v", p, resp.Header)
		}
	}
	// missing files stay missing: a stale asset must not come back as HTML
	for _, p := range []string{"/assets/index-deadbeef.js", "/favicon.png", "/api/v1/nothing"} {
		if resp, _ := uiGet(t, h, "GET", p); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
	if resp, _ := uiGet(t, h, "POST", "/wallboard"); resp.StatusCode != 405 {
		t.Errorf("POST: %d", resp.StatusCode)
	}
	if resp, _ := uiGet(t, h, "GET", "/../../etc/passwd"); resp.StatusCode != 200 {
		t.Errorf("traversal: %d", resp.StatusCode)
	}
	if resp, _ := uiGet(t, h, "GET", "/favicon.svg"); resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "svg") {
		t.Errorf("favicon: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
