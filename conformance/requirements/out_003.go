package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-OUT-003", Title: "With a zone control plane down, its proxies keep serving",
		Level: c.Must, Profile: c.ProfileResilience, Features: []c.Feature{c.FeatureComponentOps},
		Budget: budget(5*time.Second, 30*time.Second), Disruptive: true,
		Description: "After zone-b's control plane is killed, calls from zone-b to its local api and from zone-a into zone-b (backend v1 through zone-b's ingress) " +
			"must keep answering 200 for the whole budget. Proxies hold their last config; a control-plane crash must not become a data-plane outage.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, splitPolicy("conformance-out-v1", c.ServiceBackend, "version: v1", 100, "version: v2", 0)+"---\n"+localityPolicy("conformance-out-local", c.ServiceAPI, "")); err != nil {
				return err
			}
			if err := t.EventuallyWithin(ctx, setupWait, "routes in force", func(ctx context.Context) error {
				if err := allFrom(ctx, t, 3, c.ZoneA, c.ServiceBackend, nil, inZone(c.ZoneB)); err != nil {
					return err
				}
				return allFrom(ctx, t, 3, c.ZoneB, c.ServiceAPI, nil, inZone(c.ZoneB))
			}); err != nil {
				return err
			}
			if err := t.Do(ctx, c.ActionKill, c.Component{Kind: c.ComponentZoneCP, Zone: c.ZoneB}); err != nil {
				return err
			}
			return steadyFor(ctx, t, t.Budget, func(ctx context.Context) error {
				if err := allFrom(ctx, t, 1, c.ZoneB, c.ServiceAPI, nil, inZone(c.ZoneB)); err != nil {
					return err
				}
				return allFrom(ctx, t, 1, c.ZoneA, c.ServiceBackend, nil, inZone(c.ZoneB))
			})
		},
	})
}
