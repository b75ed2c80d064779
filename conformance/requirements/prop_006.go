package requirements

import (
	"context"
	"fmt"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-PROP-006", Title: "Every proxy acknowledges the configuration a change produces",
		Level: c.Should, Profile: c.ProfileCore, Features: []c.Feature{c.FeatureProxyVersions},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "After a permission change that affects every sidecar, every proxy in every zone must have acknowledged the latest config it was sent " +
			"(no pending or rejected version), and each zone's sidecars must have acknowledged something after the write, within the budget. " +
			"A proxy that silently rejects config keeps enforcing stale rules.",
		Check: func(ctx context.Context, t *c.T) error {
			t0 := time.Now()
			// A deny of a service nobody runs changes every sidecar's inbound RBAC.
			doc := "kind: TrafficPermission\nmesh: default\nname: conformance-deny-nobody\nspec:\n  destination: {service: \"*\"}\n  sources: [{service: conformance-nobody}]\n  action: deny\n"
			if err := t.Apply(ctx, doc); err != nil {
				return err
			}
			return t.Eventually(ctx, "every proxy ACKed its latest config", func(ctx context.Context) error {
				for _, z := range t.Topo.Zones {
					ps, err := t.Target.Proxies(ctx, z.Name)
					if err != nil {
						return err
					}
					fresh := 0
					for _, p := range ps {
						after := false
						for typ, v := range p.Types {
							if v.Sent != "" && v.Acked != v.Sent {
								return fmt.Errorf("zone %s: proxy %s has %s %s sent, %q acked", z.Name, p.ID, typ, v.Sent, v.Acked)
							}
							after = after || v.AckedAt.After(t0)
						}
						if after {
							fresh++
						}
					}
					want := 0
					for _, s := range z.Services {
						want += s.Replicas
					}
					if fresh < want {
						return fmt.Errorf("zone %s: %d proxies acknowledged config after the write, want at least %d", z.Name, fresh, want)
					}
				}
				return nil
			})
		},
	})
}
