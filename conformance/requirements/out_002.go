package requirements

import (
	"context"
	"fmt"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-OUT-002", Title: "A restarted global has lost nothing it acknowledged, and zones resync",
		Level: c.Must, Profile: c.ProfileResilience, Features: []c.Feature{c.FeatureComponentOps, c.FeaturePolicyReadback},
		Budget: budget(20*time.Second, 60*time.Second), Disruptive: true,
		Description: "A policy acknowledged by global just before global is killed (SIGKILL, no shutdown) must be present at the same version after restart, " +
			"and every zone must have it within the budget. An acknowledged write that vanishes is silent data loss.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, abortPolicy("conformance-durable", "conformance-none", 418)); err != nil {
				return err
			}
			v, found, err := t.Target.PolicyVersion(ctx, "", "FaultInjection", "conformance-durable")
			if err != nil || !found {
				return fmt.Errorf("policy not readable after apply: found=%v err=%v", found, err)
			}
			g := c.Component{Kind: c.ComponentGlobal}
			if err := t.Target.Do(ctx, c.ActionKill, g); err != nil {
				return err
			}
			if err := t.Target.Do(ctx, c.ActionRestart, g); err != nil {
				return err
			}
			return t.Eventually(ctx, "policy at global and in every zone after restart", func(ctx context.Context) error {
				v2, found, err := t.Target.PolicyVersion(ctx, "", "FaultInjection", "conformance-durable")
				if err != nil {
					return err
				}
				if !found || v2 != v {
					return fmt.Errorf("after restart global has it=%v at version %d, acknowledged %d", found, v2, v)
				}
				return policyEverywhere(ctx, t, "FaultInjection", "conformance-durable", true)
			})
		},
	})
}
