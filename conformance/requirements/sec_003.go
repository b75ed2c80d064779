package requirements

import (
	"context"
	"fmt"
	"time"

	c "github.com/zonemesh/zonemesh/conformance"
)

func init() {
	register(c.Requirement{
		ID: "MZ-SEC-003", Title: "A client with a certificate from outside the mesh is refused through the ingress",
		Level: c.Must, Profile: c.ProfileSecurity, Features: []c.Feature{c.FeatureIngressProbe, c.FeatureMTLS},
		Budget: budget(3*time.Second, 10*time.Second),
		Description: "A TLS client naming api's SNI but presenting a self-signed certificate must not get an HTTP answer through any zone's ingress. " +
			"Only mesh identities may cross zones; TLS alone, without the mesh CA, proves nothing.",
		Check: func(ctx context.Context, t *c.T) error {
			for _, z := range t.Topo.ZoneNames() {
				ok, detail, err := t.Target.ProbeIngress(ctx, z, c.ServiceAPI, c.ProbeForeignClient)
				if err != nil {
					return err
				}
				t.Logf("%s: %s", z, detail)
				if ok {
					return fmt.Errorf("a foreign certificate got an answer through the ingress of %s: %s", z, detail)
				}
			}
			return nil
		},
	})
}
