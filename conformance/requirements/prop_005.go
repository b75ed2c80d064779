package requirements

import (
	"context"
	"fmt"
	"strings"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

// bulkSize is how many policies MZ-PROP-005 writes in one request.
const bulkSize = 200

func init() {
	register(c.Requirement{
		ID: "MZ-PROP-005", Title: "A burst of policies reaches every zone, and so does their deletion",
		Level: c.Must, Profile: c.ProfileScale, Features: []c.Feature{c.FeaturePolicyReadback},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: fmt.Sprintf("%d Timeout policies applied in one request must all be in every zone's store at global's versions within the budget, "+
			"and gone from every zone within the budget after they are deleted. GitOps tools apply whole folders at once; a sync that drops or stalls on bursts loses policy.", bulkSize),
		Check: func(ctx context.Context, t *c.T) error {
			var b strings.Builder
			names := make([]string, bulkSize)
			for i := range names {
				names[i] = fmt.Sprintf("conformance-bulk-%03d", i)
				fmt.Fprintf(&b, "---\nkind: Timeout\nmesh: default\nname: %s\nspec:\n  destination: {service: bulk-%03d}\n  request: 3s\n", names[i], i)
			}
			if err := t.Apply(ctx, b.String()); err != nil {
				return err
			}
			check := func(present bool) func(ctx context.Context) error {
				return func(ctx context.Context) error {
					for _, n := range []string{names[0], names[bulkSize/2], names[bulkSize-1]} {
						if err := policyEverywhere(ctx, t, "Timeout", n, present); err != nil {
							return err
						}
					}
					for _, n := range names {
						if err := policyEverywhere(ctx, t, "Timeout", n, present); err != nil {
							return err
						}
					}
					return nil
				}
			}
			if err := t.Eventually(ctx, "all policies in every zone", check(true)); err != nil {
				return err
			}
			for _, n := range names {
				if err := t.Target.Delete(ctx, "Timeout", n); err != nil {
					return err
				}
			}
			return t.Eventually(ctx, "all policies gone from every zone", check(false))
		},
	})
}
