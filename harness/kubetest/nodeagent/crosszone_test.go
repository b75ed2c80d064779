package nodeagent_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/cptest"
	"github.com/zonemesh/zonemesh/controlplane/global"
	"github.com/zonemesh/zonemesh/controlplane/kds"
	"github.com/zonemesh/zonemesh/controlplane/kube"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/controlplane/zone"
	"github.com/zonemesh/zonemesh/harness/kubetest"
	"github.com/zonemesh/zonemesh/harness/proc"
)

// processes runs zonemesh components of the test as child processes, stopped at cleanup.
type processes struct {
	t   *testing.T
	g   *proc.Group
	bin string
	dir string
}

func newProcesses(t *testing.T) *processes {
	ps := &processes{t: t, g: &proc.Group{}, bin: cptest.Binary(t), dir: t.TempDir()}
	t.Cleanup(func() { ps.g.Close(context.Background()) })
	return ps
}

func (ps *processes) start(name, ready string, args ...string) {
	ps.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := ps.g.Start(ctx, proc.Spec{Name: name, Path: ps.bin, Args: args, LogDir: ps.dir, Grace: 3 * time.Second,
		Ready: proc.Probe{HTTP: "http://" + ready + "/ready"}}); err != nil {
		ps.t.Fatalf("%v (log %s)", err, filepath.Join(ps.dir, name+".log"))
	}
}

func (ps *processes) token(t *testing.T, name, tok string) string {
	t.Helper()
	f := filepath.Join(ps.dir, name+".token")
	if err := os.WriteFile(f, []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func hp(ip netip.Addr, port int) string { return net.JoinHostPort(ip.String(), strconv.Itoa(port)) }

// TestCrossZoneTrafficWithAKubernetesZone joins a Kubernetes-mode zone (state in the test
// API server, injection webhook, namespace credentials) and a process zone to one global.
// An echo Deployment created in a namespace labelled for injection gets its Pods from the
// controller manager and the sidecar from the webhook; the node agent runs both containers
// as processes on each Pod's loopback address. Calls from the process zone reach both Pods
// through the ingresses, and a Pod's own call reaches the process zone the same way; each
// reply names the answering instance.
func TestCrossZoneTrafficWithAKubernetesZone(t *testing.T) {
	env := kubetest.Require(t, kubetest.Options{Controllers: true})
	cs, err := kubernetes.NewForConfig(env.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b := block()
	ip := func(third, fourth byte) netip.Addr { return netip.AddrFrom4([4]byte{127, b, third, fourth}) }
	ps := newProcesses(t)

	g := cptest.StartGlobal(t, "")
	api := cptest.Client(g)
	for _, r := range []*resource.Resource{
		{Kind: resource.KindMesh, Meta: resource.Meta{Name: "default"}, Spec: &resource.MeshSpec{MTLS: resource.MTLS{Enabled: true}}},
		{Kind: resource.KindTrafficPermission, Meta: resource.Meta{Mesh: "default", Name: "allow-all"},
			Spec: &resource.TrafficPermissionSpec{Destination: resource.Selector{Service: "*"}, Sources: []resource.Selector{{Service: "*"}}, Action: "allow"}},
	} {
		if _, err := api.Put(ctx, r); err != nil {
			t.Fatal(err)
		}
	}

	// The process zone: control plane, ingress, and a "web" instance (echo + sidecar).
	uDir := t.TempDir()
	uni := cptest.StartZone(t, g, "zone-u", cptest.ZoneOptions{DataDir: uDir})
	uSigner, err := auth.LoadSigner(filepath.Join(uDir, zone.DataplaneTokenKeyFile), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	uCA := filepath.Join(uDir, zone.CADir, "ca.pem")
	uIng, web := ip(201, 1), ip(201, 2)
	tok, _ := uSigner.IssueDataplaneToken("", "zone-u.ingress", auth.ProxyIngress, time.Hour)
	ps.start("zone-u.ingress", hp(uIng, 9901), "dp", "--mode=ingress", "--cp="+uni.XDSAddr(), "--ca-file="+uCA,
		"--token-file="+ps.token(t, "zone-u.ingress", tok), "--name=zone-u.ingress", "--zone=zone-u",
		"--address="+uIng.String(), "--port=10001", "--admin="+hp(uIng, 9901))
	ps.start("web-1.app", hp(web, 8080), "echo", "--listen="+hp(web, 8080), "--service=web", "--version=v1", "--zone=zone-u", "--instance=web-1")
	tok, _ = uSigner.IssueDataplaneToken("default", "web-1", auth.ProxySidecar, time.Hour)
	ps.start("web-1.dp", hp(web, 9901), "dp", "--mode=sidecar", "--cp="+uni.XDSAddr(), "--ca-file="+uCA,
		"--token-file="+ps.token(t, "web-1", tok), "--name=web-1", "--mesh=default", "--zone=zone-u",
		"--address="+web.String(), "--inbound=20001:8080:web:v1:http", "--app-address="+web.String(),
		"--outbound-address="+web.String(), "--outbound-port=15001", "--admin="+hp(web, 9901))

	// The Kubernetes zone: its xDS address is fixed beforehand, the sidecars are told it.
	kDir := t.TempDir()
	kCP := ip(200, 2)
	mc := kube.ModeConfig{Zone: "zone-k", REST: env.RESTConfig(), DataDir: kDir, WebhookAddr: "127.0.0.1:0", InstallCRDs: true,
		Logger: cptest.Logger(t).With("at", "zone-k")}
	mc.Injector.Sidecar = kube.SidecarConfig{Image: "zonemesh/zonemesh:dev", CPAddress: hp(kCP, 5678)}
	st, extras, err := kube.Setup(ctx, mc)
	if err != nil {
		t.Fatal(err)
	}
	da, err := mc.DataplaneAuth()
	if err != nil {
		t.Fatal(err)
	}
	zoneTok, err := g.Signer().IssueZoneToken("zone-k", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	kz, err := zone.Start(ctx, zone.Config{Name: "zone-k", GlobalAddr: g.KDSAddr(), GlobalServerName: "127.0.0.1",
		GlobalCAFile: filepath.Join(g.DataDir(), global.CADir, "ca.pem"), Token: zoneTok, DataDir: kDir,
		APIAddr: hp(kCP, 5681), XDSAddr: hp(kCP, 5678), Keepalive: cptest.Keepalive,
		Backoff: kds.Backoff{Min: 50 * time.Millisecond, Max: 500 * time.Millisecond},
		Logger:  cptest.Logger(t).With("at", "zone-k"), Store: st, Extra: extras, DataplaneAuth: da})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kz.Close)
	// Its ingress runs as a process too (the install manifests' ingress Deployment needs a
	// token Secret the zone does not create yet).
	kSigner, err := kube.ZoneSigner(kDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	kIng := ip(200, 1)
	tok, _ = kSigner.IssueDataplaneToken("", "zone-k.ingress", auth.ProxyIngress, time.Hour)
	ps.start("zone-k.ingress", hp(kIng, 9901), "dp", "--mode=ingress", "--cp="+kz.XDSAddr(),
		"--ca-file="+filepath.Join(kDir, zone.CADir, "ca.pem"), "--token-file="+ps.token(t, "zone-k.ingress", tok),
		"--name=zone-k.ingress", "--zone=zone-k", "--address="+kIng.String(), "--port=10001", "--admin="+hp(kIng, 9901))

	// The node agent runs the cluster's Pods; the namespace is labelled for injection.
	a := startAgent(t, cs, b)
	createNamespace(t, cs, "shop", map[string]string{kube.LabelInjection: "enabled"})
	cptest.Eventually(t, 30*time.Second, "webhook registered and namespace credentials written", func() error {
		if _, err := cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, kube.WebhookConfigName, metav1.GetOptions{}); err != nil {
			return err
		}
		if _, err := cs.CoreV1().ConfigMaps("shop").Get(ctx, kube.CAConfigMapName, metav1.GetOptions{}); err != nil {
			return err
		}
		_, err := cs.CoreV1().Secrets("shop").Get(ctx, kube.TokenSecretName, metav1.GetOptions{})
		return err
	})
	// The echo service as a Deployment of two replicas (the controller manager makes the
	// Pods; with no scheduler, the template names the agent's Node).
	tmpl := echoPod("shop", "", a.Node(), "backend", "v1", "zone-k")
	labels := map[string]string{kube.LabelService: "backend", kube.LabelVersion: "v1", "app": "backend"}
	two := int32(2)
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "backend", Namespace: "shop"},
		Spec: appsv1.DeploymentSpec{Replicas: &two, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "backend"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels,
				Annotations: map[string]string{kube.AnnotationPort: "8080"}}, Spec: tmpl.Spec}}}
	if _, err := cs.AppsV1().Deployments("shop").Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var pods []corev1.Pod
	cptest.Eventually(t, 90*time.Second, "deployment's two pods injected and ready", func() error {
		l, err := cs.CoreV1().Pods("shop").List(ctx, metav1.ListOptions{LabelSelector: "app=backend"})
		if err != nil {
			return err
		}
		pods = l.Items
		if len(pods) != 2 {
			return fmt.Errorf("%d pods", len(pods))
		}
		for _, p := range pods {
			if len(p.Spec.Containers) != 2 || p.Spec.Containers[1].Name != kube.SidecarName {
				return fmt.Errorf("pod %s not injected: %d containers", p.Name, len(p.Spec.Containers))
			}
			ready := false
			for _, c := range p.Status.Conditions {
				ready = ready || c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue
			}
			if !ready {
				return fmt.Errorf("pod %s not ready: %s %q", p.Name, p.Status.Phase, p.Status.Message)
			}
		}
		return nil
	})
	names := map[string]bool{}
	for _, p := range pods {
		names[p.Name] = true
	}

	// The sidecars registered the Pods' Dataplanes with the zone (and so with global).
	for _, p := range pods {
		dpKey := resource.Key{Kind: resource.KindDataplane, Mesh: "default", Name: p.Name + ".shop"}
		cptest.Eventually(t, 30*time.Second, "pod's dataplane in zone-k and at global", func() error {
			d, err := kz.Store().Get(ctx, dpKey)
			if err != nil {
				return err
			}
			n := d.Spec.(*resource.DataplaneSpec).Networking
			if n.Address != p.Status.PodIP {
				return fmt.Errorf("dataplane address %s, want the Pod IP %s", n.Address, p.Status.PodIP)
			}
			// The sidecar's own registration (with its outbound listener), not a copy the
			// pod controller wrote over it.
			if n.OutboundPort != 15001 || n.OutboundAddress != p.Status.PodIP || d.Labels[kube.LabelPod] != "" {
				return fmt.Errorf("dataplane %+v labels %v: not the sidecar's registration", n, d.Labels)
			}
			gk := dpKey
			gk.Name = kds.GlobalName("zone-k", gk.Name)
			_, err = g.Store().Get(ctx, gk)
			return err
		})
	}

	// Process zone → Kubernetes zone: both replicas answer, nothing else does.
	seen := map[string]bool{}
	cptest.Eventually(t, 60*time.Second, "web (zone-u) reaches both backend pods (zone-k)", func() error {
		r, err := getEcho("http://"+hp(web, 15001)+"/", "backend")
		if err != nil {
			return err
		}
		if r.Zone != "zone-k" || !names[r.Instance] {
			t.Fatalf("answered by %s in %s, want a backend pod %v in zone-k", r.Instance, r.Zone, names)
		}
		seen[r.Instance] = true
		if len(seen) != 2 {
			return fmt.Errorf("answered by %v so far", seen)
		}
		return nil
	})
	// And back, from a Pod's own outbound listener.
	podIP := netip.MustParseAddr(pods[0].Status.PodIP)
	cptest.Eventually(t, 60*time.Second, "the pod reaches web (zone-u)", func() error {
		r, err := getEcho("http://"+hp(podIP, 15001)+"/", "web")
		if err != nil {
			return err
		}
		if r.Zone != "zone-u" || r.Instance != "web-1" {
			return fmt.Errorf("answered by %s in %s, want web-1 in zone-u", r.Instance, r.Zone)
		}
		return nil
	})

	// The Deployment goes (the garbage collector takes its Pods): the processes stop and
	// the Dataplanes leave.
	if err := cs.AppsV1().Deployments("shop").Delete(ctx, "backend", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	cptest.Eventually(t, 60*time.Second, "pods' dataplanes gone", func() error {
		for _, p := range pods {
			if _, err := kz.Store().Get(ctx, resource.Key{Kind: resource.KindDataplane, Mesh: "default", Name: p.Name + ".shop"}); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%s still there: %v", p.Name, err)
			}
			if err := closed(net.JoinHostPort(p.Status.PodIP, "15001")); err != nil {
				return err
			}
		}
		return nil
	})
}
