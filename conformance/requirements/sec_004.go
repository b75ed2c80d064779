package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

const denyClient = `kind: TrafficPermission
mesh: default
name: conformance-deny-client
spec:
  destination: {service: %s}
  sources: [{service: client}]
  action: deny
`

func init() {
	register(c.Requirement{
		ID: "MZ-SEC-004", Title: "A deny permission is enforced on cross-zone calls",
		Level: c.Must, Profile: c.ProfileSecurity, Features: []c.Feature{c.FeatureMTLS},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "With a TrafficPermission denying client → backend (besides the baseline allow-all), calls from zone-a (where backend does not run) must never answer 200 " +
			"(K consecutive batches of 5). Deny wins over allow, and the destination enforces it whatever zone the caller is in.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, sprintf(denyClient, c.ServiceBackend)); err != nil {
				return err
			}
			return t.Eventually(ctx, "cross-zone calls refused", func(ctx context.Context) error {
				return refused(ctx, t, 5, c.ZoneA, c.ServiceBackend)
			})
		},
	})
}
