package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-LOC-004", Title: "A caller whose local instance is gone is served from another zone",
		Level: c.Should, Profile: c.ProfileResilience, Features: []c.Feature{c.FeatureLocality, c.FeatureComponentOps},
		Budget: budget(15*time.Second, 60*time.Second), Disruptive: true,
		Description: "With locality-aware balancing for api, killing api in zone-a must make zone-a's calls succeed from zone-b or zone-c within the budget. " +
			"Local preference must never become local-only: losing the local copy degrades latency, not availability.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, localityPolicy("conformance-loc-remote", c.ServiceAPI, "")+"---\n"+resilience(c.ServiceAPI)); err != nil {
				return err
			}
			if err := t.EventuallyWithin(ctx, setupWait, "zone-a served locally first", func(ctx context.Context) error {
				return allFrom(ctx, t, 5, c.ZoneA, c.ServiceAPI, nil, inZone(c.ZoneA))
			}); err != nil {
				return err
			}
			if err := t.Do(ctx, c.ActionKill, c.Component{Kind: c.ComponentService, Zone: c.ZoneA, Service: c.ServiceAPI}); err != nil {
				return err
			}
			return t.Eventually(ctx, "zone-a served remotely", func(ctx context.Context) error {
				return allFrom(ctx, t, 10, c.ZoneA, c.ServiceAPI, nil, inZone(c.ZoneB, c.ZoneC))
			})
		},
	})
}
