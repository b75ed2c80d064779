package requirements

import (
	"context"
	"fmt"
	"slices"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-SYNC-002", Title: "Every zone's ingress is known to global with the services behind it",
		Level: c.Must, Profile: c.ProfileCore, Features: []c.Feature{c.FeatureInventory},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "Global must list each zone's ingress, attributed to its zone, advertising every service deployed in that zone. " +
			"Other zones route to a service through these advertisements; a missing one makes the service unreachable from outside its zone.",
		Check: func(ctx context.Context, t *c.T) error {
			return t.Eventually(ctx, "ingresses at global", func(ctx context.Context) error {
				ws, err := t.Target.Inventory(ctx)
				if err != nil {
					return err
				}
				for _, z := range t.Topo.Zones {
					var found *c.Workload
					for i := range ws {
						if ws[i].Kind == c.WorkloadIngress && ws[i].Zone == z.Name {
							found = &ws[i]
						}
					}
					if found == nil {
						return fmt.Errorf("global lists no ingress of %s", z.Name)
					}
					for _, s := range z.Services {
						if !slices.Contains(found.Services, s.Name) {
							return fmt.Errorf("ingress of %s does not advertise %s (advertises %v)", z.Name, s.Name, found.Services)
						}
					}
				}
				return nil
			})
		},
	})
}
