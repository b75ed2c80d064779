package config_test

import (
	"testing"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/xds"
	"github.com/zonemesh/zonemesh/controlplane/xds/xdstest"
	"github.com/zonemesh/zonemesh/dataplane/config"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

func anys[T proto.Message](t *testing.T, ms []T) []*anypb.Any {
	t.Helper()
	out := make([]*anypb.Any, 0, len(ms))
	for _, m := range ms {
		a, err := anypb.New(m)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// TestControlPlaneOutputIsAccepted feeds what the zone control plane generates for every proxy
// of its test mesh through the proxy's translation: both sides of docs/XDS.md must agree.
func TestControlPlaneOutputIsAccepted(t *testing.T) {
	rs := xdstest.Decode(t, xdstest.MeshYAML)
	certs := xds.NewCertCache(nil)
	for _, r := range rs {
		if r.Kind == resource.KindMesh {
			c := xdstest.MeshCA(t, r.Name).Spec.(*resource.MeshCASpec)
			if err := certs.SetMeshCA(r.Name, []byte(c.CertPEM), []byte(c.KeyPEM), 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	in := xds.NewInputs(xdstest.Zone, rs, certs)
	n := 0
	for _, r := range rs {
		if r.Kind != resource.KindDataplane && r.Kind != resource.KindZoneIngress {
			continue
		}
		n++
		out, err := xds.Generate(in, r)
		if err != nil {
			t.Fatalf("%s: generate: %v", r.Name, err)
		}
		ls, err := config.TranslateListeners(anys(t, out.Listeners))
		if err != nil {
			t.Errorf("%s: listeners NACKed: %v", r.Name, err)
		}
		if _, err := config.TranslateRoutes(anys(t, out.Routes)); err != nil {
			t.Errorf("%s: routes NACKed: %v", r.Name, err)
		}
		cs, err := config.TranslateClusters(anys(t, out.Clusters))
		if err != nil {
			t.Errorf("%s: clusters NACKed: %v", r.Name, err)
		}
		if _, err := config.TranslateEndpoints(anys(t, out.Endpoints)); err != nil {
			t.Errorf("%s: endpoints NACKed: %v", r.Name, err)
		}
		if _, err := config.TranslateSecrets(anys(t, out.Secrets)); err != nil {
			t.Errorf("%s: secrets NACKed: %v", r.Name, err)
		}
		t.Logf("%s %s: %d listeners, %d clusters, EDS %v, RDS %v", r.Kind, r.Name, len(ls), len(cs), config.EDSNames(cs), config.RDSNames(ls))
	}
	if n == 0 {
		t.Fatal("the test mesh has no proxies")
	}
}
