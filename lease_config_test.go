package callfloor

import (
	"strings"
	"testing"
	"time"
)

// acd.lease: defaults 3s / 1s / 500ms; bad timings are refused naming the field.
func TestLeaseConfig(t *testing.T) {
	cfg := &Config{Sim: &SimConfig{}, Queues: []Queue{{Name: "sales"}}}
	cfg.ApplyDefaults()
	if l := cfg.ACD.Lease; l.Enabled || l.TTL != 3*time.Second || l.Renew != time.Second || l.Poll != 500*time.Millisecond {
		t.Fatalf("defaults %+v", l)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("defaults refused: %v", err)
	}
	for _, c := range []struct {
		l     LeaseConfig
		field string
	}{
		{LeaseConfig{TTL: 500 * time.Millisecond, Renew: 100 * time.Millisecond, Poll: 100 * time.Millisecond}, "acd.lease.ttl"},
		{LeaseConfig{TTL: 3 * time.Second, Renew: 2 * time.Second, Poll: time.Second}, "acd.lease.renew"},
		{LeaseConfig{TTL: 3 * time.Second, Renew: time.Second, Poll: 4 * time.Second}, "acd.lease.poll"},
		{LeaseConfig{TTL: 3 * time.Second, Renew: time.Second, Poll: time.Millisecond}, "acd.lease.poll"},
	} {
		cfg.ACD.Lease = c.l
		err := cfg.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), c.field) {
			t.Errorf("%+v: %v, want an error naming %s", c.l, err, c.field)
		}
	}
}
