package telephony

import (
	"context"
	"encoding/binary"
	"io"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
)

// RecordingCatalogue is the recordings catalogue the history keeps (storage.DB implements it).
type RecordingCatalogue interface {
	// Uncatalogued returns the calls, as the history has them, whose recording is one of names
	// and has no catalogue row.
	Uncatalogued(ctx context.Context, names []string) ([]callfloor.Call, error)
}

// recordingPrefix starts the name of every recording callfloor makes: callfloor/<day>/<call id>.
const recordingPrefix = "callfloor/"

// catalogueDelay is how long after a connect the stored recordings are swept: the calls the
// reconciliation ended have stopped their recordings and caught RecordingFinished by then.
const catalogueDelay = recordingWait + 2*time.Second

// catalogueBatch is how many recording names one catalogue query asks about.
const catalogueBatch = 500

// catalogueStored catalogues every recording stored on the node whose call has no catalogue
// row: its recording.ready was lost (Asterisk sent no RecordingFinished, or callfloor stopped
// before it came), so it would have no duration and never be pruned by retention. It runs
// after each connect; the duration is read from the file's WAV header (0 when not a WAV).
func (a *ACD) catalogueStored(ctx context.Context, n *node) {
	if a.catalogue == nil {
		return
	}
	stored, err := n.client.ListStoredRecordings(ctx)
	if err != nil {
		a.log.Warn("listing stored recordings", "node", n.name, "err", err)
		return
	}
	format := map[string]string{}
	var names []string
	for _, r := range stored {
		id := recordingCallID(r.Name)
		if !strings.HasPrefix(r.Name, recordingPrefix) || id == "" || a.lookup(id) != nil {
			continue // not ours, or its call is live here and will catalogue it
		}
		format[r.Name] = r.Format
		names = append(names, r.Name)
	}
	added := 0
	for len(names) > 0 && ctx.Err() == nil {
		batch := names[:min(len(names), catalogueBatch)]
		names = names[len(batch):]
		calls, err := a.catalogue.Uncatalogued(ctx, batch)
		if err != nil {
			a.log.Warn("finding uncatalogued recordings", "node", n.name, "err", err)
			return
		}
		for i := range calls {
			c := &calls[i]
			// The history's copy has a few of the call's fields only: the live state's own record,
			// kept an hour after the end, is the one to complete, or SaveCall would overwrite it
			// with the copy (outcome, hang-up, cause, offers and revision gone).
			if cur, err := a.store.Call(ctx, c.ID); err == nil {
				if cur.State != callfloor.CallEnded {
					continue // live somewhere: it catalogues its own recording
				}
				if cur.RecordingName == "" {
					cur.RecordingName = c.RecordingName
				}
				c = cur
			}
			c.RecordingFormat = format[c.RecordingName]
			c.RecordingDuration = a.storedDuration(ctx, n, c.RecordingName, c.RecordingFormat)
			ev := &callfloor.Event{Type: callfloor.EvRecordingReady, At: a.now(), Call: c}
			if err := a.store.SaveCall(ctx, realtime.CallChange{Call: c, Event: ev}); err != nil {
				a.log.Warn("cataloguing a stored recording", "node", n.name, "recording", c.RecordingName, "err", err)
				return
			}
			added++
		}
	}
	if added > 0 {
		a.log.Warn("catalogued stored recordings that had no catalogue row", "node", n.name, "recordings", added)
	}
}

// storedDuration reads a stored recording's duration in whole seconds from its WAV header.
func (a *ACD) storedDuration(ctx context.Context, n *node, name, format string) int {
	if format != "wav" {
		return 0
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	body, _, err := n.client.StoredRecordingFile(ctx, name)
	if err != nil {
		a.log.Warn("reading a stored recording's header", "node", n.name, "recording", name, "err", err)
		return 0
	}
	defer body.Close()
	d, _ := wavSeconds(body)
	return d
}

// wavSeconds reads a RIFF/WAVE header up to its data chunk: the data's length ÷ byte rate.
func wavSeconds(r io.Reader) (int, bool) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil || string(hdr[:4]) != "RIFF" || string(hdr[8:]) != "WAVE" {
		return 0, false
	}
	var byteRate uint32
	for range 16 { // chunks before "data"
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return 0, false
		}
		size := binary.LittleEndian.Uint32(ch[4:])
		switch string(ch[:4]) {
		case "fmt ":
			if size < 16 || size > 64 {
				return 0, false
			}
			f := make([]byte, size+size%2)
			if _, err := io.ReadFull(r, f); err != nil {
				return 0, false
			}
			byteRate = binary.LittleEndian.Uint32(f[8:12])
		case "data":
			if byteRate == 0 {
				return 0, false
			}
			return int(size / byteRate), true
		default:
			if size > 1<<16 {
				return 0, false
			}
			if _, err := io.CopyN(io.Discard, r, int64(size+size%2)); err != nil {
				return 0, false
			}
		}
	}
	return 0, false
}
