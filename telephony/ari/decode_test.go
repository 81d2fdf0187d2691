package ari

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	aril "github.com/CyCoreSystems/ari/v5"
)

// TestDecodeOnceMatchesDecodeEvent decodes every frame of the recorded Asterisk 22 traces both
// ways: the one-pass decoder must give exactly what ari/v5's DecodeEvent gives.
func TestDecodeOnceMatchesDecodeEvent(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(tracesDir(t), "*.jsonl"))
	if len(files) == 0 {
		t.Fatal("no traces in " + tracesDir(t))
	}
	var n, once int
	for _, fn := range files {
		fh, err := os.Open(fn)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := append([]byte(nil), sc.Bytes()...)
			want, err := aril.DecodeEvent(line)
			got := decodeOnce(line)
			if err != nil {
				if got != nil {
					t.Errorf("%s: DecodeEvent failed (%v) but decodeOnce gave %T", filepath.Base(fn), err, got)
				}
				continue
			}
			n++
			if got == nil {
				continue // left to the long way
			}
			once++
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %s decoded differently:\n once %#v\n want %#v", filepath.Base(fn), want.GetType(), got, want)
			}
		}
		fh.Close()
	}
	if n == 0 || once != n {
		t.Errorf("%d of %d trace events decoded in one pass, want all", once, n)
	}
}

// TestDecodeOnceFallsBack: frames whose type the scan cannot trust are left to DecodeEvent.
func TestDecodeOnceFallsBack(t *testing.T) {
	for _, tc := range []struct{ name, frame string }{
		{"nested type first", `{"channel":{"type":"StasisEnd"},"type":"StasisStart","timestamp":"2026-11-22T05:52:15.613+0000"}`},
		{"unknown type", `{"type":"ChannelToneDetected","timestamp":"2026-11-22T05:52:15.613+0000"}`},
		{"escaped type", `{"type":"Stasis\u0053tart"}`},
		{"no type", `{"timestamp":"2026-11-22T05:52:15.613+0000"}`},
		{"type not a string", `{"type":1}`},
		{"other timestamp format", `{"type":"StasisEnd","timestamp":"2026-11-22T05:52:15Z"}`},
		{"malformed", `{"type":"StasisEnd",`},
	} {
		if ev := decodeOnce([]byte(tc.frame)); ev != nil {
			t.Errorf("%s: decodeOnce gave %T %q, want nil (the long way)", tc.name, ev, ev.GetType())
		}
	}
	// the long way still decodes the nested-type frame as DecodeEvent does
	c := &Client{}
	ev, _, err := c.decode([]byte(`{"channel":{"id":"x"},"args":[],"type":"StasisStart","timestamp":"2026-11-22T05:52:15.613+0000"}`))
	if err != nil || ev == nil || ev.GetType() != aril.Events.StasisStart {
		t.Fatalf("decode: %v %v", ev, err)
	}
	if len(eventTypes) < 30 {
		t.Errorf("only %d event types learnt from ari/v5", len(eventTypes))
	}
	if typ, ok := typeGuess([]byte(`{ "type" :  "Dial" }`)); !ok || typ != "Dial" {
		t.Errorf("typeGuess with spaces: %q %v", typ, ok)
	}
}

// BenchmarkDecodeTraceEvents decodes every frame of the recorded traces that ari/v5 decodes: "DecodeEvent" is
// ari/v5's two passes (what decode did before), "once" the one-pass decoder.
func BenchmarkDecodeTraceEvents(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(tracesDir(b), "*.jsonl"))
	var frames [][]byte
	for _, fn := range files {
		fh, err := os.Open(fn)
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if _, err := aril.DecodeEvent(sc.Bytes()); err == nil { // the frames ari/v5 decodes
				frames = append(frames, append([]byte(nil), sc.Bytes()...))
			}
		}
		fh.Close()
	}
	if len(frames) == 0 {
		b.Fatal("no trace frames")
	}
	b.Run("DecodeEvent", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_, _ = aril.DecodeEvent(frames[i%len(frames)])
		}
	})
	b.Run("once", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if decodeOnce(frames[i%len(frames)]) == nil {
				b.Fatal("a trace frame not decoded in one pass")
			}
		}
	})
}
