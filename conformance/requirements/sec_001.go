package requirements

import (
	"context"
	"fmt"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-SEC-001", Title: "Cross-zone calls carry the caller's mesh identity",
		Level: c.Must, Profile: c.ProfileSecurity, Features: []c.Feature{c.FeatureMTLS},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "The destination's proxy must see the calling service's identity (spiffe://default/client) on calls from every zone to backend in other zones. " +
			"That identity comes only from mTLS end to end through the ingress; without it no permission can be enforced across zones.",
		Check: func(ctx context.Context, t *c.T) error {
			want := "spiffe://" + t.Topo.Mesh + "/" + c.ServiceClient
			return t.Eventually(ctx, "identity seen across zones", func(ctx context.Context) error {
				for _, z := range []string{c.ZoneA, c.ZoneB, c.ZoneC} {
					if err := allFrom(ctx, t, 3, z, c.ServiceBackend, nil, func(a *c.Answer) error {
						if a.Caller != want {
							return fmt.Errorf("%s saw caller %q, want %q", a.Instance, a.Caller, want)
						}
						return nil
					}); err != nil {
						return err
					}
				}
				return nil
			})
		},
	})
}
