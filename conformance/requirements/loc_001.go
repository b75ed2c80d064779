package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-LOC-001", Title: "Locality-aware balancing keeps traffic in the caller's zone",
		Level: c.Must, Profile: c.ProfileRouting, Features: []c.Feature{c.FeatureLocality},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "With locality-aware load balancing for api, which runs in every zone, every call from every zone must be answered in the caller's zone " +
			"(K consecutive batches of 10 calls per zone, no tolerance). Crossing zones costs latency and egress money; a local healthy instance must win.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, localityPolicy("conformance-loc-local", c.ServiceAPI, "")); err != nil {
				return err
			}
			return t.Eventually(ctx, "api answered locally", func(ctx context.Context) error {
				for _, z := range t.Topo.ZoneNames() {
					if err := allFrom(ctx, t, 10, z, c.ServiceAPI, nil, inZone(z)); err != nil {
						return err
					}
				}
				return nil
			})
		},
	})
}
