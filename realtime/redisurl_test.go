package realtime

import (
	"strings"
	"testing"
)

func TestParseRedisURL(t *testing.T) {
	tests := []struct {
		url, mode, desc string
	}{
		{"redis://127.0.0.1:6379/2", RedisSingle, "127.0.0.1:6379"},
		{"redis+sentinel://:s3cret@10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379/mymaster/3", RedisSentinel, `sentinel 10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379 master "mymaster"`},
		{"redis+sentinel://10.0.0.1:26379/mymaster?dial_timeout=2s&sentinel_password=x9x9", RedisSentinel, `sentinel 10.0.0.1:26379 master "mymaster"`},
		{"redis+cluster://u:s3cret@10.0.0.1:7000,10.0.0.2:7001?pool_size=20", RedisCluster, "cluster 10.0.0.1:7000,10.0.0.2:7001"},
		{"rediss+cluster://10.0.0.1:7000", RedisCluster, "cluster 10.0.0.1:7000"},
	}
	for _, tt := range tests {
		tg, err := ParseRedisURL(tt.url)
		if err != nil {
			t.Fatalf("%s: %v", tt.url, err)
		}
		if tg.Mode != tt.mode || tg.String() != tt.desc {
			t.Errorf("%s: mode %s %q, want %s %q", tt.url, tg.Mode, tg.String(), tt.mode, tt.desc)
		}
	}
	s, _ := ParseRedisURL("redis+sentinel://ann:s3cret@10.0.0.1:26379,10.0.0.2:26379/mymaster/3?sentinel_password=x9x9")
	if s.sent.Password != "s3cret" || s.sent.Username != "ann" || s.sent.DB != 3 || s.sent.SentinelPassword != "x9x9" || s.sent.MasterName != "mymaster" {
		t.Errorf("sentinel options %+v", s.sent)
	}
	c, _ := ParseRedisURL("redis+cluster://u:s3cret@10.0.0.1:7000,10.0.0.2:7001?pool_size=20")
	if c.cluster.Password != "s3cret" || c.cluster.PoolSize != 20 || len(c.cluster.Addrs) != 2 {
		t.Errorf("cluster options %+v", c.cluster)
	}

	bad := []struct{ url, want string }{
		{"http://x:1", "unknown scheme"},
		{"redis+sentinel://10.0.0.1:26379", "must name the master"},
		{"redis+sentinel://10.0.0.1:26379/a/b/c", "must name the master"},
		{"redis+sentinel://10.0.0.1:26379/m/x", "database"},
		{"redis+cluster://10.0.0.1:7000,10.0.0.2", "host:port"},
		{"redis+cluster://10.0.0.1:7000/2", "only database 0"},
		{"redis+cluster://:s3cret@10.0.0.1:7000?bogus=1", "unexpected option"},
		{"redis+sharded://10.0.0.1:7000", "unknown scheme"},
		{"127.0.0.1:6379", "must be a redis://"},
	}
	for _, b := range bad {
		_, err := ParseRedisURL(b.url)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: error %v, want it to say %q", b.url, err, b.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: error shows the password: %v", b.url, err)
		}
	}
}

func TestKeyPrefix(t *testing.T) {
	single, _ := ParseRedisURL("redis://127.0.0.1:6379/0")
	cluster, _ := ParseRedisURL("redis+cluster://127.0.0.1:7000")
	if got := single.KeyPrefix("cf:"); got != "cf:" {
		t.Errorf("single keeps the prefix: got %q", got)
	}
	for in, want := range map[string]string{"cf:": "{cf}:", "floor2:": "{floor2}:", "{tenant7}:": "{tenant7}:", "x{}:": "{x{}}:", "": "{callfloor}:"} {
		if got := cluster.KeyPrefix(in); got != want {
			t.Errorf("cluster KeyPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}
