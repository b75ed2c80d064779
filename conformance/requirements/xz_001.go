package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-XZ-001", Title: "A service deployed only in other zones is reachable through their ingresses",
		Level: c.Must, Profile: c.ProfileRouting,
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "A caller in zone-a, where backend does not run, must get HTTP 200 answers from backend instances in zone-b or zone-c " +
			"(K consecutive batches of 10 calls). Reaching services across zones through the zone ingress is the reason a multi-zone mesh exists.",
		Check: func(ctx context.Context, t *c.T) error {
			return t.Eventually(ctx, "zone-a reaches backend", func(ctx context.Context) error {
				return allFrom(ctx, t, 10, c.ZoneA, c.ServiceBackend, nil, inZone(c.ZoneB, c.ZoneC))
			})
		},
	})
}
