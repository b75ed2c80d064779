package requirements

import (
	"context"
	"fmt"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-SYNC-001", Title: "Every zone's dataplanes are known to global with their zone and service",
		Level: c.Must, Profile: c.ProfileCore, Features: []c.Feature{c.FeatureInventory},
		Budget: budget(5*time.Second, 30*time.Second),
		Description: "Global must list one dataplane per running service instance of every zone, attributed to its zone and service. " +
			"The mesh-wide inventory is how operators and the other zones learn what runs where.",
		Check: func(ctx context.Context, t *c.T) error {
			return t.Eventually(ctx, "dataplanes at global", func(ctx context.Context) error {
				ws, err := t.Target.Inventory(ctx)
				if err != nil {
					return err
				}
				have := map[string]int{}
				for _, w := range ws {
					if w.Kind == c.WorkloadDataplane {
						have[w.Zone+"/"+w.Service]++
					}
				}
				for _, z := range t.Topo.Zones {
					want := map[string]int{}
					for _, s := range z.Services {
						want[s.Name] += s.Replicas
					}
					for s, n := range want {
						if have[z.Name+"/"+s] != n {
							return fmt.Errorf("global lists %d dataplanes of %s in %s, want %d", have[z.Name+"/"+s], s, z.Name, n)
						}
					}
				}
				return nil
			})
		},
	})
}
