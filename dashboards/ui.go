package dashboards

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// The web UI (login, wallboard, agent desktop) is built from ui/ by npm (`npm run build`) into
// ui/dist, which is committed so that `go build` needs no Node. The binary embeds it.
//
//go:embed all:ui/dist
var uiDist embed.FS

// uiCSP: everything the pages load comes from this origin (fonts and scripts are bundled);
// 'self' in connect-src covers the same-host WebSocket in current browsers. Styles set through
// the CSSOM (the chart library does) are not inline styles and need no 'unsafe-inline'. The
// page itself (index.html) also allows <style> elements carrying its per-response nonce: the
// waveform player (wavesurfer.js) styles its shadow DOM with one.
const uiCSP = "default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// noncePlaceholder is the csp-nonce meta tag's content in the built index.html.
var noncePlaceholder = []byte("__CSP_NONCE__")

func newNonce() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.StdEncoding.EncodeToString(b)
}

// UI serves the single-page app: files from the build, and index.html for any other path that
// does not look like a file, so client routes (/wallboard, /desktop) survive a reload. Hashed
// assets under /assets/ are cached for a year; index.html is never cached, so a new build is
// picked up at once.
func UI() http.Handler {
	dist, err := fs.Sub(uiDist, "ui/dist")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	index, err := fs.ReadFile(dist, "index.html")
	if err != nil {
		panic("dashboards: ui/dist/index.html missing: run `npm run build` in dashboards/ui")
	}
	if !bytes.Contains(index, noncePlaceholder) {
		panic("dashboards: ui/dist/index.html has no csp-nonce placeholder")
	}
	files := http.FileServerFS(dist)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", uiCSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		name := strings.TrimPrefix(p, "/")
		if name != "" && name != "index.html" {
			if st, err := fs.Stat(dist, name); err == nil && !st.IsDir() {
				if strings.HasPrefix(name, "assets/") {
					h.Set("Cache-Control", "public, max-age=31536000, immutable")
				} else {
					h.Set("Cache-Control", "no-cache")
				}
				if serveCompressed(w, r, dist, name) {
					return
				}
				r2 := r.Clone(r.Context())
				r2.URL.Path = p
				files.ServeHTTP(w, r2)
				return
			}
			// a missing file is a 404, not the app: a stale hashed asset must not parse as HTML
			if strings.HasPrefix(name, "assets/") || path.Ext(name) != "" || strings.HasPrefix(name, "api/") {
				http.NotFound(w, r)
				return
			}
		}
		nonce := newNonce()
		h.Set("Content-Security-Policy", uiCSP+"; style-src 'self' 'nonce-"+nonce+"'")
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(bytes.Replace(index, noncePlaceholder, []byte(nonce), 1))
	})
}

// serveCompressed answers with the build's precompressed copy of a file (name.br, else
// name.gz, written by the Vite build) when the client accepts that encoding; false when there
// is none or the client accepts neither, and the plain file is served instead.
func serveCompressed(w http.ResponseWriter, r *http.Request, dist fs.FS, name string) bool {
	w.Header().Add("Vary", "Accept-Encoding")
	if r.Header.Get("Range") != "" {
		return false // ranges are over the plain file
	}
	for _, enc := range []struct{ token, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
		if !acceptsEncoding(r.Header.Get("Accept-Encoding"), enc.token) {
			continue
		}
		f, err := dist.Open(name + enc.ext)
		if err != nil {
			continue
		}
		defer f.Close()
		rs, ok := f.(io.ReadSeeker)
		if !ok {
			continue
		}
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		h := w.Header()
		h.Set("Content-Type", ctype)
		h.Set("Content-Encoding", enc.token)
		http.ServeContent(w, r, name, time.Time{}, rs)
		return true
	}
	return false
}

// acceptsEncoding reports whether an Accept-Encoding header accepts token (q > 0).
func acceptsEncoding(header, token string) bool {
	for _, part := range strings.Split(header, ",") {
		fields := strings.Split(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(fields[0]), token) {
			continue
		}
		for _, f := range fields[1:] {
			f = strings.TrimSpace(f)
			if q, ok := strings.CutPrefix(f, "q="); ok && (q == "0" || q == "0.0" || q == "0.00" || q == "0.000") {
				return false
			}
		}
		return true
	}
	return false
}
