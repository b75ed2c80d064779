package requirements

import (
	"context"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-OFFL-002", Title: "A hung zone is marked Offline by keepalive",
		Level: c.Must, Profile: c.ProfileResilience, Features: []c.Feature{c.FeatureZoneStatus, c.FeatureComponentOps},
		Budget: budget(10*time.Second, 60*time.Second), Disruptive: true,
		Description: "A zone control plane that is frozen (SIGSTOP: the TCP connection stays open, nothing answers) must be reported Offline within the budget. " +
			"A hung peer never closes its stream, so only a keepalive with a timeout can notice it; without one the zone stays Online forever.",
		Check: func(ctx context.Context, t *c.T) error {
			cp := c.Component{Kind: c.ComponentZoneCP, Zone: c.ZoneC}
			if err := t.Do(ctx, c.ActionPause, cp); err != nil {
				return err
			}
			return t.Eventually(ctx, "paused zone-c offline", func(ctx context.Context) error { return zoneOnline(ctx, t, c.ZoneC, false) })
		},
	})
}
