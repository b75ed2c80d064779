package requirements

import (
	"context"
	"fmt"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-LOAD-001", Title: "Steady cross-zone load completes without a single error",
		Level: c.Must, Profile: c.ProfileScale,
		Budget: budget(30*time.Second, 120*time.Second),
		Description: "600 calls from zone-a to backend (cross-zone) and 600 from zone-b to api, each with 8 concurrent callers, must all answer 200 within the budget. " +
			"In steady state, with no faults and no changes, any error is a mesh bug.",
		Check: func(ctx context.Context, t *c.T) error {
			ctx, cancel := context.WithTimeout(ctx, t.Budget)
			defer cancel()
			for _, p := range [][2]string{{c.ZoneA, c.ServiceBackend}, {c.ZoneB, c.ServiceAPI}} {
				s := t.Calls(ctx, 600, 8, p[0], p[1], "/", nil)
				t.Logf("%s→%s: %s in %v", p[0], p[1], s, s.Duration.Round(time.Millisecond))
				if s.OK() != s.N {
					return fmt.Errorf("%s→%s: %s (last error %v)", p[0], p[1], s, s.LastErr)
				}
			}
			return nil
		},
	})
}
