package dashboards

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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

// The hashed script is served precompressed: brotli when accepted, else gzip, else plain; each
// decodes to the same bytes, with the script's content type and the immutable cache header.
func TestUIServesPrecompressedAssets(t *testing.T) {
	t.Parallel()
	h := UI()
	_, index := uiGet(t, h, "GET", "/")
	script := regexp.MustCompile(`src="(/assets/[^"]+\.js)"`).FindStringSubmatch(index)
	if script == nil {
		t.Fatalf("no script in index.html")
	}
	get := func(ae string) *http.Response {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", script[1], nil)
		if ae != "" {
			req.Header.Set("Accept-Encoding", ae)
		}
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	plainResp := get("")
	plain, _ := io.ReadAll(plainResp.Body)
	if plainResp.Header.Get("Content-Encoding") != "" || len(plain) == 0 {
		t.Fatalf("no Accept-Encoding: got encoding %q, %d bytes", plainResp.Header.Get("Content-Encoding"), len(plain))
	}
	for _, c := range []struct{ ae, want string }{{"gzip, deflate, br", "br"}, {"gzip", "gzip"}, {"br;q=0, gzip", "gzip"}, {"identity", ""}} {
		resp := get(c.ae)
		body, _ := io.ReadAll(resp.Body)
		if got := resp.Header.Get("Content-Encoding"); got != c.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", c.ae, got, c.want)
			continue
		}
		if !strings.Contains(resp.Header.Get("Content-Type"), "javascript") || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("Accept-Encoding %q: headers %v", c.ae, resp.Header)
		}
		var decoded []byte
		switch c.want {
		case "br":
			decoded, _ = io.ReadAll(brotli.NewReader(bytes.NewReader(body)))
			if len(body) >= len(plain)/2 {
				t.Errorf("brotli copy %d bytes of %d: not compressed", len(body), len(plain))
			}
		case "gzip":
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			decoded, _ = io.ReadAll(zr)
		default:
			decoded = body
		}
		if !bytes.Equal(decoded, plain) {
			t.Errorf("Accept-Encoding %q: decoded %d bytes differ from the plain %d", c.ae, len(decoded), len(plain))
		}
	}
}
