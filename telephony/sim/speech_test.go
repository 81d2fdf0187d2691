package sim

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"
)

func pcmOf(t *testing.T, data []byte, n int) []int16 {
	t.Helper()
	le := binary.LittleEndian
	if len(data) != 44+2*n || string(data[0:4]) != "RIFF" || le.Uint32(data[4:]) != uint32(36+2*n) || string(data[8:16]) != "WAVEfmt " ||
		le.Uint32(data[16:]) != 16 || le.Uint16(data[20:]) != 1 || le.Uint16(data[22:]) != 1 || le.Uint32(data[24:]) != 8000 ||
		le.Uint32(data[28:]) != 16000 || le.Uint16(data[32:]) != 2 || le.Uint16(data[34:]) != 16 || string(data[36:40]) != "data" ||
		le.Uint32(data[40:]) != uint32(2*n) {
		t.Fatalf("not a 44-byte-header WAV of %d 8 kHz 16-bit mono samples: % x", n, data[:min(len(data), 44)])
	}
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(le.Uint16(data[44+2*i:]))
	}
	return out
}

func dbfs(x float64) float64 { return 20 * math.Log10(max(x, 1e-9)/32768) }

// The simulator's recordings look like a conversation: loud talk spurts, near-silent pauses,
// peaks near −6 dBFS; the same name gives the same bytes.
func TestSimRecordingSpeech(t *testing.T) {
	const secs = 90
	n := secs*wavRate + 1234 // not whole seconds, as recordings are
	for i := range 8 {
		name := fmt.Sprintf("callfloor/1763800000.%d", 100+i)
		data := wavBytes(name, n)
		if again := wavBytes(name, n); !bytes.Equal(data, again) {
			t.Fatalf("%s: two generations differ", name)
		}
		// streamed: a shorter file of the same name is a prefix
		if short := wavBytes(name, 5*wavRate); !bytes.Equal(short[44:], data[44:44+10*wavRate]) {
			t.Fatalf("%s: the first 5 s depend on the length", name)
		}
		pcm := pcmOf(t, data, n)
		peak := 0.0
		for _, v := range pcm {
			peak = max(peak, math.Abs(float64(v)))
		}
		if p := dbfs(peak); p > -5 || p < -9 {
			t.Errorf("%s: peak %.1f dBFS, want about −6", name, p)
		}
		// RMS over 50 ms windows
		const win = wavRate / 20
		var silent, loud, windows int
		for w := 0; w+win <= n; w += win {
			sum := 0.0
			for _, v := range pcm[w : w+win] {
				sum += float64(v) * float64(v)
			}
			switch r := dbfs(math.Sqrt(sum / win)); {
			case r < -45:
				silent++
				if r < -56 {
					t.Fatalf("%s: window at %.2f s is %.1f dBFS: digital silence, want line noise near −50", name, float64(w)/wavRate, r)
				}
			case r > -26:
				loud++
			}
			windows++
		}
		fs, fl := float64(silent)/float64(windows), float64(loud)/float64(windows)
		t.Logf("%s: peak %.1f dBFS, %.0f %% silent, %.0f %% loud", name, dbfs(peak), 100*fs, 100*fl)
		if fs < 0.15 || fs > 0.6 || fl < 0.25 || fl > 0.75 {
			t.Errorf("%s: %.0f %% of 50 ms windows near silence (< −45 dBFS), %.0f %% loud (> −26 dBFS); want 15–60 %% and 25–75 %%", name, 100*fs, 100*fl)
		}
		// two voices: the turns alternate between two pitches
		if g := newSpeechGen(name); g.speakers[0].period == g.speakers[1].period {
			t.Errorf("%s: both speakers at period %d", name, g.speakers[0].period)
		}
	}
	if bytes.Equal(wavBytes("callfloor/a", wavRate), wavBytes("callfloor/b", wavRate)) {
		t.Error("two names, the same audio")
	}
	for _, n := range []int{0, 1, 7} {
		pcmOf(t, wavBytes("x", n), n)
	}
	pcmOf(t, wavBytes("x", -3), 0)
}

// BenchmarkSpeechWAV: generating a 3-minute recording (about 1.2 ms for the old constant tone).
func BenchmarkSpeechWAV(b *testing.B) {
	b.SetBytes(180 * wavRate * 2)
	for b.Loop() {
		_ = wavBytes("callfloor/1763800000.123", 180*wavRate)
	}
}

// BenchmarkSimFinishRecording: what finishing a 3-minute recording costs the call handling (the
// handler or timer holding the model lock): the file is generated and written by the spool.
func BenchmarkSimFinishRecording(b *testing.B) {
	s := New(Config{RecordingDir: b.TempDir()})
	defer s.Close()
	br := &bridge{id: "bench", typ: "mixing", subs: map[string]bool{}}
	for i := 0; b.Loop(); i++ {
		s.lock()
		r := s.startRecording(br, fmt.Sprintf("bench/%d", i), "wav", 0)
		r.started = time.Now().Add(-3 * time.Minute)
		s.finishRecording(r)
		delete(s.stored, r.name)
		s.unlock()
	}
}

// The spool runs jobs in order, bounds the writes it queues, and runs nothing after close.
func TestSimRecordingSpool(t *testing.T) {
	var sp spool
	var mu sync.Mutex
	var ran []int
	busy, release := make(chan struct{}), make(chan struct{})
	sp.add(func() { close(busy); <-release }) // holds the spool busy while the rest queue up
	<-busy
	for i := range spoolMaxWrites + 10 {
		queued := sp.addWrite(func() {
			mu.Lock()
			ran = append(ran, i)
			mu.Unlock()
		})
		if want := i < spoolMaxWrites; queued != want {
			t.Fatalf("write %d queued %v, want %v", i, queued, want)
		}
	}
	sp.add(func() { mu.Lock(); ran = append(ran, -1); mu.Unlock() }) // a removal is never dropped
	close(release)
	sp.wait()
	if len(ran) != spoolMaxWrites+1 || !slices.IsSorted(ran[:len(ran)-1]) || ran[len(ran)-1] != -1 {
		t.Fatalf("ran %d jobs (first %v, last %v)", len(ran), ran[:3], ran[len(ran)-1])
	}

	started, finish := make(chan struct{}), make(chan struct{})
	done := false
	sp.add(func() { close(started); <-finish; done = true })
	sp.add(func() { t.Error("a job queued before close ran after it") })
	<-started
	go func() { time.Sleep(20 * time.Millisecond); close(finish) }()
	sp.close() // waits for the job in progress, drops the one queued
	if !done {
		t.Fatal("close returned before the job in progress finished")
	}
	sp.add(func() { t.Error("a job added after close ran") })
	sp.wait()
}
