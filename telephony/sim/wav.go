package sim

import (
	"encoding/binary"
	"os"
	"path/filepath"
)

const wavRate = 8000

// wavBytes returns a RIFF/WAVE file, 8 kHz 16-bit mono PCM, of n samples of name's simulated
// conversation (speech.go): as long as the recorded call really was (RecordingFinished reports
// whole seconds), the same bytes for the same name and length.
func wavBytes(name string, n int) []byte {
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
	speechPCM(data[44:], name, n)
	return data
}

func writeWAV(path, name string, samples int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, wavBytes(name, samples), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
