package realtime

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/redis/go-redis/v9"
)

// Redis URL forms accepted by redis_url (one parser for serve, check-config, the user command,
// the bulletins service and the bench commands):
//
//	redis://[user:pass@]host:6379/0         one server (go-redis's ParseURL; rediss:// for TLS,
//	unix:///run/redis.sock?db=0              unix:// for a socket)
//	redis+sentinel://[user:pass@]host1:26379,host2:26379/mymaster[/db][?sentinel_password=…]
//	                                         a Sentinel set: the sentinels, then the master's name;
//	                                         user:pass is the master's, sentinel_username /
//	                                         sentinel_password the sentinels' own (if they ask)
//	redis+cluster://[user:pass@]host1:7000,host2:7001[?opts]
//	                                         a Cluster's seed nodes (any of them; the rest of the
//	                                         cluster is discovered)
//
// rediss+sentinel:// and rediss+cluster:// use TLS. Other query parameters are go-redis's own
// (dial_timeout, read_timeout, pool_size, …) and are checked by it.
type RedisTarget struct {
	Mode    string // "single", "sentinel" or "cluster"
	single  *redis.Options
	sent    *redis.FailoverOptions
	cluster *redis.ClusterOptions
}

// Redis modes.
const (
	RedisSingle   = "single"
	RedisSentinel = "sentinel"
	RedisCluster  = "cluster"
)

// ParseRedisURL reads a redis_url (see RedisTarget). Errors never quote the password.
func ParseRedisURL(raw string) (*RedisTarget, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return nil, fmt.Errorf("must be a redis://, rediss://, unix://, redis+sentinel:// or redis+cluster:// URL")
	}
	base, mode, _ := strings.Cut(scheme, "+")
	if base != "redis" && base != "rediss" && !(base == "unix" && mode == "") {
		return nil, fmt.Errorf("unknown scheme %q: must be redis, rediss, unix, redis+sentinel or redis+cluster", scheme)
	}
	switch mode {
	case "":
		o, err := redis.ParseURL(raw)
		if err != nil {
			return nil, scrubRedisErr(err, raw)
		}
		return &RedisTarget{Mode: RedisSingle, single: o}, nil
	case RedisSentinel, RedisCluster:
	default:
		return nil, fmt.Errorf("unknown scheme %q: must be redis, rediss, unix, redis+sentinel or redis+cluster", scheme)
	}
	// host1:p1,host2:p2 is not a valid URL host: parse the first host, carry the rest as
	// go-redis's addr= parameters.
	auth, hostsPath := "", rest
	if at := strings.LastIndex(strings.SplitN(rest, "/", 2)[0], "@"); at >= 0 {
		auth, hostsPath = rest[:at+1], rest[at+1:]
	}
	hosts, pathQuery := hostsPath, ""
	if i := strings.IndexAny(hostsPath, "/?"); i >= 0 {
		hosts, pathQuery = hostsPath[:i], hostsPath[i:]
	}
	addrs := strings.Split(hosts, ",")
	for _, a := range addrs {
		if h, p, err := net.SplitHostPort(a); err != nil || h == "" || p == "" {
			return nil, fmt.Errorf("%s: every server must be host:port (comma-separated), got %q", scheme, a)
		}
	}
	u, err := url.Parse(base + "://" + auth + addrs[0] + pathQuery)
	if err != nil {
		return nil, fmt.Errorf("not a valid URL: %s", callfloor.RedactSecrets(raw))
	}
	q := u.Query()
	for _, a := range addrs[1:] {
		q.Add("addr", a)
	}
	if mode == RedisCluster {
		if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
			return nil, fmt.Errorf("redis+cluster: a Cluster has only database 0, got path /%s", p)
		}
		u.Path, u.RawQuery = "", q.Encode()
		o, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return nil, scrubRedisErr(err, raw)
		}
		return &RedisTarget{Mode: RedisCluster, cluster: o}, nil
	}
	// sentinel: /master[/db]
	parts := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
	if len(parts) == 0 || len(parts) > 2 {
		return nil, fmt.Errorf("redis+sentinel: the path must name the master: redis+sentinel://host1:26379,host2:26379/mymaster[/db]")
	}
	q.Set("master_name", parts[0])
	if len(parts) == 2 {
		q.Set("db", parts[1])
	}
	// user:pass in the URL is the master's; the sentinels' own credentials are parameters
	sentUser, sentPass := q.Get("sentinel_username"), q.Get("sentinel_password")
	q.Del("sentinel_username")
	q.Del("sentinel_password")
	if u.User != nil {
		if n := u.User.Username(); n != "" {
			q.Set("username", n)
		}
		if p, ok := u.User.Password(); ok {
			q.Set("password", p)
		}
		u.User = nil
	}
	u.Path, u.RawQuery = "", q.Encode()
	o, err := redis.ParseFailoverURL(u.String())
	if err != nil {
		return nil, scrubRedisErr(err, raw)
	}
	o.SentinelUsername, o.SentinelPassword = sentUser, sentPass
	return &RedisTarget{Mode: RedisSentinel, sent: o}, nil
}

func scrubRedisErr(err error, raw string) error {
	return errors.New(callfloor.Scrub(strings.TrimPrefix(err.Error(), "redis: "), callfloor.SecretsIn(raw)...))
}

// Timeouts sets the dial, read and write timeouts; oneTry makes every command a single attempt
// (a short-lived command that would rather report a miss than wait).
func (t *RedisTarget) Timeouts(d time.Duration, oneTry bool) {
	retries := 0
	if oneTry {
		retries = -1
	}
	switch {
	case t.single != nil:
		t.single.DialTimeout, t.single.ReadTimeout, t.single.WriteTimeout = d, d, d
		if oneTry {
			t.single.MaxRetries, t.single.DialerRetries = retries, 1
		}
	case t.sent != nil:
		t.sent.DialTimeout, t.sent.ReadTimeout, t.sent.WriteTimeout = d, d, d
		if oneTry {
			t.sent.MaxRetries, t.sent.DialerRetries = retries, 1
		}
	case t.cluster != nil:
		t.cluster.DialTimeout, t.cluster.ReadTimeout, t.cluster.WriteTimeout = d, d, d
		if oneTry {
			t.cluster.MaxRetries, t.cluster.DialerRetries = retries, 1
		}
	}
}

// NewClient connects (lazily: the first command dials).
func (t *RedisTarget) NewClient() redis.UniversalClient {
	switch t.Mode {
	case RedisSentinel:
		return redis.NewFailoverClient(t.sent)
	case RedisCluster:
		return redis.NewClusterClient(t.cluster)
	}
	return redis.NewClient(t.single)
}

// String names the servers, without credentials, for logs and messages.
func (t *RedisTarget) String() string {
	switch t.Mode {
	case RedisSentinel:
		return fmt.Sprintf("sentinel %s master %q", strings.Join(t.sent.SentinelAddrs, ","), t.sent.MasterName)
	case RedisCluster:
		return "cluster " + strings.Join(t.cluster.Addrs, ",")
	}
	return t.single.Addr
}

// KeyPrefix is the key prefix to use with this target. In a Cluster every live-state key of
// one floor must hash to one slot (the Lua scripts and MULTI/EXEC touch several keys, and
// build some of them from the prefix), so the prefix must carry a hash tag: a prefix without
// one gets its name as the tag ("cf:" becomes "{cf}:"). Single servers and Sentinel sets keep
// the prefix as configured, so existing data stays readable.
func (t *RedisTarget) KeyPrefix(prefix string) string {
	if t.Mode != RedisCluster || HasHashTag(prefix) {
		return prefix
	}
	return TaggedPrefix(prefix)
}

// TaggedPrefix turns a prefix into one whose keys share a Cluster hash slot: "cf:" -> "{cf}:".
func TaggedPrefix(prefix string) string {
	name := strings.TrimRight(prefix, ":")
	if name == "" {
		name = "callfloor"
	}
	return "{" + name + "}:"
}

// HasHashTag reports whether keys built from prefix all hash by the same non-empty {tag}
// (Redis hashes the text between the first '{' and the next '}', when not empty).
func HasHashTag(prefix string) bool {
	i := strings.IndexByte(prefix, '{')
	if i < 0 {
		return false
	}
	j := strings.IndexByte(prefix[i+1:], '}')
	return j > 0
}

// EachServer calls fn for every server holding data: each master of a Cluster, else the one
// server (a Sentinel client talks to the current master).
func EachServer(ctx context.Context, rdb redis.UniversalClient, fn func(context.Context, *redis.Client) error) error {
	switch c := rdb.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, fn)
	case *redis.Client:
		return fn(ctx, c)
	}
	return fmt.Errorf("redis client %T: neither a Client nor a ClusterClient", rdb)
}

// DeletePrefix deletes every key under prefix, on every server (tests and benchmarks clean
// up with it).
func DeletePrefix(ctx context.Context, rdb redis.UniversalClient, prefix string) error {
	return EachServer(ctx, rdb, func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, prefix+"*", 5000).Iterator()
		var keys []string
		flush := func() error {
			if len(keys) == 0 {
				return nil
			}
			// one key per DEL: keys under an untagged prefix may sit in different slots
			pipe := c.Pipeline()
			for _, k := range keys {
				pipe.Del(ctx, k)
			}
			keys = keys[:0]
			_, err := pipe.Exec(ctx)
			return err
		}
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
			if len(keys) == 5000 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := iter.Err(); err != nil {
			return err
		}
		return flush()
	})
}
