package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-LOC-002", Title: "The failover order picks the first listed zone",
		Level: c.Must, Profile: c.ProfileRouting, Features: []c.Feature{c.FeatureLocality},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "With a failover order zone-a → [zone-c, zone-b] for backend (not in zone-a), every call from zone-a must be answered by zone-c; " +
			"with the order reversed, by zone-b. The order encodes cost and latency decisions (nearest region first) that the mesh must honour.",
		Check: func(ctx context.Context, t *c.T) error {
			for _, order := range [][]string{{c.ZoneC, c.ZoneB}, {c.ZoneB, c.ZoneC}} {
				if err := t.Apply(ctx, localityPolicy("conformance-loc-order", c.ServiceBackend, c.ZoneA, order...)); err != nil {
					return err
				}
				if err := t.Eventually(ctx, "zone-a served by "+order[0], func(ctx context.Context) error {
					return allFrom(ctx, t, 10, c.ZoneA, c.ServiceBackend, nil, inZone(order[0]))
				}); err != nil {
					return err
				}
			}
			return nil
		},
	})
}
