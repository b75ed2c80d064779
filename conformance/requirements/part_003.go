package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-PART-003", Title: "Cross-zone routing recovers after a zone-to-zone partition heals",
		Level: c.Should, Profile: c.ProfileResilience, Features: []c.Feature{c.FeatureLinkFaults, c.FeatureLocality},
		Budget: budget(20*time.Second, 60*time.Second), Disruptive: true,
		Description: "With zone-a preferring zone-b for backend, a zone-a ↔ zone-b partition must not stop zone-a being served by zone-b again within the budget after it heals. " +
			"Ejected or failed-over endpoints must come back; otherwise every partition permanently shifts load.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, localityPolicy("conformance-part3-order", c.ServiceBackend, c.ZoneA, c.ZoneB, c.ZoneC)+"---\n"+resilience(c.ServiceBackend)); err != nil {
				return err
			}
			if err := t.EventuallyWithin(ctx, setupWait, "zone-a served by zone-b", func(ctx context.Context) error {
				return allFrom(ctx, t, 5, c.ZoneA, c.ServiceBackend, nil, inZone(c.ZoneB))
			}); err != nil {
				return err
			}
			heal, err := t.Partition(ctx, c.Link{From: c.ZoneA, To: c.ZoneB})
			if err != nil {
				return err
			}
			if err := t.EventuallyWithin(ctx, setupWait, "zone-a served by zone-c during the partition", func(ctx context.Context) error {
				return allFrom(ctx, t, 5, c.ZoneA, c.ServiceBackend, nil, inZone(c.ZoneC))
			}); err != nil {
				return err
			}
			if err := heal(ctx); err != nil {
				return err
			}
			return t.Eventually(ctx, "zone-a served by zone-b again", func(ctx context.Context) error {
				return allFrom(ctx, t, 5, c.ZoneA, c.ServiceBackend, nil, inZone(c.ZoneB))
			})
		},
	})
}
