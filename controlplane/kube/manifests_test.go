package kube_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/zonemesh/zonemesh/controlplane/kube"
	"github.com/zonemesh/zonemesh/controlplane/kube/crds"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/harness/kubetest"
)

func TestCRDsCoverEveryKind(t *testing.T) {
	objs, err := kube.Decode(crds.YAML)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, o := range objs {
		have[o.GetName()] = true
	}
	for _, k := range resource.Kinds() {
		if !have[kube.Plural(k)+"."+crds.Group] {
			t.Errorf("no CRD for %s", k)
		}
	}
	if len(objs) != len(resource.Kinds()) {
		t.Errorf("%d CRDs for %d kinds", len(objs), len(resource.Kinds()))
	}
}

func TestManifestsRejectBadOptions(t *testing.T) {
	for _, o := range []kube.InstallOptions{{Mode: "zone", GlobalAddress: "g:5685"}, {Mode: "zone", Zone: "a", GlobalAddress: "nope"}, {Mode: "other"},
		{Mode: "global", KDSServiceType: corev1.ServiceTypeClusterIP}, {Mode: "global", KDSNodePort: 70000}} {
		if _, err := kube.Manifests(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestManifestsApplyToAPIServer(t *testing.T) {
	env := kubetest.Require(t, kubetest.Options{})
	ctx := context.Background()
	cs, err := kubernetes.NewForConfig(env.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	global, err := kube.Manifests(kube.InstallOptions{Mode: "global", Namespace: "zonemesh-global", KDSNodePort: 30685, KDSHosts: []string{"203.0.113.7"}})
	if err != nil {
		t.Fatal(err)
	}
	globalLB, err := kube.Manifests(kube.InstallOptions{Mode: "global", Namespace: "zonemesh-global-lb", KDSServiceType: corev1.ServiceTypeLoadBalancer})
	if err != nil {
		t.Fatal(err)
	}
	if err := kube.Apply(ctx, env.RESTConfig(), globalLB); err != nil {
		t.Fatal(err)
	}
	zone, err := kube.Manifests(kube.InstallOptions{Mode: "zone", Zone: "zone-1", GlobalAddress: "global.example:5685"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range [][]byte{global, zone, zone} { // applying twice is a no-op, not an error
		if err := kube.Apply(ctx, env.RESTConfig(), m); err != nil {
			t.Fatal(err)
		}
	}
	for _, ns := range []string{"zonemesh-global", kube.DefaultNamespace} {
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, kube.ControlPlaneName, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("control plane deployment in %s: %v", ns, err)
		}
		args := strings.Join(d.Spec.Template.Spec.Containers[0].Args, " ")
		if ns == kube.DefaultNamespace && !strings.Contains(args, "--mode=kubernetes") {
			t.Errorf("zone control plane args %q", args)
		}
	}
	// Global's KDS is exposed outside the cluster (and only the KDS port), at the node port
	// asked for or one the cluster picks; its certificate names what zones dial.
	for ns, want := range map[string]corev1.ServiceType{"zonemesh-global": corev1.ServiceTypeNodePort, "zonemesh-global-lb": corev1.ServiceTypeLoadBalancer} {
		svc, err := cs.CoreV1().Services(ns).Get(ctx, kube.GlobalKDSServiceName, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("%s: %v", ns, err)
		}
		if svc.Spec.Type != want || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != kube.PortKDS || svc.Spec.Ports[0].NodePort == 0 {
			t.Errorf("%s: KDS service %s %+v; want %s with the KDS port on a node port", ns, svc.Spec.Type, svc.Spec.Ports, want)
		}
		if ns == "zonemesh-global" && svc.Spec.Ports[0].NodePort != 30685 {
			t.Errorf("KDS node port %d, want 30685", svc.Spec.Ports[0].NodePort)
		}
	}
	if d, err := cs.AppsV1().Deployments("zonemesh-global").Get(ctx, kube.ControlPlaneName, metav1.GetOptions{}); err != nil ||
		!strings.Contains(strings.Join(d.Spec.Template.Spec.Containers[0].Args, " "), "--kds-host=203.0.113.7") {
		t.Errorf("global's KDS certificate does not name the address zones dial: %v", err)
	}
	ing, err := cs.AppsV1().Deployments(kube.DefaultNamespace).Get(ctx, kube.IngressName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The ingress Pods register as "<pod>.<namespace>" with the ingress token the zone keeps
	// in its own namespace (the zone is told which one that is).
	if args := strings.Join(ing.Spec.Template.Spec.Containers[0].Args, " "); !strings.Contains(args, "--name=$(POD_NAME)."+kube.DefaultNamespace) {
		t.Errorf("ingress args %q: the name does not carry the namespace its token admits", args)
	}
	if cp, err := cs.AppsV1().Deployments(kube.DefaultNamespace).Get(ctx, kube.ControlPlaneName, metav1.GetOptions{}); err != nil ||
		!strings.Contains(strings.Join(cp.Spec.Template.Spec.Containers[0].Args, " "), "--system-namespace="+kube.DefaultNamespace) {
		t.Errorf("zone control plane is not told its namespace: %v", err)
	}
	if _, err := cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, kube.WebhookConfigName, metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	// The CRDs serve: the store starts on them.
	st, _, err := kube.Setup(ctx, kube.ModeConfig{Zone: "zone-1", REST: env.RESTConfig()})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
}
