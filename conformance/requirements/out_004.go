package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-OUT-004", Title: "A restarted zone control plane resyncs what changed while it was down",
		Level: c.Must, Profile: c.ProfileResilience, Features: []c.Feature{c.FeatureComponentOps, c.FeatureL7Faults},
		Budget: budget(20*time.Second, 60*time.Second), Disruptive: true,
		Description: "A FaultInjection written while zone-b's control plane is dead must be in zone-b's store and enforced by zone-b's proxies (HTTP 418 on local api calls) " +
			"within the budget after the control plane restarts. Resync on reconnect must be complete, not just the changes seen after it.",
		Check: func(ctx context.Context, t *c.T) error {
			cp := c.Component{Kind: c.ComponentZoneCP, Zone: c.ZoneB}
			if err := t.Do(ctx, c.ActionKill, cp); err != nil {
				return err
			}
			if err := t.Apply(ctx, localityPolicy("conformance-out4-local", c.ServiceAPI, "")+"---\n"+abortPolicy("conformance-out4-abort", c.ServiceAPI, 418)); err != nil {
				return err
			}
			if err := t.Target.Do(ctx, c.ActionRestart, cp); err != nil {
				return err
			}
			return t.Eventually(ctx, "zone-b enforces the policy written while it was down", func(ctx context.Context) error {
				if err := policyEverywhere(ctx, t, "FaultInjection", "conformance-out4-abort", true); err != nil {
					return err
				}
				return statusIs(ctx, t, 3, c.ZoneB, c.ServiceAPI, 418)
			})
		},
	})
}
