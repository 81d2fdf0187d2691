package realtime

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/callfloor/callfloor"
)

// Customer flags for the ACD (issue 14): the hash P custflags maps a canonical number to the
// flag the ACD acts on (callfloor.FlagVIP or FlagBlacklist). PostgreSQL holds the flags; the API
// writes this copy on each change and the start rebuilds it (ReplaceCustomerFlags), so that the
// call path never reads PostgreSQL.

func (s *Store) custFlagsKey() string { return s.p + "custflags" }

// SetCustomerFlag records a number's flag ("" removes it).
func (s *Store) SetCustomerFlag(ctx context.Context, phone, flag string) error {
	var err error
	if flag == "" {
		err = s.rdb.HDel(ctx, s.custFlagsKey(), phone).Err()
	} else {
		err = s.rdb.HSet(ctx, s.custFlagsKey(), phone, flag).Err()
	}
	if err != nil {
		return callfloor.Errorf(callfloor.EINTERNAL, "customer flag: %v", err)
	}
	return nil
}

// CustomerFlag returns a number's flag ("" none).
func (s *Store) CustomerFlag(ctx context.Context, phone string) (string, error) {
	v, err := s.rdb.HGet(ctx, s.custFlagsKey(), phone).Result()
	if err == redis.Nil {
		return "", nil
	}
	if err != nil {
		return "", callfloor.Errorf(callfloor.EINTERNAL, "customer flag: %v", err)
	}
	return v, nil
}

// ReplaceCustomerFlags makes the hash exactly flags, atomically (built aside, then renamed).
func (s *Store) ReplaceCustomerFlags(ctx context.Context, flags map[string]string) error {
	tmp := s.custFlagsKey() + ":rebuild"
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, tmp)
		if len(flags) == 0 {
			p.Del(ctx, s.custFlagsKey())
			return nil
		}
		args := make([]any, 0, 2*len(flags))
		for k, v := range flags {
			args = append(args, k, v)
		}
		p.HSet(ctx, tmp, args...)
		p.Rename(ctx, tmp, s.custFlagsKey())
		return nil
	})
	if err != nil {
		return fmt.Errorf("rebuild customer flags: %w", err)
	}
	return nil
}
