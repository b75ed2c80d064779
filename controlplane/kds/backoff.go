package kds

import (
	"math/rand/v2"
	"time"
)

// Backoff is a jittered exponential reconnect delay: attempt n waits a uniformly random time
// in [d/2, d] where d = Min·2ⁿ capped at Max, so that zones cut off together do not come
// back together.
type Backoff struct {
	Min, Max time.Duration
}

// DefaultBackoff is used when a ZoneClient is given none.
var DefaultBackoff = Backoff{Min: 100 * time.Millisecond, Max: 10 * time.Second}

// Delay returns the wait before reconnect attempt n (0 for the first retry).
func (b Backoff) Delay(n int, rnd *rand.Rand) time.Duration {
	lo, hi := b.Min, b.Max
	if lo <= 0 {
		lo = DefaultBackoff.Min
	}
	if hi < lo {
		hi = lo
	}
	d := lo
	for i := 0; i < n && d < hi; i++ {
		d *= 2
	}
	if d > hi {
		d = hi
	}
	half := d / 2
	return half + time.Duration(rnd.Int64N(int64(d-half)+1))
}
