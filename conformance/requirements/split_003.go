package requirements

import (
	"context"
	"fmt"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-SPLIT-003", Title: "A weighted split divides traffic across zones",
		Level: c.Should, Profile: c.ProfileRouting, Features: []c.Feature{c.FeatureZoneSplit},
		Budget: budget(10*time.Second, 60*time.Second),
		Description: fmt.Sprintf("An HTTPRoute splitting api 50/50 between zone-b and zone-c must give zone-c a share of 0.50±%.2f in a sample of %d calls from zone-a "+
			"(which has its own api, so this also checks that an explicit zone split overrides locality). Zone migrations move traffic this way.", 0.1, splitSample),
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, splitPolicy("conformance-split-zones", c.ServiceAPI, "zone: zone-b", 50, "zone: zone-c", 50)); err != nil {
				return err
			}
			if err := t.EventuallyWithin(ctx, t.Budget, "route in force", func(ctx context.Context) error {
				s := t.Calls(ctx, 30, 4, c.ZoneA, c.ServiceAPI, "/", nil)
				if s.Zone[c.ZoneA] != 0 || s.Zone[c.ZoneB] == 0 || s.Zone[c.ZoneC] == 0 {
					return fmt.Errorf("want zone-b and zone-c only: %s", s)
				}
				return nil
			}); err != nil {
				return err
			}
			s := t.Calls(ctx, splitSample, 4, c.ZoneA, c.ServiceAPI, "/", nil)
			t.Logf("sample: %s", s)
			if s.OK() != s.N {
				return fmt.Errorf("not every call answered 200: %s", s)
			}
			return c.WithinTolerance("zone-c", s.Share(s.Zone, c.ZoneC), 0.5, 0.1, s.N)
		},
	})
}
