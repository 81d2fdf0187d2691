package testenv

import (
	"context"
	"net"
	"sort"
	"strings"
	"testing"
)

// ProxySet is one client's road to a group of servers (a Sentinel set's master, replica and
// sentinels): a Proxy per server, cut and restored together, which partitions that client from
// all of them at once while others still reach them. A client follows a Sentinel failover
// through it (the sentinels name the servers by their own addresses; DialVia maps them).
type ProxySet struct {
	byTarget map[string]*Proxy
}

// NewProxySet starts a proxy for each target (host:port); they are closed at cleanup.
func NewProxySet(t testing.TB, targets ...string) *ProxySet {
	t.Helper()
	s := &ProxySet{byTarget: map[string]*Proxy{}}
	for _, a := range targets {
		s.byTarget[a] = NewProxy(t, a)
	}
	return s
}

// Cut partitions the client: every connection through the set drops, new ones are refused.
func (s *ProxySet) Cut() {
	for _, p := range s.byTarget {
		p.Cut()
	}
}

// Restore heals the partition.
func (s *ProxySet) Restore() {
	for _, p := range s.byTarget {
		p.Restore()
	}
}

// Map is the set as "target=proxy,…", for DialVia (in this process or a child's).
func (s *ProxySet) Map() string {
	pairs := make([]string, 0, len(s.byTarget))
	for a, p := range s.byTarget {
		pairs = append(pairs, a+"="+p.Addr())
	}
	sort.Strings(pairs)
	return strings.Join(pairs, ",")
}

// DialVia returns a dialer (go-redis's Options.Dialer) that reaches each target of m (a
// ProxySet's Map) through its proxy, and any other address directly.
func DialVia(m string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	to := map[string]string{}
	for _, pair := range strings.Split(m, ",") {
		if a, p, ok := strings.Cut(pair, "="); ok {
			to[a] = p
		}
	}
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if p, ok := to[addr]; ok {
			addr = p
		}
		return d.DialContext(ctx, network, addr)
	}
}

// Addrs are the set's servers: the master, the replicas and the sentinels (a ProxySet's targets).
func (s *Sentinel) Addrs() []string {
	out := []string{s.Master.Addr()}
	for _, n := range append(append([]*RedisProc(nil), s.Replicas...), s.Sentinels...) {
		out = append(out, n.Addr())
	}
	return out
}
