package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-UNR-001", Title: "A zone whose ingress is down is avoided",
		Level: c.Must, Profile: c.ProfileResilience, Features: []c.Feature{c.FeatureComponentOps, c.FeatureLocality},
		Budget: budget(15*time.Second, 60*time.Second), Disruptive: true,
		Description: "With zone-a preferring zone-c for backend, killing zone-c's only ingress must move every call from zone-a to zone-b within the budget " +
			"(K consecutive batches of 10 successful calls). A zone unreachable from outside must stop receiving cross-zone traffic.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, localityPolicy("conformance-unr-order", c.ServiceBackend, c.ZoneA, c.ZoneC, c.ZoneB)+"---\n"+resilience(c.ServiceBackend)); err != nil {
				return err
			}
			if err := t.EventuallyWithin(ctx, setupWait, "zone-a served by zone-c", func(ctx context.Context) error {
				return allFrom(ctx, t, 5, c.ZoneA, c.ServiceBackend, nil, inZone(c.ZoneC))
			}); err != nil {
				return err
			}
			if err := t.Do(ctx, c.ActionKill, c.Component{Kind: c.ComponentIngress, Zone: c.ZoneC}); err != nil {
				return err
			}
			return t.Eventually(ctx, "zone-a served by zone-b", func(ctx context.Context) error {
				return allFrom(ctx, t, 10, c.ZoneA, c.ServiceBackend, nil, inZone(c.ZoneB))
			})
		},
	})
}
