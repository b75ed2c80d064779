package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-REG-001", Title: "Every zone registers with global and is reported Online",
		Level: c.Must, Profile: c.ProfileCore, Features: []c.Feature{c.FeatureZoneStatus},
		Budget: budget(10*time.Second, 60*time.Second),
		Description: "Each zone control plane connects to global with its zone credential and global lists it as Online. " +
			"Operators rely on the zone list to know which parts of the mesh receive policy; a zone that never shows up is invisible.",
		Check: func(ctx context.Context, t *c.T) error {
			return t.Eventually(ctx, "all zones online", func(ctx context.Context) error {
				for _, z := range t.Topo.ZoneNames() {
					if err := zoneOnline(ctx, t, z, true); err != nil {
						return err
					}
				}
				return nil
			})
		},
	})
}
