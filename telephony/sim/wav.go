package sim

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
)

const wavRate = 8000

// wavBytes returns a RIFF/WAVE file, 8 kHz 16-bit mono PCM, of n samples of a quiet 440 Hz
// tone: as long as the recorded call really was (RecordingFinished reports whole seconds).
func wavBytes(n int) []byte {
	if n < 0 {
		n = 0
	}
	data := make([]byte, 44+2*n)
	copy(data[0:], "RIFF")
	binary.LittleEndian.PutUint32(data[4:], uint32(36+2*n))
	copy(data[8:], "WAVE")
	copy(data[12:], "fmt ")
	binary.LittleEndian.PutUint32(data[16:], 16)
	binary.LittleEndian.PutUint16(data[20:], 1) // PCM
	binary.LittleEndian.PutUint16(data[22:], 1) // mono
	binary.LittleEndian.PutUint32(data[24:], wavRate)
	binary.LittleEndian.PutUint32(data[28:], wavRate*2)
	binary.LittleEndian.PutUint16(data[32:], 2)
	binary.LittleEndian.PutUint16(data[34:], 16)
	copy(data[36:], "data")
	binary.LittleEndian.PutUint32(data[40:], uint32(2*n))
	// one period of the tone is 8000/440 samples; precompute a second and repeat it
	var second [2 * wavRate]byte
	for i := 0; i < wavRate; i++ {
		v := int16(300 * math.Sin(2*math.Pi*440*float64(i)/wavRate))
		binary.LittleEndian.PutUint16(second[2*i:], uint16(v))
	}
	for off := 44; off < len(data); off += len(second) {
		copy(data[off:], second[:])
	}
	return data
}

func writeWAV(path string, samples int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, wavBytes(samples), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
