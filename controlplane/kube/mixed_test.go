package kube_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/zonemesh/zonemesh/controlplane/cptest"
	"github.com/zonemesh/zonemesh/controlplane/global"
	"github.com/zonemesh/zonemesh/controlplane/kds"
	"github.com/zonemesh/zonemesh/controlplane/kube"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/controlplane/store/storetest"
	"github.com/zonemesh/zonemesh/controlplane/zone"
	"github.com/zonemesh/zonemesh/harness/kubetest"
)

// TestMixedTopology joins a Kubernetes-mode zone (state in the test API server, Pods as
// Dataplanes) and a universal zone to one global: both register, policies reach both (and
// the cluster's custom resources), dataplanes go up to global, ingresses go across.
func TestMixedTopology(t *testing.T) {
	env, dyn := cluster(t, kubetest.Options{Kwok: true})
	cs, err := kubernetes.NewForConfig(env.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	g := cptest.StartGlobal(t, "")
	uni := cptest.StartZone(t, g, "zone-u", cptest.ZoneOptions{})

	st, extras, err := kube.Setup(ctx, kube.ModeConfig{Zone: "zone-k", REST: env.RESTConfig(), Logger: cptest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := g.Signer().IssueZoneToken("zone-k", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	kz, err := zone.Start(ctx, zone.Config{Name: "zone-k", GlobalAddr: g.KDSAddr(), GlobalServerName: "127.0.0.1",
		GlobalCAFile: filepath.Join(g.DataDir(), global.CADir, "ca.pem"), Token: tok, DataDir: t.TempDir(),
		APIAddr: "127.0.0.1:0", XDSAddr: "127.0.0.1:0", Keepalive: cptest.Keepalive,
		Backoff: kds.Backoff{Min: 50 * time.Millisecond, Max: 500 * time.Millisecond},
		Logger:  cptest.Logger(t).With("at", "zone-k"), Store: st, Extra: extras})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kz.Close)

	api := cptest.Client(g)
	cptest.Eventually(t, 30*time.Second, "both zones online", func() error {
		zs, err := api.Zones(ctx)
		if err != nil {
			return err
		}
		online := 0
		for _, z := range zs {
			if z.Online {
				online++
			}
		}
		if online != 2 {
			return cptest.Errorf("zones %+v", zs)
		}
		return nil
	})

	// Propagation: a policy written at global reaches both zones and the cluster.
	p := storetest.Permission("default", "allow-web", "backend", "web")
	if _, err := api.Put(ctx, p); err != nil {
		t.Fatal(err)
	}
	for _, z := range []*zone.Zone{uni, kz} {
		cptest.Eventually(t, 30*time.Second, "policy in a zone", func() error {
			_, err := z.Store().Get(ctx, p.Key())
			return err
		})
	}
	cr, err := dyn.Resource(kube.GVR(p.Kind)).Get(ctx, kube.ObjectName(p.Key()), metav1.GetOptions{})
	if err != nil || cr.Object["spec"].(map[string]any)["origin"] != resource.OriginGlobal {
		t.Fatalf("policy custom resource: %v %v", cr, err)
	}

	// Sync up: a Pod of the Kubernetes zone becomes a Dataplane at global.
	fakeNode(t, cs, "node-1")
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Pods("shop").Create(ctx, meshPod("shop", "backend-1", "node-1", "backend", "v1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Global keeps a zone's resources under "<zone>.<name>".
	dpKey := resource.Key{Kind: resource.KindDataplane, Mesh: "default", Name: kds.GlobalName("zone-k", "backend-1.shop")}
	cptest.Eventually(t, 30*time.Second, "pod's dataplane at global", func() error {
		d, err := g.Store().Get(ctx, dpKey)
		if err != nil {
			return err
		}
		if d.Origin != "zone-k" {
			return cptest.Errorf("origin %q", d.Origin)
		}
		return nil
	})
	// And a dataplane of the universal zone.
	uDP := &resource.Resource{Kind: resource.KindDataplane, Meta: resource.Meta{Mesh: "default", Name: "web-1", Origin: "zone-u"},
		Spec: &resource.DataplaneSpec{Networking: resource.DataplaneNetworking{Address: "127.0.0.1",
			Inbound: []resource.Inbound{{Port: 20001, ServicePort: 20002, Tags: map[string]string{"service": "web", "zone": "zone-u"}}}}}}
	if _, err := uni.Store().Put(ctx, uDP); err != nil {
		t.Fatal(err)
	}
	cptest.Eventually(t, 30*time.Second, "universal dataplane at global", func() error {
		k := uDP.Key()
		k.Name = kds.GlobalName("zone-u", k.Name)
		_, err := g.Store().Get(ctx, k)
		return err
	})

	// Across: the Kubernetes zone's ingress reaches the universal zone.
	ing := &resource.Resource{Kind: resource.KindZoneIngress, Meta: resource.Meta{Name: "zone-k-ingress", Origin: "zone-k"},
		Spec: &resource.ZoneIngressSpec{Zone: "zone-k", Networking: resource.ZoneIngressNetworking{Address: "127.0.0.1", Port: 10001}}}
	if _, err := kz.Store().Put(ctx, ing); err != nil {
		t.Fatal(err)
	}
	cptest.Eventually(t, 30*time.Second, "kubernetes zone's ingress in the universal zone", func() error {
		ings, err := uni.Store().List(ctx, resource.KindZoneIngress, "")
		if err != nil {
			return err
		}
		for _, r := range ings {
			if r.Spec.(*resource.ZoneIngressSpec).Zone == "zone-k" {
				return nil
			}
		}
		return cptest.Errorf("ingresses %d, none of zone-k", len(ings))
	})

	// Deleting the policy at global removes its custom resource.
	if err := api.Delete(ctx, p.Key()); err != nil {
		t.Fatal(err)
	}
	cptest.Eventually(t, 30*time.Second, "policy gone from the kubernetes zone", func() error {
		if _, err := kz.Store().Get(ctx, p.Key()); !errors.Is(err, store.ErrNotFound) {
			return cptest.Errorf("still there: %v", err)
		}
		if _, err := dyn.Resource(kube.GVR(p.Kind)).Get(ctx, kube.ObjectName(p.Key()), metav1.GetOptions{}); err == nil {
			return cptest.Errorf("custom resource still there")
		}
		return nil
	})
}
