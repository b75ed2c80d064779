package requirements

import (
	"context"
	"fmt"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

// Sample size and tolerance of MZ-SPLIT-001: with n=200 and p=0.2 the standard deviation of
// the observed share is 0.028, so ±0.09 is more than three deviations.
const (
	splitSample    = 200
	splitTolerance = 0.09
)

func init() {
	register(c.Requirement{
		ID: "MZ-SPLIT-001", Title: "A weighted split divides traffic across versions",
		Level: c.Must, Profile: c.ProfileRouting,
		Budget: budget(10*time.Second, 60*time.Second),
		Description: fmt.Sprintf("An HTTPRoute splitting backend 80/20 between v1 (zone-b) and v2 (zone-c) must give a v2 share of 0.20±%.2f "+
			"in a sample of %d calls from zone-a, all answered 200. Canary rollouts depend on the split being honoured in proportion.", splitTolerance, splitSample),
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, splitPolicy("conformance-split", c.ServiceBackend, "version: v1", 80, "version: v2", 20)); err != nil {
				return err
			}
			// Wait until the route is in force (v2 seen at all) before sampling.
			if err := t.EventuallyWithin(ctx, t.Budget, "route in force", func(ctx context.Context) error {
				s := t.Calls(ctx, 40, 4, c.ZoneA, c.ServiceBackend, "/", nil)
				if s.Version["v2"] == 0 || s.Version["v1"] == 0 {
					return fmt.Errorf("both versions must answer: %s", s)
				}
				return nil
			}); err != nil {
				return err
			}
			s := t.Calls(ctx, splitSample, 4, c.ZoneA, c.ServiceBackend, "/", nil)
			t.Logf("sample: %s", s)
			if s.OK() != s.N {
				return fmt.Errorf("not every call answered 200: %s", s)
			}
			return c.WithinTolerance("v2", s.Share(s.Version, "v2"), 0.20, splitTolerance, s.N)
		},
	})
}
