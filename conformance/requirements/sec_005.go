package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-SEC-005", Title: "A deny permission is enforced on calls inside a zone",
		Level: c.Must, Profile: c.ProfileSecurity, Features: []c.Feature{c.FeatureMTLS, c.FeatureLocality},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "With locality-aware balancing for api and a permission denying client → api, calls from every zone to its local api must never answer 200. " +
			"Policy written once at global must be enforced the same way by every zone's own proxies, not only at the ingress.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, localityPolicy("conformance-sec-local", c.ServiceAPI, "")+"---\n"+sprintf(denyClient, c.ServiceAPI)); err != nil {
				return err
			}
			return t.Eventually(ctx, "local calls refused", func(ctx context.Context) error {
				for _, z := range t.Topo.ZoneNames() {
					if err := refused(ctx, t, 3, z, c.ServiceAPI); err != nil {
						return err
					}
				}
				return nil
			})
		},
	})
}
