package requirements

import (
	"context"
	"fmt"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-XZ-002", Title: "Every zone reaches every other zone",
		Level: c.Should, Profile: c.ProfileRouting, Features: []c.Feature{c.FeatureZoneSplit},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "For each zone Z, a route sending all of api's traffic to Z must make callers in every zone answer from Z. " +
			"This exercises all nine zone pairs, so a single broken ingress or link shows up instead of being masked by the others.",
		Check: func(ctx context.Context, t *c.T) error {
			for _, to := range t.Topo.ZoneNames() {
				doc := fmt.Sprintf("kind: HTTPRoute\nmesh: default\nname: conformance-xz-all\nspec:\n  destination: {service: api}\n  rules:\n  - match: {path: {prefix: /}}\n    split:\n    - {zone: %s, weight: 100}\n", to)
				if err := t.Apply(ctx, doc); err != nil {
					return err
				}
				if err := t.Eventually(ctx, "every zone answered from "+to, func(ctx context.Context) error {
					for _, from := range t.Topo.ZoneNames() {
						if err := allFrom(ctx, t, 3, from, c.ServiceAPI, nil, inZone(to)); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					return err
				}
			}
			return nil
		},
	})
}
