package requirements

import (
	"context"
	"fmt"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-SEC-002", Title: "The zone ingress refuses plaintext",
		Level: c.Must, Profile: c.ProfileSecurity, Features: []c.Feature{c.FeatureIngressProbe},
		Budget: budget(3*time.Second, 10*time.Second),
		Description: "A plaintext HTTP request sent straight to each zone's ingress must get no HTTP answer. " +
			"The ingress is exposed to other networks; accepting plaintext would let anyone who can reach it call mesh services without an identity.",
		Check: func(ctx context.Context, t *c.T) error {
			for _, z := range t.Topo.ZoneNames() {
				ok, detail, err := t.Target.ProbeIngress(ctx, z, c.ServiceAPI, c.ProbePlaintext)
				if err != nil {
					return err
				}
				t.Logf("%s: %s", z, detail)
				if ok {
					return fmt.Errorf("ingress of %s answered a plaintext request: %s", z, detail)
				}
			}
			return nil
		},
	})
}
