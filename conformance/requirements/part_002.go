package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-PART-002", Title: "A policy deleted during a partition leaves no zombie behind",
		Level: c.Must, Profile: c.ProfileResilience, Features: []c.Feature{c.FeatureLinkFaults, c.FeatureL7Faults, c.FeaturePolicyReadback},
		Budget: budget(15*time.Second, 60*time.Second), Disruptive: true,
		Description: "A FaultInjection in force in zone-b, deleted at global while zone-b ↔ global is partitioned, must be gone from zone-b's store and no longer enforced " +
			"(local api calls answer 200) within the budget after the heal. A reconnecting zone must reconcile deletions, not only additions.",
		Check: func(ctx context.Context, t *c.T) error {
			if err := t.Apply(ctx, localityPolicy("conformance-part2-local", c.ServiceAPI, "")+"---\n"+abortPolicy("conformance-part2-abort", c.ServiceAPI, 418)); err != nil {
				return err
			}
			if err := t.EventuallyWithin(ctx, setupWait, "zone-b enforces the policy", func(ctx context.Context) error {
				return statusIs(ctx, t, 2, c.ZoneB, c.ServiceAPI, 418)
			}); err != nil {
				return err
			}
			heal, err := t.Partition(ctx, c.Link{From: c.ZoneB, To: "global"})
			if err != nil {
				return err
			}
			if err := t.EventuallyWithin(ctx, setupWait, "zone-b offline", func(ctx context.Context) error { return zoneOnline(ctx, t, c.ZoneB, false) }); err != nil {
				return err
			}
			if err := t.Target.Delete(ctx, "FaultInjection", "conformance-part2-abort"); err != nil {
				return err
			}
			if err := heal(ctx); err != nil {
				return err
			}
			return t.Eventually(ctx, "zombie gone from zone-b", func(ctx context.Context) error {
				if err := policyEverywhere(ctx, t, "FaultInjection", "conformance-part2-abort", false); err != nil {
					return err
				}
				return allFrom(ctx, t, 3, c.ZoneB, c.ServiceAPI, nil, nil)
			})
		},
	})
}
