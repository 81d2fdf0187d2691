package sim

// Speech-like audio for the simulator's recordings, so that a recorded call looks and sounds
// like a conversation in a player's waveform: two "speakers" take turns, each turn a spurt of
// voiced syllables separated by short gaps, turns separated by pauses of 0.3–1.2 s, over a
// line-noise floor near −50 dBFS. Peaks stay near −6 dBFS.
//
// A syllable is a harmonic series at the speaker's pitch (110–216 Hz) shaped by the formants
// of one of five vowels, 150–400 ms long, swelling quickly and fading more slowly, its pitch
// falling or rising a little, sometimes after a short fricative (noise) onset.
//
// Everything follows from the recording's name (FNV-1a seed, a splitmix64 generator of our own
// rather than math/rand's, whose methods may change: the same name gives the same bytes, run
// after run) and is generated in one streaming pass: the first k samples of a name do not
// depend on the length asked for.
//
// Cost: a pitch period is a whole number of samples (8000/P Hz, P = 37..72), so each
// (period, vowel) pair is one precomputed period of at most 72 samples, looked up per sample;
// envelopes are interpolated linearly over 5 ms blocks and the noise comes from a table. A
// sample costs a few nanoseconds (BenchmarkSpeechWAV).

import (
	"hash/fnv"
	"math"
	"sync"
)

const (
	speechMinPeriod = 37 // samples: 216 Hz
	speechMaxPeriod = 72 // samples: 111 Hz
	speechBlock     = 40 // samples (5 ms) over which envelopes are linear
	speechNoiseBits = 14
	speechNoiseRMS  = 100.0 // ≈ −50 dBFS
	speechPeak      = 0.5 * 32767
)

// the first three formants (Hz) of five vowels
var speechVowels = [...][3]float64{
	{730, 1090, 2440}, // a
	{530, 1840, 2480}, // e
	{270, 2290, 3010}, // i
	{570, 840, 2410},  // o
	{300, 870, 2240},  // u
}

var speechTables struct {
	once  sync.Once
	voice [speechMaxPeriod + 1][len(speechVowels)][]float32 // one period, peak 1
	noise [1 << speechNoiseBits]float32                     // unit RMS

	// envelopes over a segment, at speechEnvPoints+1 points from its start to its end
	syllable, fricative [speechEnvPoints + 1]float64
}

const speechEnvPoints = 256

func speechInit() {
	t := &speechTables
	for p := speechMinPeriod; p <= speechMaxPeriod; p++ {
		f0 := float64(wavRate) / float64(p)
		for v, formants := range speechVowels {
			// harmonic k: a falling source (1/√k, −3 dB per octave) times the vowel's
			// formant resonances (Gaussian bumps of falling height, F1 strongest) over a
			// floor; fixed pseudo-random phases keep the crest factor speech-like instead of
			// a pulse train's
			amps := []float64{}
			phases := []float64{}
			for k := 1; float64(k)*f0 < 3800; k++ {
				f := float64(k) * f0
				a := 0.05
				for j, fj := range formants {
					bw := 60 + fj/12
					a += []float64{1, 0.5, 0.25}[j] * math.Exp(-(f-fj)*(f-fj)/(2*bw*bw))
				}
				amps = append(amps, a/math.Sqrt(float64(k)))
				phases = append(phases, 2*math.Pi*math.Mod(float64(k)*0.618033988749+float64(v)*0.31, 1))
			}
			w := make([]float64, p)
			peak := 0.0
			for i := range w {
				for k, a := range amps {
					w[i] += a * math.Sin(2*math.Pi*float64((k+1)*i)/float64(p)+phases[k])
				}
				peak = max(peak, math.Abs(w[i]))
			}
			out := make([]float32, p)
			for i := range w {
				out[i] = float32(w[i] / peak)
			}
			t.voice[p][v] = out
		}
	}
	for i := range t.syllable {
		x := float64(i) / speechEnvPoints
		t.syllable[i] = math.Sqrt(math.Sin(math.Pi * math.Pow(x, 0.7)))
		t.fricative[i] = math.Sin(math.Pi * x)
	}
	t.syllable[speechEnvPoints], t.fricative[speechEnvPoints] = 0, 0 // not sin(π)'s 1e-16
	// Gaussian-ish noise: the sum of four uniforms, scaled to unit RMS
	r := splitmix(0x6e6f697365)
	for i := range t.noise {
		s := 0.0
		for range 4 {
			s += r.float() - 0.5
		}
		t.noise[i] = float32(s / math.Sqrt(4.0/12))
	}
}

// splitmix is splitmix64: tiny, fast and fixed forever (unlike math/rand's methods).
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float is uniform in [0, 1).
func (s *splitmix) float() float64 { return float64(s.next()>>11) / (1 << 53) }

// between is uniform in [lo, hi] (integers).
func (s *splitmix) between(lo, hi int) int { return lo + int(s.next()%uint64(hi-lo+1)) }

// ms is a duration in samples, uniform in [lo, hi] milliseconds.
func (s *splitmix) ms(lo, hi int) int { return s.between(lo, hi) * wavRate / 1000 }

type speechSpeaker struct {
	period int     // base pitch period, samples
	gain   float64 // peak amplitude of a stressed syllable
}

// speechSegment is a stretch of audio: silence (noise floor only), a fricative (louder noise)
// or a voiced syllable.
type speechSegment struct {
	kind           int // segSilence, segFricative, segVoiced
	start, length  int
	gain           float64
	vowel          int
	period0, slope int // period at the start; change over the syllable, in samples
}

const (
	segSilence = iota
	segFricative
	segVoiced
)

type speechGen struct {
	rng       splitmix
	speakers  [2]speechSpeaker
	cur       int             // speaker
	spurtLeft int             // syllables left in the current spurt
	syllables int             // syllables so far in this spurt
	queue     []speechSegment // planned segments; queue[head] is next
	head      int
	noiseOff  int
}

func newSpeechGen(name string) *speechGen {
	speechTables.once.Do(speechInit)
	h := fnv.New64a()
	h.Write([]byte(name))
	g := &speechGen{rng: splitmix(h.Sum64())}
	a := g.rng.between(speechMinPeriod, speechMaxPeriod)
	b := g.rng.between(speechMinPeriod, speechMaxPeriod-12)
	if b > a-6 { // keep the two voices apart (about a minor third or more)
		b += 12
	}
	g.speakers[0] = speechSpeaker{period: a, gain: speechPeak * (0.85 + 0.15*g.rng.float())} // the agent, close to the microphone
	g.speakers[1] = speechSpeaker{period: b, gain: speechPeak * (0.55 + 0.3*g.rng.float())}  // the caller, over the line
	g.cur = g.rng.between(0, 1)
	g.noiseOff = g.rng.between(0, len(speechTables.noise)-1)
	g.queue = append(make([]speechSegment, 0, 4), speechSegment{kind: segSilence, length: g.rng.ms(150, 600)})
	return g
}

// next returns the segment that starts at sample at.
func (g *speechGen) next(at int) speechSegment {
	if g.head == len(g.queue) {
		g.queue, g.head = g.queue[:0], 0
		g.plan()
	}
	s := g.queue[g.head]
	g.head++
	s.start = at
	return s
}

// plan queues what comes next: a pause that starts a turn, or a syllable (perhaps with a
// fricative onset) and the gap after it.
func (g *speechGen) plan() {
	r := &g.rng
	if g.spurtLeft == 0 {
		// a new turn, usually the other speaker's, after a pause
		g.spurtLeft = r.between(2, 12)
		g.syllables = 0
		if r.float() < 0.85 {
			g.cur ^= 1
		}
		g.queue = append(g.queue, speechSegment{kind: segSilence, length: r.ms(300, 1200)})
		return
	}
	sp := g.speakers[g.cur]
	stress := 0.55 + 0.45*r.float()
	if g.syllables == 0 {
		stress = 0.9 + 0.1*r.float()
	}
	syl := speechSegment{kind: segVoiced, length: r.ms(150, 400), gain: sp.gain * stress, vowel: r.between(0, len(speechVowels)-1),
		period0: min(max(sp.period+r.between(-3, 3), speechMinPeriod), speechMaxPeriod), slope: r.between(-3, 5)}
	if r.float() < 0.35 {
		fr := speechSegment{kind: segFricative, length: r.ms(20, 60), gain: syl.gain * (0.08 + 0.1*r.float())}
		g.queue = append(g.queue, fr)
	}
	g.queue = append(g.queue, syl)
	g.spurtLeft--
	g.syllables++
	if g.spurtLeft > 0 { // else the turn's pause follows
		g.queue = append(g.queue, speechSegment{kind: segSilence, length: r.ms(20, 140)})
	}
}

// envelope is the segment's amplitude (0..1) k samples into it: a fricative a sine hump; a
// syllable swells quickly, peaks at about a third of its length and fades more slowly.
func (s *speechSegment) envelope(k int) float64 {
	if k <= 0 || k >= s.length {
		return 0
	}
	env := &speechTables.syllable
	if s.kind == segFricative {
		env = &speechTables.fricative
	}
	// linear between the table's points (an envelope is evaluated once per block)
	x := float64(k) * speechEnvPoints / float64(s.length)
	i := int(x)
	return env[i] + (env[i+1]-env[i])*(x-float64(i))
}

// speechPCM writes n samples of name's conversation into out (16-bit little-endian PCM,
// 2n bytes).
func speechPCM(out []byte, name string, n int) {
	g := newSpeechGen(name)
	noise := &speechTables.noise
	const mask = len(speechTables.noise) - 1
	ni := g.noiseOff
	put := func(i int, v float32) {
		x := int16(v) // |v| stays far below 32767: peaks near −6 dBFS
		out[2*i] = byte(x)
		out[2*i+1] = byte(uint16(x) >> 8)
	}
	for i := 0; i < n; {
		seg := g.next(i)
		end := min(seg.start+seg.length, n)
		switch seg.kind {
		case segSilence:
			for ; i < end; i++ {
				put(i, speechNoiseRMS*noise[ni&mask])
				ni++
			}
		case segFricative, segVoiced:
			var table []float32
			phase := 0
			for i < end {
				// blocks count from the segment's start and end at its end, whatever n is,
				// so that the samples do not depend on the length asked for
				k := i - seg.start
				kEnd := min(k+speechBlock, seg.length)
				e0, e1 := seg.envelope(k)*seg.gain, seg.envelope(kEnd)*seg.gain
				step := float32((e1 - e0) / float64(kEnd-k))
				env := float32(e0)
				blockEnd := min(seg.start+kEnd, end)
				if seg.kind == segFricative {
					for ; i < blockEnd; i++ {
						put(i, (speechNoiseRMS+env)*noise[ni&mask])
						ni++
						env += step
					}
					continue
				}
				// the pitch glides by slope samples of period over the syllable; keep the
				// phase's fraction of a period across a change
				p := seg.period0 + seg.slope*k/seg.length
				p = min(max(p, speechMinPeriod), speechMaxPeriod)
				if len(table) != p {
					if len(table) > 0 {
						phase = phase * p / len(table)
					}
					table = speechTables.voice[p][seg.vowel]
				}
				for ; i < blockEnd; i++ {
					put(i, env*table[phase]+speechNoiseRMS*noise[ni&mask])
					ni++
					env += step
					if phase++; phase == p {
						phase = 0
					}
				}
			}
		}
	}
}
