package sim

import (
	"bytes"
	"encoding/json"
	"time"
)

// tsLayout is Asterisk's ARI timestamp format.
const tsLayout = "2006-01-02T15:04:05.000-0700"

func ts(t time.Time) string { return t.UTC().Format(tsLayout) }

// kv and obj build JSON objects with a fixed key order (Asterisk's order).
type kv struct {
	k string
	v any
}

type obj []kv

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

type party struct {
	Name   string `json:"name"`
	Number string `json:"number"`
}

type dpLoc struct {
	Context  string `json:"context"`
	Exten    string `json:"exten"`
	Priority int    `json:"priority"`
	AppName  string `json:"app_name"`
	AppData  string `json:"app_data"`
}

type channelJSON struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	State        string `json:"state"`
	ProtocolID   string `json:"protocol_id"`
	Caller       party  `json:"caller"`
	Connected    party  `json:"connected"`
	Accountcode  string `json:"accountcode"`
	Dialplan     dpLoc  `json:"dialplan"`
	Creationtime string `json:"creationtime"`
	Language     string `json:"language"`
}

type bridgeJSON struct {
	ID           string   `json:"id"`
	Technology   string   `json:"technology"`
	BridgeType   string   `json:"bridge_type"`
	BridgeClass  string   `json:"bridge_class"`
	Creator      string   `json:"creator"`
	Name         string   `json:"name"`
	Channels     []string `json:"channels"`
	Creationtime string   `json:"creationtime"`
	VideoMode    string   `json:"video_mode"`
}

type liveRecordingJSON struct {
	Name      string `json:"name"`
	Format    string `json:"format"`
	State     string `json:"state"`
	TargetURI string `json:"target_uri"`
}

type finishedRecordingJSON struct {
	Name      string `json:"name"`
	Format    string `json:"format"`
	State     string `json:"state"`
	TargetURI string `json:"target_uri"`
	Duration  int    `json:"duration"`
}

type storedRecordingJSON struct {
	Name   string `json:"name"`
	Format string `json:"format"`
}
