package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-PART-001", Title: "A zone cut off from global keeps serving and receives the changes it missed",
		Level: c.Must, Profile: c.ProfileResilience, Features: []c.Feature{c.FeatureLinkFaults, c.FeaturePolicyReadback},
		Budget: budget(15*time.Second, 60*time.Second), Disruptive: true,
		Description: "While zone-b ↔ global is partitioned, zone-b's callers must keep getting 200 from api; a policy written during the partition must reach zone-b's store " +
			"at global's version within the budget after the heal. WAN partitions are routine; they may delay policy, never lose it.",
		Check: func(ctx context.Context, t *c.T) error {
			heal, err := t.Partition(ctx, c.Link{From: c.ZoneB, To: "global"})
			if err != nil {
				return err
			}
			if err := allFrom(ctx, t, 10, c.ZoneB, c.ServiceAPI, nil, nil); err != nil {
				return err
			}
			if err := t.Apply(ctx, abortPolicy("conformance-part-new", "conformance-none", 418)); err != nil {
				return err
			}
			if err := steadyFor(ctx, t, 2*time.Second, func(ctx context.Context) error { return allFrom(ctx, t, 1, c.ZoneB, c.ServiceAPI, nil, nil) }); err != nil {
				return err
			}
			if err := heal(ctx); err != nil {
				return err
			}
			return t.Eventually(ctx, "zone-b has the policy after heal", func(ctx context.Context) error {
				return policyEverywhere(ctx, t, "FaultInjection", "conformance-part-new", true)
			})
		},
	})
}
