package ari

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sync"

	aril "github.com/CyCoreSystems/ari/v5"
)

// Decoding an event in one pass (issue 11, CPU per call). ari/v5's DecodeEvent unmarshals every
// frame twice: once into a {type} header, then again into the type's struct. Here the type is
// read from the frame's first "type" key by a byte scan and the frame is unmarshalled once into
// the struct DecodeEvent itself would have chosen (learnt by asking DecodeEvent, so the two never
// disagree). The scan is only a guess: the decoded event's own top-level type must equal it,
// else (and on any error) decode takes DecodeEvent's path as before.

var (
	eventTypesOnce sync.Once
	eventTypes     map[string]reflect.Type // event type name → its ari/v5 struct (not the pointer)
)

// loadEventTypes asks DecodeEvent for the struct of every type ari/v5 names in aril.Events.
func loadEventTypes() {
	m := map[string]reflect.Type{}
	v := reflect.ValueOf(aril.Events)
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() != reflect.String || f.String() == "" {
			continue
		}
		name := f.String()
		probe, _ := json.Marshal(map[string]string{"type": name})
		ev, err := aril.DecodeEvent(probe)
		if err != nil || ev == nil || ev.GetType() != name {
			continue
		}
		t := reflect.TypeOf(ev)
		if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
			continue
		}
		m[name] = t.Elem()
	}
	eventTypes = m
}

// decodeOnce decodes data in one pass when its type is one ari/v5 knows; nil when it cannot
// (the caller then decodes it the long way).
func decodeOnce(data []byte) aril.Event {
	eventTypesOnce.Do(loadEventTypes)
	name, ok := typeGuess(data)
	if !ok {
		return nil
	}
	t, ok := eventTypes[name]
	if !ok {
		return nil
	}
	ev, ok := reflect.New(t).Interface().(aril.Event)
	if !ok {
		return nil
	}
	if err := json.Unmarshal(data, ev); err != nil || ev.GetType() != name {
		return nil
	}
	return ev
}

var typeKey = []byte(`"type"`)

// typeGuess returns the string value of the first "type" key in data (no escapes).
func typeGuess(data []byte) (string, bool) {
	i := bytes.Index(data, typeKey)
	if i < 0 {
		return "", false
	}
	rest := bytes.TrimLeft(data[i+len(typeKey):], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return "", false
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '"' {
		return "", false
	}
	rest = rest[1:]
	end := bytes.IndexByte(rest, '"')
	if end <= 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return "", false
	}
	return string(rest[:end]), true
}
