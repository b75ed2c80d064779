package kube_test

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/zonemesh/zonemesh/controlplane/kube"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/harness/kubetest"
)

// BenchmarkPodToDataplane times one Pod reaching the mesh: from the write that makes it
// Running with an IP (as a kubelet's status update) until its Dataplane's store event,
// which includes the informer's delivery, the controller and the custom resource write.
func BenchmarkPodToDataplane(b *testing.B) {
	env, dyn := cluster(b, kubetest.Options{})
	cs := kubernetes.NewForConfigOrDie(env.RESTConfig())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := kube.NewStore(ctx, dyn, kube.StoreOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	events := make(chan store.Event, 1024)
	defer st.Subscribe(func(e store.Event) { events <- e })()
	pc, err := kube.NewPodController(kube.PodControllerConfig{Client: cs, Store: st, Zone: "zone-k", Namespace: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- pc.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench"}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		name := fmt.Sprintf("p-%d", i)
		pod, err := cs.CoreV1().Pods("bench").Create(ctx, meshPod("bench", name, "node-1", "backend", "v1"), metav1.CreateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: fmt.Sprintf("10.244.%d.%d", i/250, i%250+1),
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}
		b.StartTimer()
		if _, err := cs.CoreV1().Pods("bench").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
			b.Fatal(err)
		}
		for e := range events {
			if e.Resource.Kind == resource.KindDataplane && e.Resource.Name == name+".bench" {
				break
			}
		}
	}
}

// BenchmarkStorePutDataplane is the baseline: one Dataplane written through the store (a
// custom resource create on the same API server) until its event.
func BenchmarkStorePutDataplane(b *testing.B) {
	_, dyn := cluster(b, kubetest.Options{})
	ctx := context.Background()
	st, err := kube.NewStore(ctx, dyn, kube.StoreOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	events := make(chan store.Event, 1024)
	defer st.Subscribe(func(e store.Event) { events <- e })()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := &resource.Resource{Kind: resource.KindDataplane, Meta: resource.Meta{Mesh: "default", Name: fmt.Sprintf("d-%d", i), Origin: "zone-k"},
			Spec: &resource.DataplaneSpec{Networking: resource.DataplaneNetworking{Address: "10.0.0.1",
				Inbound: []resource.Inbound{{Port: 15006, ServicePort: 8080, Tags: map[string]string{"service": "backend"}}}}}}
		if _, err := st.Put(ctx, d); err != nil {
			b.Fatal(err)
		}
		<-events
	}
}
