package main

import (
	"strings"
	"testing"

	"github.com/callfloor/callfloor"
)

// TestCheckServeRedisURL: serve and check-config refuse a redis_url serve could not use, naming
// the field and never the password; the Sentinel and Cluster forms pass.
func TestCheckServeRedisURL(t *testing.T) {
	for _, u := range []string{"redis://127.0.0.1:6379/0", "redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster/0", "redis+cluster://10.0.0.1:7000,10.0.0.2:7000"} {
		if err := CheckServe(&callfloor.Config{DatabaseURL: "postgres://x@db/x", RedisURL: u}); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for u, want := range map[string]string{
		"redis+sentinel://:s3cret@10.0.0.1:26379":        "must name the master",
		"redis+cluster://:s3cret@10.0.0.1:7000,10.0.0.2": "host:port",
	} {
		err := CheckServe(&callfloor.Config{DatabaseURL: "postgres://x@db/x", RedisURL: u})
		if err == nil || !strings.HasPrefix(err.Error(), "config: redis_url: ") || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: %v, want redis_url: …%s… without the password", u, err, want)
		}
	}
}
