package nodeagent_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/credentials"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/zonemesh/zonemesh/conformance"
	"github.com/zonemesh/zonemesh/conformance/requirements"
	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/cptest"
	"github.com/zonemesh/zonemesh/controlplane/global"
	"github.com/zonemesh/zonemesh/controlplane/kds"
	"github.com/zonemesh/zonemesh/controlplane/kube"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/controlplane/zone"
	"github.com/zonemesh/zonemesh/dataplane/echo"
	"github.com/zonemesh/zonemesh/harness/kubetest"
	"github.com/zonemesh/zonemesh/harness/target"
)

// kubeZoneIndex is the suite zone run in Kubernetes mode: zone-b, the one MZ-SYNC-003 scales.
const kubeZoneIndex = 1

// mixedTarget is a conformance Target for the control-plane requirements over a mixed
// topology: one of the suite's zones (kubeZoneIndex) runs in Kubernetes mode on the test API server (its
// services are Deployments whose injected Pods the node agent runs), the others are
// universal zones whose instances are echo + sidecar processes. It offers the features the
// control-plane requirements need (zone status and credentials, API auth, policy readback,
// inventory) plus calls through a zone's first instance (mTLS caller identity, HTTP abort
// faults), proxy versions and scaling the Kubernetes zone's Deployments, and reports the
// rest unsupported; harness/target, the full reference Target,
// builds its topology with harness/mesh, which has no Kubernetes backend.
type mixedTarget struct {
	t    *testing.T
	env  *kubetest.Env
	cs   kubernetes.Interface
	b    byte
	ps   *processes
	g    *global.Global
	api  *api.Client
	zone map[string]*api.Client
	// caller returns the outbound listener ("ip:port") of the zone's first instance.
	caller map[string]func(context.Context) (string, error)
	topo   conformance.Topology
}

func (m *mixedTarget) Implementation() (string, string) {
	return "zonemesh (mixed kubernetes/universal)", "test"
}
func (m *mixedTarget) Backend() string { return "kubetest+process" }
func (m *mixedTarget) Features() []conformance.Feature {
	return []conformance.Feature{conformance.FeatureZoneStatus, conformance.FeatureZoneAuth, conformance.FeatureAPIAuth,
		conformance.FeaturePolicyReadback, conformance.FeatureInventory, conformance.FeatureL7Faults, conformance.FeatureMTLS, conformance.FeatureProxyVersions, conformance.FeatureScale}
}
func (m *mixedTarget) Close() error { return nil } // test cleanups stop everything

func (m *mixedTarget) ip(zoneIdx int, host byte) netip.Addr {
	return netip.AddrFrom4([4]byte{127, m.b, byte(200 + zoneIdx), host})
}

func (m *mixedTarget) Setup(ctx context.Context, topo conformance.Topology) error {
	t := m.t
	m.topo, m.zone, m.caller = topo, map[string]*api.Client{}, map[string]func(context.Context) (string, error){}
	m.g = cptest.StartGlobal(t, "")
	m.api = cptest.Client(m.g)
	mesh := &resource.Resource{Kind: resource.KindMesh, Meta: resource.Meta{Name: topo.Mesh}, Spec: &resource.MeshSpec{MTLS: resource.MTLS{Enabled: topo.MTLS}}}
	if _, err := m.api.Put(ctx, mesh); err != nil {
		return err
	}
	if err := m.Apply(ctx, []byte(topo.Baseline)); err != nil {
		return err
	}
	for i, z := range topo.Zones {
		var err error
		if i == kubeZoneIndex {
			err = m.kubeZone(ctx, i, z)
		} else {
			err = m.processZone(ctx, i, z)
		}
		if err != nil {
			return fmt.Errorf("zone %s: %w", z.Name, err)
		}
	}
	return nil
}

func (m *mixedTarget) ingress(i int, z conformance.TopologyZone, xds, caFile string, signer *auth.Signer) {
	ing := m.ip(i, 1)
	name := z.Name + ".ingress"
	tok, _ := signer.IssueDataplaneToken("", name, auth.ProxyIngress, time.Hour)
	m.ps.start(name, hp(ing, 9901), "dp", "--mode=ingress", "--cp="+xds, "--ca-file="+caFile,
		"--token-file="+m.ps.token(m.t, name, tok), "--name="+name, "--zone="+z.Name,
		"--address="+ing.String(), "--port=10001", "--admin="+hp(ing, 9901))
}

func (m *mixedTarget) processZone(ctx context.Context, i int, z conformance.TopologyZone) error {
	dir := m.t.TempDir()
	zn := cptest.StartZone(m.t, m.g, z.Name, cptest.ZoneOptions{DataDir: dir})
	m.zone[z.Name] = &api.Client{BaseURL: "http://" + zn.APIAddr()}
	signer, err := auth.LoadSigner(filepath.Join(dir, zone.DataplaneTokenKeyFile), time.Now)
	if err != nil {
		return err
	}
	caFile := filepath.Join(dir, zone.CADir, "ca.pem")
	for range z.Ingress {
		m.ingress(i, z, zn.XDSAddr(), caFile, signer)
	}
	host := byte(10)
	for _, s := range z.Services {
		for r := range s.Replicas {
			ip, name := m.ip(i, host), fmt.Sprintf("%s-%s-%d", s.Name, s.Version, r)
			host++
			if m.caller[z.Name] == nil {
				m.caller[z.Name] = func(context.Context) (string, error) { return hp(ip, 15001), nil }
			}
			m.ps.start(z.Name+"."+name+".app", hp(ip, 8080), "echo", "--listen="+hp(ip, 8080), "--service="+s.Name,
				"--version="+s.Version, "--zone="+z.Name, "--instance="+name)
			tok, _ := signer.IssueDataplaneToken(m.topo.Mesh, name, auth.ProxySidecar, time.Hour)
			m.ps.start(z.Name+"."+name+".dp", hp(ip, 9901), "dp", "--mode=sidecar", "--cp="+zn.XDSAddr(), "--ca-file="+caFile,
				"--token-file="+m.ps.token(m.t, z.Name+"."+name, tok), "--name="+name, "--mesh="+m.topo.Mesh, "--zone="+z.Name,
				"--address="+ip.String(), fmt.Sprintf("--inbound=20001:8080:%s:%s:http", s.Name, s.Version), "--app-address="+ip.String(),
				"--outbound-address="+ip.String(), "--outbound-port=15001", "--admin="+hp(ip, 9901))
		}
	}
	return nil
}

// kubeZone runs zone z in Kubernetes mode, its services as Deployments in a namespace
// labelled for injection.
func (m *mixedTarget) kubeZone(ctx context.Context, i int, z conformance.TopologyZone) error {
	dir := m.t.TempDir()
	cp := m.ip(i, 2)
	mc := kube.ModeConfig{Zone: z.Name, REST: m.env.RESTConfig(), DataDir: dir, WebhookAddr: "127.0.0.1:0", InstallCRDs: true,
		Logger: cptest.Logger(m.t).With("at", z.Name)}
	mc.Injector.Sidecar = kube.SidecarConfig{Image: "zonemesh/zonemesh:dev", CPAddress: hp(cp, 5678)}
	st, extras, err := kube.Setup(ctx, mc)
	if err != nil {
		return err
	}
	da, err := mc.DataplaneAuth()
	if err != nil {
		return err
	}
	tok, err := m.g.Signer().IssueZoneToken(z.Name, time.Hour)
	if err != nil {
		return err
	}
	kz, err := zone.Start(ctx, zone.Config{Name: z.Name, GlobalAddr: m.g.KDSAddr(), GlobalServerName: "127.0.0.1",
		GlobalCAFile: filepath.Join(m.g.DataDir(), global.CADir, "ca.pem"), Token: tok, DataDir: dir,
		APIAddr: hp(cp, 5681), XDSAddr: hp(cp, 5678), Keepalive: cptest.Keepalive,
		Backoff: kds.Backoff{Min: 50 * time.Millisecond, Max: 500 * time.Millisecond},
		Logger:  cptest.Logger(m.t).With("at", z.Name), Store: st, Extra: extras, DataplaneAuth: da})
	if err != nil {
		return err
	}
	m.t.Cleanup(kz.Close)
	m.zone[z.Name] = &api.Client{BaseURL: "http://" + kz.APIAddr()}
	signer, err := kube.ZoneSigner(dir, nil)
	if err != nil {
		return err
	}
	for range z.Ingress {
		m.ingress(i, z, kz.XDSAddr(), filepath.Join(dir, zone.CADir, "ca.pem"), signer)
	}
	a := startAgent(m.t, m.cs, m.b)
	createNamespace(m.t, m.cs, "mesh", map[string]string{kube.LabelInjection: "enabled"})
	cptest.Eventually(m.t, 30*time.Second, "webhook and namespace credentials", func() error {
		if _, err := m.cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, kube.WebhookConfigName, metav1.GetOptions{}); err != nil {
			return err
		}
		_, err := m.cs.CoreV1().Secrets("mesh").Get(ctx, kube.TokenSecretName, metav1.GetOptions{})
		return err
	})
	first := z.Services[0].Name + "-" + z.Services[0].Version
	m.caller[z.Name] = func(ctx context.Context) (string, error) { // a ready Pod of the first service
		l, err := m.cs.CoreV1().Pods("mesh").List(ctx, metav1.ListOptions{LabelSelector: "app=" + first})
		if err != nil {
			return "", err
		}
		for _, p := range l.Items {
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue && p.DeletionTimestamp == nil {
					return net.JoinHostPort(p.Status.PodIP, "15001"), nil
				}
			}
		}
		return "", fmt.Errorf("no ready pod of %s", first)
	}
	for _, s := range z.Services {
		name := s.Name + "-" + s.Version
		tmpl := echoPod("mesh", "", a.Node(), s.Name, s.Version, z.Name)
		labels := map[string]string{kube.LabelService: s.Name, kube.LabelVersion: s.Version, "app": name}
		n := int32(s.Replicas)
		dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "mesh"},
			Spec: appsv1.DeploymentSpec{Replicas: &n, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels,
					Annotations: map[string]string{kube.AnnotationPort: "8080"}}, Spec: tmpl.Spec}}}
		if _, err := m.cs.AppsV1().Deployments("mesh").Create(ctx, dep, metav1.CreateOptions{}); err != nil {
			return err
		}
	}
	return nil
}

func (m *mixedTarget) Apply(ctx context.Context, yaml []byte) error {
	_, err := m.api.Apply(ctx, yaml)
	return err
}

func (m *mixedTarget) Delete(ctx context.Context, kind, name string) error {
	err := m.api.Delete(ctx, resource.Key{Kind: resource.Kind(kind), Mesh: m.topo.Mesh, Name: name})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

func (m *mixedTarget) PolicyVersion(ctx context.Context, zoneName, kind, name string) (uint64, bool, error) {
	c := m.api
	if zoneName != "" {
		if c = m.zone[zoneName]; c == nil {
			return 0, false, fmt.Errorf("unknown zone %q", zoneName)
		}
	}
	return target.StoredVersion(ctx, c, resource.Key{Kind: resource.Kind(kind), Mesh: m.topo.Mesh, Name: name})
}

func (m *mixedTarget) ApplyAnonymous(ctx context.Context, yaml []byte) error {
	_, err := (&api.Client{BaseURL: "http://" + m.g.APIAddr()}).Apply(ctx, yaml)
	return err
}

func (m *mixedTarget) Zones(ctx context.Context) ([]conformance.ZoneStatus, error) {
	zs, err := m.api.Zones(ctx)
	if err != nil {
		return nil, err
	}
	var out []conformance.ZoneStatus
	for _, z := range zs {
		out = append(out, conformance.ZoneStatus{Name: z.Name, Online: z.Online})
	}
	return out, nil
}

func (m *mixedTarget) Inventory(ctx context.Context) ([]conformance.Workload, error) {
	dps, err := m.api.List(ctx, resource.KindDataplane, "")
	if err != nil {
		return nil, err
	}
	var out []conformance.Workload
	for _, d := range dps {
		w := conformance.Workload{Kind: conformance.WorkloadDataplane, Zone: d.Origin, Name: d.Name}
		if s, ok := d.Spec.(*resource.DataplaneSpec); ok && len(s.Networking.Inbound) > 0 {
			w.Service = s.Networking.Inbound[0].Service()
		}
		out = append(out, w)
	}
	ings, err := m.api.List(ctx, resource.KindZoneIngress, "")
	if err != nil {
		return nil, err
	}
	for _, i := range ings {
		s := i.Spec.(*resource.ZoneIngressSpec)
		w := conformance.Workload{Kind: conformance.WorkloadIngress, Zone: s.Zone, Name: i.Name}
		for _, a := range s.AvailableServices {
			w.Services = append(w.Services, a.Tags[resource.TagService])
		}
		out = append(out, w)
	}
	return out, nil
}

// ProbeZoneAuth connects to global as zone with a forged token, or with a valid token of
// another zone, and reports whether global let it in.
func (m *mixedTarget) ProbeZoneAuth(ctx context.Context, zoneName string, cred conformance.CredentialKind, wait time.Duration) (bool, error) {
	tok, err := target.ZoneProbeToken(cred, zoneName, m.topo.Zones[0].Name, m.g.Signer())
	if err != nil {
		return false, err
	}
	creds, err := credentials.NewClientTLSFromFile(filepath.Join(m.g.DataDir(), global.CADir, "ca.pem"), "127.0.0.1")
	if err != nil {
		return false, err
	}
	return target.KDSAccepts(ctx, m.g.KDSAddr(), creds, zoneName, tok, wait, nil)
}

func (m *mixedTarget) Converged(ctx context.Context) error {
	zs, err := m.Zones(ctx)
	if err != nil {
		return err
	}
	online := map[string]bool{}
	for _, z := range zs {
		online[z.Name] = z.Online
	}
	for _, z := range m.topo.ZoneNames() {
		if !online[z] {
			return fmt.Errorf("zone %s not online", z)
		}
	}
	return nil
}

func unsupported(op string) error { return fmt.Errorf("%s: %w", op, conformance.ErrUnsupported) }

// Call sends one request from the zone's first instance through its sidecar's outbound
// listener, by Host, as an app of the mesh does.
func (m *mixedTarget) Call(ctx context.Context, from, service, path string, hdr http.Header) (*conformance.Answer, error) {
	caller := m.caller[from]
	if caller == nil {
		return nil, fmt.Errorf("unknown zone %q", from)
	}
	out, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+out+path, nil)
	if err != nil {
		return nil, err
	}
	req.Host = service + ".mesh"
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := callClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	a := &conformance.Answer{Status: resp.StatusCode}
	if resp.StatusCode == http.StatusOK {
		var r echo.Reply
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("answer %q: %w", b, err)
		}
		a.Zone, a.Service, a.Version, a.Instance, a.Caller = r.Zone, r.Service, r.Version, r.Instance, r.Caller
	}
	return a, nil
}

var callClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}

func (m *mixedTarget) ProbeIngress(context.Context, string, string, conformance.ProbeKind) (bool, string, error) {
	return false, "", unsupported("ProbeIngress")
}

// Proxies reads what each proxy of the zone was sent and ACKed from the zone's API.
func (m *mixedTarget) Proxies(ctx context.Context, zoneName string) ([]conformance.ProxyVersions, error) {
	c := m.zone[zoneName]
	if c == nil {
		return nil, fmt.Errorf("unknown zone %q", zoneName)
	}
	return target.ZoneProxies(ctx, c.BaseURL)
}
func (m *mixedTarget) Do(context.Context, conformance.Action, conformance.Component) error {
	return unsupported("Do")
}
func (m *mixedTarget) Partition(context.Context, conformance.Link) (conformance.FaultID, error) {
	return "", unsupported("Partition")
}
func (m *mixedTarget) Heal(context.Context, conformance.FaultID) error { return unsupported("Heal") }

// Scale changes the replicas of a service of the Kubernetes zone (its Deployment); the
// universal zones' instances are fixed processes here.
func (m *mixedTarget) Scale(ctx context.Context, zoneName, service string, replicas int) error {
	kz := m.topo.Zones[kubeZoneIndex]
	if zoneName != kz.Name {
		return unsupported("Scale outside the Kubernetes zone " + kz.Name)
	}
	for _, s := range kz.Services {
		if s.Name != service {
			continue
		}
		api := m.cs.AppsV1().Deployments("mesh")
		sc, err := api.GetScale(ctx, s.Name+"-"+s.Version, metav1.GetOptions{})
		if err != nil {
			return err
		}
		sc.Spec.Replicas = int32(replicas)
		_, err = api.UpdateScale(ctx, s.Name+"-"+s.Version, sc, metav1.UpdateOptions{})
		return err
	}
	return fmt.Errorf("zone %s has no service %q", zoneName, service)
}
func (m *mixedTarget) SetBehaviour(context.Context, string, string, conformance.Behaviour) error {
	return unsupported("SetBehaviour")
}

// TestMixedTopologyPassesControlPlaneConformance runs the suite's registration,
// propagation and sync requirements (MZ-REG, MZ-PROP, MZ-SYNC, and MZ-XZ) against the suite
// topology with zone-b in Kubernetes mode: every one the target has the features for must
// pass.
func TestMixedTopologyPassesControlPlaneConformance(t *testing.T) {
	env := kubetest.Require(t, kubetest.Options{Controllers: true})
	cs, err := kubernetes.NewForConfig(env.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tg := &mixedTarget{t: t, env: env, cs: cs, b: block(), ps: newProcesses(t)}
	topo := conformance.SuiteTopology()
	if err := tg.Setup(ctx, topo); err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, r := range requirements.Catalog() {
		if !strings.HasPrefix(r.ID, "MZ-REG-") && !strings.HasPrefix(r.ID, "MZ-PROP-") && !strings.HasPrefix(r.ID, "MZ-SYNC-") && !strings.HasPrefix(r.ID, "MZ-XZ-") {
			continue
		}
		out := conformance.Run(ctx, tg, topo, r, r.Budget.Default)
		t.Logf("%s %-10s %v %s", r.ID, out.Result, out.Duration.Round(time.Millisecond), out.Reason)
		switch out.Result {
		case conformance.Succeeded:
			ran++
		case conformance.NotSupported:
		default:
			t.Errorf("%s (%s): %s: %s", r.ID, r.Title, out.Result, out.Reason)
		}
	}
	if ran < 14 {
		t.Errorf("%d control-plane requirements passed, want the 14 this target has the features for", ran)
	}
}
