package app

import (
	"strings"
	"testing"

	"github.com/zonemesh/zonemesh/controlplane/kube"
	"github.com/zonemesh/zonemesh/controlplane/resource"
)

func TestInstallCommands(t *testing.T) {
	code, out, errs := run(t, "", "install", "crds")
	if code != 0 {
		t.Fatalf("install crds: %d %s", code, errs)
	}
	objs, err := kube.Decode([]byte(out))
	if err != nil || len(objs) != len(resource.Kinds()) {
		t.Fatalf("install crds: %d objects, %v", len(objs), err)
	}
	code, out, errs = run(t, "", "install", "control-plane", "--mode", "zone", "--zone", "zone-1", "--global-address", "global.example:5685")
	if code != 0 {
		t.Fatalf("install control-plane: %d %s", code, errs)
	}
	kinds := map[string]int{}
	objs, err = kube.Decode([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		kinds[o.GetKind()]++
	}
	for kind, n := range map[string]int{"Namespace": 1, "CustomResourceDefinition": len(resource.Kinds()), "Deployment": 2,
		"Service": 2, "ClusterRole": 1, "MutatingWebhookConfiguration": 1} {
		if kinds[kind] != n {
			t.Errorf("%d %s; want %d (all: %v)", kinds[kind], kind, n, kinds)
		}
	}
	if !strings.Contains(out, "--global=global.example:5685") {
		t.Error("zone control plane does not dial the given global")
	}
	if code, _, errs = run(t, "", "install", "control-plane", "--mode", "zone"); code == 0 || !strings.Contains(errs, "--zone") {
		t.Errorf("zone mode without --zone: %d %q", code, errs)
	}
	code, out, errs = run(t, "", "install", "control-plane", "--mode", "global", "--kds-service-type", "LoadBalancer", "--kds-host", "kds.example.com")
	if code != 0 || !strings.Contains(out, "name: "+kube.GlobalKDSServiceName) || !strings.Contains(out, "type: LoadBalancer") ||
		!strings.Contains(out, "--kds-host=kds.example.com") {
		t.Errorf("install control-plane --mode global: %d %s", code, errs)
	}
	if code, _, errs = run(t, "", "install", "control-plane", "--mode", "global", "--kds-service-type", "ClusterIP"); code == 0 || !strings.Contains(errs, "--kds-service-type") {
		t.Errorf("global with a ClusterIP KDS service: %d %q", code, errs)
	}
	if code, _, _ = run(t, "", "install", "nothing"); code == 0 {
		t.Error("install nothing succeeded")
	}
}

// TestZoneModeCheckedAtParse: a bad --mode is the error even when required flags are missing
// too, and it names the flag.
func TestZoneModeCheckedAtParse(t *testing.T) {
	code, _, errs := run(t, "", "zone", "--mode", "kube")
	if code == 0 || !strings.Contains(errs, `invalid value "kube" for flag -mode: want universal or kubernetes`) {
		t.Errorf("zone --mode kube: %d %q", code, errs)
	}
	if code, _, errs = run(t, "", "zone", "--mode", "kubernetes"); code == 0 || strings.Contains(errs, "-mode") {
		t.Errorf("zone --mode kubernetes without --name: %d %q (want the missing flag, not the mode)", code, errs)
	}
}
