package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-UNR-002", Title: "A zone behind a network partition is avoided",
		Level: c.Should, Profile: c.ProfileResilience, Features: []c.Feature{c.FeatureLinkFaults, c.FeatureLocality},
		Budget: budget(15*time.Second, 60*time.Second), Disruptive: true,
		Description: "With zone-a preferring zone-c for backend, a blackhole partition zone-a ↔ zone-c (every process still running, nothing answering) must move zone-a's calls " +
			"to zone-b within the budget. Unlike a dead ingress, a blackhole gives no connection refusal: only timeouts and outlier detection can see it.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, localityPolicy("conformance-unr2-order", c.ServiceBackend, c.ZoneA, c.ZoneC, c.ZoneB)+"---\n"+resilience(c.ServiceBackend)); err != nil {
				return err
			}
			if err := t.EventuallyWithin(ctx, setupWait, "zone-a served by zone-c", func(ctx context.Context) error {
				return allFrom(ctx, t, 5, c.ZoneA, c.ServiceBackend, nil, inZone(c.ZoneC))
			}); err != nil {
				return err
			}
			if _, err := t.Partition(ctx, c.Link{From: c.ZoneA, To: c.ZoneC}); err != nil {
				return err
			}
			return t.Eventually(ctx, "zone-a served by zone-b", func(ctx context.Context) error {
				return allFrom(ctx, t, 10, c.ZoneA, c.ServiceBackend, nil, inZone(c.ZoneB))
			})
		},
	})
}
