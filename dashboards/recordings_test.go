package dashboards_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callfloor/callfloor/dashboards"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony/ari"
	"github.com/callfloor/callfloor/telephony/sim"
)

// simRecordings fetches recordings from a simulated Asterisk over ARI (as serve's node source
// does) and counts the fetches.
type simRecordings struct {
	client  *ari.Client
	fetches atomic.Int64
}

func (s *simRecordings) Recording(ctx context.Context, node, name string) (io.ReadCloser, string, error) {
	s.fetches.Add(1)
	return s.client.StoredRecordingFile(ctx, name)
}

// addCall inserts a finished call of agent 1001 with a recording on node pbx1.
func (e *apiEnv) addCall(id, recording string) {
	e.t.Helper()
	if _, err := e.db.Pool.Exec(context.Background(), `INSERT INTO calls (id, direction, queue, node, caller_number, agent_id, entered_at, ended_at,
		outcome, recording_name, last_event_id) VALUES ($1, 'inbound', 'sales', 'pbx1', '5550100', '1001', now(), now(), 'answered', $2, '1-0')`,
		id, recording); err != nil {
		e.t.Fatal(err)
	}
}

// auditCount is the number of audit entries of action by actor.
func (e *apiEnv) auditCount(action, actor string) int {
	e.t.Helper()
	es, err := e.db.ListAudit(context.Background(), storage.AuditFilter{Action: action})
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, x := range es {
		if x.Actor == actor {
			n++
		}
	}
	return n
}

func (e *apiEnv) getFile(user, path string, hdr map[string]string) (*http.Response, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1"+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

// A long recording on a (simulated) Asterisk node: concurrent ranged requests (a player seeking,
// several listeners) all succeed, and the node is asked for the file once.
func TestRecordingConcurrentRangesOneFetch(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	spool := t.TempDir()
	s := sim.New(sim.Config{RecordingDir: spool})
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	const name = "callfloor/long-1"
	if err := s.StoreRecording(name, 20*60); err != nil { // 20 minutes: 19 MB of WAV
		t.Fatal(err)
	}
	src := &simRecordings{client: ari.New(ari.Config{Name: "pbx1", URL: base, Username: "callfloor", Password: "callfloor-test"})}
	e.api.Recordings = src
	e.api.RecordingCache.Source = src
	e.addCall("long-1", name)
	whole, err := os.ReadFile(filepath.Join(spool, "recording", "callfloor", "long-1.wav"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			from := int64(i) * int64(len(whole)) / 8
			resp, b := e.getFile("ana", "/calls/long-1/recording/file", map[string]string{"Range": fmt.Sprintf("bytes=%d-%d", from, from+1)})
			if resp.StatusCode != 206 || !bytes.Equal(b, whole[from:from+2]) ||
				resp.Header.Get("Content-Range") != fmt.Sprintf("bytes %d-%d/%d", from, from+1, len(whole)) {
				errs <- fmt.Sprintf("range at %d: %d %q %q", from, resp.StatusCode, b, resp.Header.Get("Content-Range"))
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	// and the whole file, from the cache
	resp, b := e.getFile("ana", "/calls/long-1/recording/file", nil)
	if resp.StatusCode != 200 || !bytes.Equal(b, whole) || resp.Header.Get("Content-Type") != "audio/wav" {
		t.Fatalf("whole file: %d, %d bytes of %d, %q", resp.StatusCode, len(b), len(whole), resp.Header.Get("Content-Type"))
	}
	if n := src.fetches.Load(); n != 1 {
		t.Fatalf("the node was asked for the recording %d times, want 1", n)
	}
}

// patternReader is a recording of n bytes that remembers the largest read it was asked for and
// stops once at pause until released.
type patternReader struct {
	n, off, pause int64
	maxRead       atomic.Int64
	paused        chan struct{} // closed when the reader reaches pause
	release       chan struct{}
}

func (p *patternReader) Read(b []byte) (int, error) {
	if int64(len(b)) > p.maxRead.Load() {
		p.maxRead.Store(int64(len(b)))
	}
	if p.off == p.pause && p.paused != nil {
		close(p.paused)
		p.paused = nil
		<-p.release
	}
	if p.off >= p.n {
		return 0, io.EOF
	}
	k := int64(len(b))
	if p.off < p.pause && p.off+k > p.pause {
		k = p.pause - p.off
	}
	if p.off+k > p.n {
		k = p.n - p.off
	}
	for i := int64(0); i < k; i++ {
		b[i] = byte((p.off + i) % 251)
	}
	p.off += k
	return int(k), nil
}

func (p *patternReader) Close() error { return nil }

type patternSource struct {
	mu      sync.Mutex
	readers []*patternReader
	make    func() *patternReader
}

func (s *patternSource) Recording(ctx context.Context, node, name string) (io.ReadCloser, string, error) {
	r := s.make()
	s.mu.Lock()
	s.readers = append(s.readers, r)
	s.mu.Unlock()
	return r, "audio/wav", nil
}

// The fetch streams the recording to disk as it arrives: when half of it has been read from the
// node, half of it is in the cache's file, and the fetch never asks for more than a buffer at a
// time (it used to read the whole file, up to 100 MiB, into memory per request).
func TestRecordingFetchStreamsToDisk(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	const size, half = 24 << 20, 12 << 20
	paused, release := make(chan struct{}), make(chan struct{})
	src := &patternSource{make: func() *patternReader {
		return &patternReader{n: size, pause: half, paused: paused, release: release}
	}}
	dir := t.TempDir()
	e.api.Recordings = src
	e.api.RecordingCache = &dashboards.RecordingCache{Dir: dir, Source: src}
	e.addCall("big-1", "callfloor/big-1")
	type result struct {
		code int
		body []byte
	}
	done := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/calls/big-1/recording/file", nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens["ana"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{resp.StatusCode, b}
	}()
	select {
	case <-paused:
	case r := <-done:
		t.Fatalf("served (%d) without pausing the node's body", r.code)
	case <-time.After(30 * time.Second):
		t.Fatal("the node's body was never read to its middle")
	}
	// the bytes read so far are on disk, in a temporary file (not yet under the recording's name)
	var onDisk int64
	entries, _ := os.ReadDir(dir)
	for _, de := range entries {
		if fi, err := de.Info(); err == nil && fi.Mode().IsRegular() && fi.Size() > 1024 {
			if !strings.HasPrefix(de.Name(), ".") {
				t.Errorf("a complete-looking file %s while the fetch is half way", de.Name())
			}
			onDisk += fi.Size()
		}
	}
	close(release)
	if onDisk != half {
		t.Errorf("half way through the fetch, %d bytes on disk, want %d", onDisk, half)
	}
	r := <-done
	if r.code != 200 || len(r.body) != size || r.body[size-1] != byte((size-1)%251) {
		t.Fatalf("served %d, %d bytes", r.code, len(r.body))
	}
	src.mu.Lock()
	defer src.mu.Unlock()
	if len(src.readers) != 1 || src.readers[0].maxRead.Load() > 1<<20 {
		t.Fatalf("fetches %d, largest read %d bytes (want at most a 1 MiB buffer)", len(src.readers), src.readers[0].maxRead.Load())
	}
}

// The audio is never sniffed by the browser, and a request cannot ask for the file in many
// small pieces.
func TestRecordingHeadersAndRangeLimit(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.addCall("h-1", "callfloor/h-1")
	resp, b := e.getFile("ana", "/calls/h-1/recording/file", nil)
	if resp.StatusCode != 200 || string(b) != "RIFF....WAVEfmt 0123456789" {
		t.Fatalf("file: %d %q", resp.StatusCode, b)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q", got)
	}
	// four ranges: served as multipart
	resp, b = e.getFile("ana", "/calls/h-1/recording/file", map[string]string{"Range": "bytes=0-1,4-5,8-9,12-13"})
	mt, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != 206 || mt != "multipart/byteranges" {
		t.Fatalf("4 ranges: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	parts := 0
	mr := multipart.NewReader(bytes.NewReader(b), params["boundary"])
	for {
		if _, err := mr.NextPart(); err != nil {
			break
		}
		parts++
	}
	if parts != 4 || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("4 ranges: %d parts", parts)
	}
	// five: refused, saying why
	resp, b = e.getFile("ana", "/calls/h-1/recording/file", map[string]string{"Range": "bytes=0-1,4-5,8-9,12-13,16-17"})
	if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable || !strings.Contains(string(b), `"field":"Range"`) || !strings.Contains(string(b), "at most 4") {
		t.Fatalf("5 ranges: %d %s", resp.StatusCode, b)
	}
	// errors carry the header too
	resp, _ = e.getFile("ana", "/calls/nope/recording/file", nil)
	if resp.StatusCode != 404 || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("missing call: %d %v", resp.StatusCode, resp.Header)
	}
}

// A download is audited when the whole file has been written: a client that goes away half way
// has not downloaded the recording. A listen is audited when it starts.
func TestRecordingDownloadAuditedWhenComplete(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	const size = 48 << 20 // more than the sockets' buffers hold
	src := &patternSource{make: func() *patternReader { return &patternReader{n: size, pause: -1} }}
	e.api.Recordings = src
	e.api.RecordingCache.Source = src
	e.addCall("dl-1", "callfloor/dl-1")
	// a complete download by qa
	resp, b := e.getFile("qa", "/calls/dl-1/recording/file?download=1", nil)
	if resp.StatusCode != 200 || len(b) != size {
		t.Fatalf("download: %d, %d bytes", resp.StatusCode, len(b))
	}
	// ana starts a download, reads a little and goes away
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/calls/dl-1/recording/file?download=1", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens["ana"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 64<<10)); err != nil || resp.StatusCode != 200 {
		t.Fatalf("partial download: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	// lead-a starts listening and goes away at once
	req, _ = http.NewRequest("GET", e.srv.URL+"/api/v1/calls/dl-1/recording/file", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens["lead-a"])
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	e.srv.Close() // waits for every handler to finish
	if n := e.auditCount("recording_downloaded", "qa"); n != 1 {
		t.Errorf("qa's complete download audited %d times", n)
	}
	if n := e.auditCount("recording_downloaded", "ana"); n != 0 {
		t.Errorf("ana's abandoned download audited as downloaded (%d)", n)
	}
	if n := e.auditCount("recording_listened", "lead-a"); n != 1 {
		t.Errorf("lead-a's listen audited %d times, want 1 (at its start)", n)
	}
}

// countSource serves name's bytes (n of them) and counts fetches per name.
type countSource struct {
	mu sync.Mutex
	n  map[string]int
	sz int
}

func (s *countSource) Recording(ctx context.Context, node, name string) (io.ReadCloser, string, error) {
	s.mu.Lock()
	s.n[name]++
	s.mu.Unlock()
	return io.NopCloser(strings.NewReader(strings.Repeat(name[:1], s.sz))), "audio/wav", nil
}

func (s *countSource) count(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n[name]
}

// The cache stays within its size (least recently used go first) and age, forgets what retention
// deleted, and refuses a recording larger than itself.
func TestRecordingCacheBounds(t *testing.T) {
	t.Parallel()
	src := &countSource{n: map[string]int{}, sz: 1024}
	dir := t.TempDir()
	c := &dashboards.RecordingCache{Dir: dir, MaxBytes: 3 * 1024, Source: src}
	ctx := context.Background()
	open := func(name string) {
		t.Helper()
		rec, err := c.Open(ctx, "pbx1", name)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rec)
		rec.Close()
		if len(b) != 1024 || b[0] != name[0] || rec.ContentType != "audio/wav" {
			t.Fatalf("%s: %d bytes %q", name, len(b), rec.ContentType)
		}
	}
	age := func(d time.Duration) { // make every cached file look unused for d
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			old := time.Now().Add(-d)
			os.Chtimes(filepath.Join(dir, e.Name()), old, old)
		}
	}
	open("a")
	open("b")
	age(time.Minute) // a and b were used a minute ago
	open("c")
	open("a") // a used again
	open("d") // 4 KiB > 3 KiB: b, the least recently used, goes
	if src.count("a") != 1 || src.count("c") != 1 {
		t.Fatalf("cached recordings fetched again: %v", src.n)
	}
	open("b")
	if src.count("b") != 2 {
		t.Fatalf("b was not evicted: fetched %d times", src.count("b"))
	}
	// unused for longer than MaxAge: gone at the next fetch
	age(25 * time.Hour)
	open("e")
	open("a")
	if src.count("a") != 2 {
		t.Fatalf("a older than max age still served from the cache")
	}
	c.Forget("pbx1", "e")
	open("e")
	if src.count("e") != 2 {
		t.Fatalf("forgotten recording still cached")
	}
	big := &dashboards.RecordingCache{Dir: t.TempDir(), MaxBytes: 512, Source: src}
	if _, err := big.Open(ctx, "pbx1", "z"); err == nil || !strings.Contains(err.Error(), "larger than the recording cache") {
		t.Fatalf("recording larger than the cache: %v", err)
	}
	if entries, _ := os.ReadDir(big.Dir); len(entries) != 0 {
		t.Fatalf("a refused fetch left %d files", len(entries))
	}
}

// gateSource holds every fetch until released and counts the fetches running per node.
type gateSource struct {
	mu       sync.Mutex
	inflight map[string]int
	max      map[string]int
	release  chan struct{}
}

func (g *gateSource) Recording(ctx context.Context, node, name string) (io.ReadCloser, string, error) {
	g.mu.Lock()
	g.inflight[node]++
	if g.inflight[node] > g.max[node] {
		g.max[node] = g.inflight[node]
	}
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.inflight[node]--
		g.mu.Unlock()
	}()
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
	return io.NopCloser(strings.NewReader("RIFF" + name)), "audio/wav", nil
}

func (g *gateSource) running(node string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.inflight[node]
}

// At most FetchesPerNode recordings are fetched from one node at a time; another node is not
// held up by it.
func TestRecordingFetchesPerNodeBounded(t *testing.T) {
	t.Parallel()
	src := &gateSource{inflight: map[string]int{}, max: map[string]int{}, release: make(chan struct{})}
	c := &dashboards.RecordingCache{Dir: t.TempDir(), FetchesPerNode: 2, Source: src}
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	open := func(node, name string) {
		defer wg.Done()
		rec, err := c.Open(context.Background(), node, name)
		if err != nil {
			errs <- err
			return
		}
		rec.Close()
	}
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go open("pbx1", fmt.Sprintf("r%d", i))
	}
	wg.Add(1)
	go open("pbx2", "other")
	deadline := time.Now().Add(30 * time.Second) // a safety net, not a measurement
	for src.running("pbx1") < 2 || src.running("pbx2") < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("fetches running: pbx1 %d, pbx2 %d", src.running("pbx1"), src.running("pbx2"))
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(src.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if src.max["pbx1"] != 2 || c.Fetches() != 6 {
		t.Fatalf("at most %d fetches at once from pbx1 (want 2), %d fetches", src.max["pbx1"], c.Fetches())
	}
}
