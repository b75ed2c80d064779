package kubeconfig_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/kube"
	"github.com/zonemesh/zonemesh/harness/backend"
	"github.com/zonemesh/zonemesh/harness/backend/kubeconfig"
	"github.com/zonemesh/zonemesh/harness/kubetest"
	"github.com/zonemesh/zonemesh/harness/topology"
)

// The test API server has no kubelet, so nothing becomes available: the test checks what
// the backend writes into the cluster, through the kubeconfig file and its context.
func TestDeploysGlobalAndZoneByContext(t *testing.T) {
	env := kubetest.Require(t, kubetest.Options{})
	ctx := context.Background()
	b, err := kubeconfig.New(kubeconfig.Options{Dir: t.TempDir(), Kubeconfig: env.Kubeconfig,
		GlobalContext: "kubetest", Contexts: map[string]string{"zone-1": "kubetest"}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := b.StartGlobal(ctx, topology.Component{Name: "global"})
	if err != nil {
		t.Fatal(err)
	}
	if g.AdminToken == "" || !strings.Contains(g.KDSAddr, kube.ControlPlaneName) {
		t.Fatalf("global info %+v", g)
	}
	// The seeded key signs zone tokens the installed global will accept.
	key, err := auth.LoadOrCreateKey(g.ZoneTokenKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.NewSigner(key, time.Now).IssueZoneToken("zone-1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	z, err := b.StartZone(ctx, topology.Component{Name: "zone-1/cp", Zone: "zone-1"},
		backend.ZoneSpec{GlobalAddr: g.KDSAddr, GlobalCAFile: g.CAFile, ZoneToken: tok})
	if err != nil {
		t.Fatal(err)
	}
	cs := kubernetes.NewForConfigOrDie(&rest.Config{Host: env.Server, BearerToken: env.Token,
		TLSClientConfig: rest.TLSClientConfig{CAFile: env.CAFile}})
	d, err := cs.AppsV1().Deployments(kube.DefaultNamespace).Get(ctx, kube.ControlPlaneName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Join(d.Spec.Template.Spec.Containers[0].Args, " ")
	if !strings.Contains(args, "--mode=kubernetes") || !strings.Contains(args, "--global="+g.KDSAddr) {
		t.Fatalf("zone control plane args %q", args)
	}
	sec, err := cs.CoreV1().Secrets(kube.DefaultNamespace).Get(ctx, "zonemesh-global", metav1.GetOptions{})
	if err != nil || string(sec.Data["zone-token"]) != tok {
		t.Fatalf("zone secret: %v", err)
	}
	if _, err := b.StartIngress(ctx, topology.Component{Name: "zone-1/ingress", Zone: "zone-1"}, backend.IngressSpec{Zone: z}); err != nil {
		t.Fatal(err)
	}
	if err := z.Pause(); !errors.Is(err, kubeconfig.ErrUnsupported) {
		t.Fatalf("pause: %v", err)
	}
	if err := z.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.StartZone(ctx, topology.Component{Name: "zone-2/cp", Zone: "zone-2"}, backend.ZoneSpec{}); err == nil ||
		!strings.Contains(err.Error(), "zone-2") {
		t.Fatalf("zone without a context: %v", err)
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
}
