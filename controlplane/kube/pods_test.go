package kube_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/zonemesh/zonemesh/controlplane/kube"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/harness/kubetest"
)

// fakeNode registers a Node that kwok plays the kubelet of.
func fakeNode(t testing.TB, cs kubernetes.Interface, name string) {
	t.Helper()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{kubetest.FakeNodeAnnotation: "fake"}}}
	if _, err := cs.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func meshPod(ns, name, node, svc, version string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns,
			Labels:      map[string]string{kube.LabelService: svc, kube.LabelVersion: version},
			Annotations: map[string]string{kube.AnnotationPort: "8080"}},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "echo"}}},
	}
}

// nextDataplane waits for the next Dataplane event (30 s bound so a broken controller fails).
func nextDataplane(t testing.TB, events <-chan store.Event) store.Event {
	t.Helper()
	for {
		select {
		case e := <-events:
			if e.Resource.Kind == resource.KindDataplane {
				return e
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no Dataplane event within 30 s")
		}
	}
}

func TestPodBecomesDataplane(t *testing.T) {
	env, dyn := cluster(t, kubetest.Options{Kwok: true})
	cs, err := kubernetes.NewForConfig(env.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := kube.NewStore(ctx, dyn, kube.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	events := make(chan store.Event, 64)
	defer st.Subscribe(func(e store.Event) { events <- e })()
	pc, err := kube.NewPodController(kube.PodControllerConfig{Client: cs, Store: st, Zone: "zone-k"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- pc.Run(ctx) }()
	defer func() { cancel(); <-done }()

	fakeNode(t, cs, "node-1")
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A Pod without the label stays out of the mesh.
	plain := meshPod("shop", "plain", "node-1", "", "")
	delete(plain.Labels, kube.LabelService)
	if _, err := cs.CoreV1().Pods("shop").Create(ctx, plain, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Pods("shop").Create(ctx, meshPod("shop", "backend-1", "node-1", "backend", "v2"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var d *resource.Resource
	for d == nil || readyOf(d) != true {
		e := nextDataplane(t, events)
		if e.Type != store.Put {
			t.Fatalf("event %v for %s", e.Type, e.Resource.Key())
		}
		d = e.Resource
	}
	pod, err := cs.CoreV1().Pods("shop").Get(ctx, "backend-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec := d.Spec.(*resource.DataplaneSpec)
	in := spec.Networking.Inbound[0]
	if d.Name != "backend-1.shop" || d.Mesh != "default" || d.Origin != "zone-k" ||
		spec.Networking.Address != pod.Status.PodIP || pod.Status.PodIP == "" ||
		in.Tags["service"] != "backend" || in.Tags["version"] != "v2" || in.Tags["zone"] != "zone-k" ||
		in.ServicePort != 8080 || in.Port != kube.DefaultInboundPort {
		t.Fatalf("dataplane %+v %+v for pod IP %q", d.Meta, spec, pod.Status.PodIP)
	}
	// It is a custom resource too.
	if _, err := dyn.Resource(kube.GVR(resource.KindDataplane)).Get(ctx, kube.ObjectName(d.Key()), metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cs.CoreV1().Pods("shop").Delete(ctx, "backend-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if e := nextDataplane(t, events); e.Type != store.Deleted || e.Resource.Name != "backend-1.shop" {
		t.Fatalf("after pod delete: %v %s", e.Type, e.Resource.Key())
	}
	all, _ := st.List(ctx, resource.KindDataplane, "")
	if len(all) != 0 {
		t.Fatalf("dataplanes left: %d", len(all))
	}
}

func readyOf(d *resource.Resource) bool {
	r := d.Spec.(*resource.DataplaneSpec).Networking.Inbound[0].Ready
	return r == nil || *r
}
