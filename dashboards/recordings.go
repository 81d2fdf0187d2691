package dashboards

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callfloor/callfloor"
)

// RecordingCache keeps the recordings fetched from the Asterisk nodes on local disk, so that a
// recording is read from its node once, streamed to a file (never held in memory), and every
// request for it (the player's ranges and seeks, several listeners) is served from that file.
//
// Concurrency: any number of goroutines may call Open. Concurrent requests for one recording
// share one fetch (single flight); at most FetchesPerNode fetches run against one node at a time.
// A file is written under a temporary name and renamed when complete, so a reader never sees a
// partial recording. The cache is bounded by MaxBytes and MaxAge: files not used for MaxAge, then
// the least recently used ones beyond MaxBytes, are removed (a file being served stays readable
// until its reader closes it).
type RecordingCache struct {
	Dir            string        // where the files live (created if missing)
	MaxBytes       int64         // bound on the cache's total size; a larger recording is refused (default DefaultRecordingCacheBytes)
	MaxAge         time.Duration // files unused for this long are removed (default DefaultRecordingCacheAge)
	FetchesPerNode int           // concurrent fetches per Asterisk node (default DefaultFetchesPerNode)
	IdleTimeout    time.Duration // a fetch whose body makes no progress for this long fails (default 30s)
	Source         RecordingSource
	Log            *slog.Logger

	mu        sync.Mutex
	flights   map[string]*recFlight
	sems      map[string]chan struct{}
	lastSweep time.Time

	fetches atomic.Int64 // fetches started from the nodes (for tests and logs)
}

// Defaults of RecordingCache.
const (
	DefaultRecordingCacheBytes = 2 << 30
	DefaultRecordingCacheAge   = 24 * time.Hour
	DefaultFetchesPerNode      = 4
	DefaultFetchIdleTimeout    = 30 * time.Second
	// fetchBuffer is all of a recording a fetch holds in memory at a time.
	fetchBuffer = 64 << 10
	tmpPrefix   = ".fetch-"
	typeSuffix  = ".type"
)

// recFlight is one fetch of one recording, shared by the requests waiting for it.
type recFlight struct {
	done    chan struct{}
	waiters int
	cancel  context.CancelFunc
	err     error
}

// CachedRecording is an open cached recording: read it (ReadSeeker) and Close it.
type CachedRecording struct {
	*os.File
	Size        int64
	ContentType string
}

// Fetches returns how many fetches from the nodes the cache has started.
func (c *RecordingCache) Fetches() int64 { return c.fetches.Load() }

func (c *RecordingCache) maxBytes() int64 {
	if c.MaxBytes > 0 {
		return c.MaxBytes
	}
	return DefaultRecordingCacheBytes
}

func (c *RecordingCache) maxAge() time.Duration {
	if c.MaxAge > 0 {
		return c.MaxAge
	}
	return DefaultRecordingCacheAge
}

func (c *RecordingCache) idle() time.Duration {
	if c.IdleTimeout > 0 {
		return c.IdleTimeout
	}
	return DefaultFetchIdleTimeout
}

func (c *RecordingCache) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.Default()
}

// key names a recording's file: node and name hashed, so no name can reach outside Dir.
func recordingKey(node, name string) string {
	h := sha256.Sum256([]byte(node + "\x00" + name))
	return hex.EncodeToString(h[:])
}

// Open returns the recording name of node, fetching it from the node first when it is not cached.
func (c *RecordingCache) Open(ctx context.Context, node, name string) (*CachedRecording, error) {
	if c.Source == nil {
		return nil, errors.New("no recording source configured")
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("recording cache: %w", err)
	}
	c.sweepSometimes()
	key := recordingKey(node, name)
	// Twice at most: the file a fetch just wrote may be evicted before this request opens it.
	for attempt := 0; ; attempt++ {
		if rec, err := c.openCached(key); err == nil {
			return rec, nil
		} else if !errors.Is(err, os.ErrNotExist) || attempt == 2 {
			return nil, fmt.Errorf("recording cache: %w", err)
		}
		if err := c.await(ctx, key, node, name); err != nil {
			return nil, err
		}
	}
}

// Forget removes a recording from the cache (retention deleted it from its node).
func (c *RecordingCache) Forget(node, name string) {
	c.remove(filepath.Join(c.Dir, recordingKey(node, name)))
}

func (c *RecordingCache) openCached(key string) (*CachedRecording, error) {
	path := filepath.Join(c.Dir, key)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	now := time.Now()
	_ = os.Chtimes(path, now, now) // used: the age that eviction goes by starts again
	ctype, _ := os.ReadFile(path + typeSuffix)
	return &CachedRecording{File: f, Size: fi.Size(), ContentType: string(ctype)}, nil
}

// await joins (or starts) the fetch of key and waits for it, or for ctx. When every request
// waiting for a fetch has gone, the fetch is cancelled.
func (c *RecordingCache) await(ctx context.Context, key, node, name string) error {
	c.mu.Lock()
	if c.flights == nil {
		c.flights = map[string]*recFlight{}
	}
	f := c.flights[key]
	if f == nil {
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &recFlight{done: make(chan struct{}), cancel: cancel}
		c.flights[key] = f
		go c.fetch(fctx, f, key, node, name)
	}
	f.waiters++
	c.mu.Unlock()
	var err error
	select {
	case <-f.done:
		err = f.err
	case <-ctx.Done():
		err = ctx.Err()
	}
	c.mu.Lock()
	f.waiters--
	if f.waiters == 0 {
		f.cancel() // nobody waits: a finished fetch is unaffected, an unfinished one stops
		if c.flights[key] == f {
			delete(c.flights, key) // the next request starts afresh rather than join a cancelled fetch
		}
	}
	c.mu.Unlock()
	return err
}

func (c *RecordingCache) nodeSem(node string) chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sems == nil {
		c.sems = map[string]chan struct{}{}
	}
	s := c.sems[node]
	if s == nil {
		n := c.FetchesPerNode
		if n <= 0 {
			n = DefaultFetchesPerNode
		}
		s = make(chan struct{}, n)
		c.sems[node] = s
	}
	return s
}

func (c *RecordingCache) fetch(ctx context.Context, f *recFlight, key, node, name string) {
	err := c.fetchFile(ctx, key, node, name)
	if err != nil && callfloor.ErrorCode(err) == callfloor.EINTERNAL {
		c.log().Error("recording fetch", "node", node, "recording", name, "err", err)
	}
	if err == nil {
		c.sweep() // before anyone is told: the new file is the most recently used, so it stays
	}
	c.mu.Lock()
	f.err = err
	if c.flights[key] == f {
		delete(c.flights, key)
	}
	c.mu.Unlock()
	f.cancel()
	close(f.done)
}

func (c *RecordingCache) fetchFile(ctx context.Context, key, node, name string) error {
	sem := c.nodeSem(node)
	select {
	case sem <- struct{}{}:
		defer func() { <-sem }()
	case <-ctx.Done():
		return ctx.Err()
	}
	// The body is read under ctx: cancelled when no request waits any more, or when the node
	// sends nothing for IdleTimeout (the ARI deadline covers the response headers only).
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	idle := c.idle()
	watchdog := time.AfterFunc(idle, cancel)
	defer watchdog.Stop()
	c.fetches.Add(1)
	body, ctype, err := c.Source.Recording(ctx, node, name)
	if err != nil {
		return err
	}
	defer body.Close()
	tmp, err := os.CreateTemp(c.Dir, tmpPrefix+"*")
	if err != nil {
		return fmt.Errorf("recording cache: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	limit := c.maxBytes()
	buf := make([]byte, fetchBuffer)
	var n int64
	for {
		k, rerr := body.Read(buf)
		if k > 0 {
			watchdog.Reset(idle)
			n += int64(k)
			if n > limit {
				return &callfloor.Error{Code: callfloor.CodeTooLargeForCache, Kind: callfloor.ECONFLICT, Params: callfloor.Params{"max": limit >> 20, "node": node}, Message: fmt.Sprintf("recording %q is larger than the recording cache (%d MiB): download it from node %s", name, limit>>20, node)}
			}
			if _, werr := tmp.Write(buf[:k]); werr != nil {
				return fmt.Errorf("recording cache: %w", werr)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			if ctx.Err() != nil && !errors.Is(rerr, ctx.Err()) {
				rerr = fmt.Errorf("%w (%w)", rerr, ctx.Err())
			}
			return fmt.Errorf("reading recording %q from node %s after %d bytes: %w", name, node, n, rerr)
		}
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("recording cache: %w", err)
	}
	path := filepath.Join(c.Dir, key)
	if err := os.WriteFile(path+typeSuffix, []byte(ctype), 0o600); err != nil {
		return fmt.Errorf("recording cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("recording cache: %w", err)
	}
	done = true
	return nil
}

// sweepSometimes sweeps at most once a minute, so that files past MaxAge go even when nothing
// new is fetched.
func (c *RecordingCache) sweepSometimes() {
	c.mu.Lock()
	due := time.Since(c.lastSweep) > time.Minute
	if due {
		c.lastSweep = time.Now()
	}
	c.mu.Unlock()
	if due {
		c.sweep()
	}
}

// sweep removes files unused for MaxAge, then the least recently used beyond MaxBytes, and
// temporary files that no fetch is writing any more.
func (c *RecordingCache) sweep() {
	entries, err := os.ReadDir(c.Dir)
	if err != nil {
		c.log().Error("recording cache sweep", "dir", c.Dir, "err", err)
		return
	}
	type file struct {
		path string
		size int64
		used time.Time
	}
	var files []file
	var total int64
	now := time.Now()
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		path := filepath.Join(c.Dir, e.Name())
		switch {
		case strings.HasPrefix(e.Name(), tmpPrefix):
			if now.Sub(fi.ModTime()) > 4*c.idle() { // its fetch has died (a live one writes)
				_ = os.Remove(path)
			}
		case strings.HasSuffix(e.Name(), typeSuffix):
			if _, err := os.Stat(strings.TrimSuffix(path, typeSuffix)); errors.Is(err, os.ErrNotExist) && now.Sub(fi.ModTime()) > 4*c.idle() {
				_ = os.Remove(path)
			}
		default:
			if now.Sub(fi.ModTime()) > c.maxAge() {
				c.remove(path)
				continue
			}
			files = append(files, file{path, fi.Size(), fi.ModTime()})
			total += fi.Size()
		}
	}
	if total <= c.maxBytes() {
		return
	}
	sort.Slice(files, func(i, j int) bool { return files[i].used.Before(files[j].used) })
	for _, f := range files {
		if total <= c.maxBytes() {
			break
		}
		c.remove(f.path)
		total -= f.size
	}
}

func (c *RecordingCache) remove(path string) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		c.log().Error("recording cache evict", "path", path, "err", err)
	}
	_ = os.Remove(path + typeSuffix)
}
