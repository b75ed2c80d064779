package requirements

import (
	"context"
	"fmt"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-TMO-003", Title: "Without a retry policy, failures reach the caller",
		Level: c.Should, Profile: c.ProfileRouting, Features: []c.Feature{c.FeatureWorkloadFaults},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "With backend failing 30% of requests and no Retry policy, the failed share seen from zone-a must be 0.30±0.13 over 100 calls. " +
			"Retries must be opt-in (non-idempotent calls) and this calibrates MZ-TMO-002, whose pass would be vacuous if the failures never happened.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.SetBehaviour(ctx, "", c.ServiceBackend, c.Behaviour{FailShare: 0.3}); err != nil {
				return err
			}
			s := t.Calls(ctx, 100, 4, c.ZoneA, c.ServiceBackend, "/", nil)
			t.Logf("sample: %s", s)
			if s.Errors > 0 {
				return fmt.Errorf("transport errors: %s (%v)", s, s.LastErr)
			}
			return c.WithinTolerance("503", float64(s.Status[503])/float64(s.N), 0.3, 0.13, s.N)
		},
	})
}
