package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-LOC-003", Title: "Traffic fails over to the next zone when the first has no instance left",
		Level: c.Must, Profile: c.ProfileResilience, Features: []c.Feature{c.FeatureLocality, c.FeatureComponentOps},
		Budget: budget(15*time.Second, 60*time.Second), Disruptive: true,
		Description: "With the failover order zone-a → [zone-c, zone-b] for backend, killing backend's instances in zone-c must move every call from zone-a " +
			"to zone-b within the budget (K consecutive batches of 10 successful calls). Failover is what keeps a service up when a zone loses it.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, localityPolicy("conformance-loc-failover", c.ServiceBackend, c.ZoneA, c.ZoneC, c.ZoneB)+"---\n"+resilience(c.ServiceBackend)); err != nil {
				return err
			}
			if err := t.EventuallyWithin(ctx, setupWait, "zone-a served by zone-c first", func(ctx context.Context) error {
				return allFrom(ctx, t, 5, c.ZoneA, c.ServiceBackend, nil, inZone(c.ZoneC))
			}); err != nil {
				return err
			}
			if err := t.Do(ctx, c.ActionKill, c.Component{Kind: c.ComponentService, Zone: c.ZoneC, Service: c.ServiceBackend}); err != nil {
				return err
			}
			return t.Eventually(ctx, "zone-a served by zone-b", func(ctx context.Context) error {
				return allFrom(ctx, t, 10, c.ZoneA, c.ServiceBackend, nil, inZone(c.ZoneB))
			})
		},
	})
}
