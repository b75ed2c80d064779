package kube_test

import (
	"context"
	"errors"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"

	"github.com/zonemesh/zonemesh/controlplane/kube"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/controlplane/store/storetest"
	"github.com/zonemesh/zonemesh/harness/kubetest"
)

// cluster starts a test API server with the CRDs installed.
func cluster(t testing.TB, opts kubetest.Options) (*kubetest.Env, dynamic.Interface) {
	t.Helper()
	env := kubetest.Require(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := kube.InstallCRDs(ctx, env.RESTConfig()); err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(env.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	return env, dyn
}

func TestStoreConformance(t *testing.T) {
	_, dyn := cluster(t, kubetest.Options{})
	storetest.Run(t, func(t *testing.T, clock func() time.Time) store.Store {
		ctx := context.Background()
		for _, k := range resource.Kinds() { // every subtest starts from an empty cluster
			if err := dyn.Resource(kube.GVR(k)).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		s, err := kube.NewStore(ctx, dyn, kube.StoreOptions{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestStoreKeepsPoliciesAsCustomResources(t *testing.T) {
	_, dyn := cluster(t, kubetest.Options{})
	ctx := context.Background()
	s, err := kube.NewStore(ctx, dyn, kube.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// As the KDS client does: a policy from global, meta kept.
	p := storetest.Permission("default", "allow-web", "backend", "web")
	p.Origin, p.Version = resource.OriginGlobal, 7
	if _, err := s.Put(ctx, p, store.KeepMeta()); err != nil {
		t.Fatal(err)
	}
	cr, err := dyn.Resource(kube.GVR(p.Kind)).Get(ctx, kube.ObjectName(p.Key()), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("custom resource of %s: %v", p.Key(), err)
	}
	if v, _, _ := unstructuredInt(cr.Object, "spec", "version"); v != 7 || cr.Object["spec"].(map[string]any)["origin"] != "global" {
		t.Fatalf("custom resource spec %v", cr.Object["spec"])
	}
	// A store started later (a restarted zone) reads it back.
	s2, err := kube.NewStore(ctx, dyn, kube.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.Get(ctx, p.Key())
	if err != nil || got.Version != 7 || got.Spec.(*resource.TrafficPermissionSpec).Destination.Service != "backend" {
		t.Fatalf("reloaded %+v, %v", got, err)
	}
	if err := s.Delete(ctx, p.Key()); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(kube.GVR(p.Kind)).Get(ctx, kube.ObjectName(p.Key()), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("custom resource after delete: %v", err)
	}
	// The other store sees the delete through its informer.
	waitFor(t, func() bool {
		_, err := s2.Get(ctx, p.Key())
		return errors.Is(err, store.ErrNotFound)
	})
}

func TestStoreSeesChangesMadeInTheCluster(t *testing.T) {
	_, dyn := cluster(t, kubetest.Options{})
	ctx := context.Background()
	writer, err := kube.NewStore(ctx, dyn, kube.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	s, err := kube.NewStore(ctx, dyn, kube.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	events := make(chan store.Event, 16)
	defer s.Subscribe(func(e store.Event) { events <- e })()
	p := storetest.Permission("m1", "p", "backend", "web")
	if _, err := writer.Put(ctx, p); err != nil {
		t.Fatal(err)
	}
	if e := <-events; e.Type != store.Put || e.Resource.Name != "p" || e.Revision != 1 {
		t.Fatalf("event %+v", e)
	}
	// Deleting the custom resource directly (kubectl delete) removes the resource.
	if err := dyn.Resource(kube.GVR(p.Kind)).Delete(ctx, kube.ObjectName(p.Key()), metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if e := <-events; e.Type != store.Deleted || e.Resource.Name != "p" || e.Revision != 2 {
		t.Fatalf("event %+v", e)
	}
}

func unstructuredInt(obj map[string]any, path ...string) (int64, bool, error) {
	var cur any = obj
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return 0, false, nil
		}
		cur = m[p]
	}
	switch v := cur.(type) {
	case int64:
		return v, true, nil
	case float64:
		return int64(v), true, nil
	}
	return 0, false, nil
}

// waitFor polls cond (the informer delivers asynchronously) for up to 20 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 20 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
