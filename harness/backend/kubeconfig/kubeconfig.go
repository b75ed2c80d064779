package kubeconfig

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/ca"
	"github.com/zonemesh/zonemesh/controlplane/global"
	"github.com/zonemesh/zonemesh/controlplane/kube"
	"github.com/zonemesh/zonemesh/harness/backend"
	"github.com/zonemesh/zonemesh/harness/topology"
)

// Options configure the backend.
type Options struct {
	// Dir is the run's evidence folder; global's seed (admin token, CA, zone-token key) is
	// written under Dir/data/global.
	Dir string
	// Kubeconfig is the file holding the contexts (default: $KUBECONFIG, ~/.kube/config).
	Kubeconfig string
	// GlobalContext is where global runs; Contexts maps each zone to its context.
	GlobalContext string
	Contexts      map[string]string
	// REST, when set, resolves a context instead of the kubeconfig (the kind backend).
	REST      func(context string) (*rest.Config, error)
	Image     string
	Namespace string
	// Wait makes each Start wait until its Deployment is available (ReadyTimeout bounds it).
	// Clusters without a kubelet (the test API server) never get there.
	Wait         bool
	ReadyTimeout time.Duration
}

// Backend deploys into existing clusters.
type Backend struct {
	opts Options
	mu   sync.Mutex
	// applied records what was created, for Close: cluster context -> namespaces.
	applied map[string][]string
}

var _ backend.Backend = (*Backend)(nil)

// New checks the options; it does not contact the clusters.
func New(opts Options) (*Backend, error) {
	if opts.Dir == "" {
		return nil, errors.New("kubeconfig backend: Dir is required")
	}
	if opts.Image == "" {
		opts.Image = kube.DefaultImage
	}
	if opts.Namespace == "" {
		opts.Namespace = kube.DefaultNamespace
	}
	if opts.ReadyTimeout == 0 {
		opts.ReadyTimeout = 3 * time.Minute
	}
	if opts.REST == nil {
		path := opts.Kubeconfig
		opts.REST = func(ctx string) (*rest.Config, error) {
			return kube.ModeConfig{Kubeconfig: path, Context: ctx}.RESTConfig()
		}
	}
	return &Backend{opts: opts, applied: map[string][]string{}}, nil
}

func (b *Backend) Name() string { return "kubeconfig" }

func (b *Backend) contextOf(zone string) (string, error) {
	if zone == "" {
		return b.opts.GlobalContext, nil
	}
	c, ok := b.opts.Contexts[zone]
	if !ok {
		return "", fmt.Errorf("kubeconfig backend: no context for zone %q (Options.Contexts)", zone)
	}
	return c, nil
}

func (b *Backend) clients(kctx string) (*rest.Config, kubernetes.Interface, error) {
	cfg, err := b.opts.REST(kctx)
	if err != nil {
		return nil, nil, fmt.Errorf("kubeconfig backend: context %q: %w", kctx, err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("kubeconfig backend: context %q: %w", kctx, err)
	}
	return cfg, cs, nil
}

func (b *Backend) record(kctx, ns string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, n := range b.applied[kctx] {
		if n == ns {
			return
		}
	}
	b.applied[kctx] = append(b.applied[kctx], ns)
}

// StartGlobal seeds global's secrets, installs it and returns its in-cluster addresses.
func (b *Backend) StartGlobal(ctx context.Context, c topology.Component) (*backend.GlobalInfo, error) {
	kctx, err := b.contextOf("")
	if err != nil {
		return nil, err
	}
	cfg, cs, err := b.clients(kctx)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(b.opts.Dir, "data", "global")
	seed, err := globalSeed(dir)
	if err != nil {
		return nil, err
	}
	ns := b.opts.Namespace
	if err := ensureNamespace(ctx, cs, ns, nil); err != nil {
		return nil, err
	}
	if err := putSecret(ctx, cs, ns, "zonemesh-global-seed", seed); err != nil {
		return nil, err
	}
	h, host, err := b.install(ctx, cfg, cs, kctx, c.Name, kube.InstallOptions{Mode: "global", Namespace: ns, Image: b.opts.Image, SeedSecret: "zonemesh-global-seed"})
	if err != nil {
		return nil, err
	}
	return &backend.GlobalInfo{Handle: h, APIURL: "http://" + host + ":" + strconv.Itoa(kube.PortAPI),
		KDSAddr: host + ":" + strconv.Itoa(kube.PortKDS), AdminToken: string(seed["admin-token"]),
		CAFile: filepath.Join(dir, global.CADir, ca.CertFile), ZoneTokenKeyFile: filepath.Join(dir, global.ZoneTokenKeyFile), DataDir: dir}, nil
}

// globalSeed creates (once) global's admin token, CA and zone-token key under dir.
func globalSeed(dir string) (map[string][]byte, error) {
	if _, err := auth.LoadOrCreateAdminToken(filepath.Join(dir, global.AdminTokenFile)); err != nil {
		return nil, err
	}
	if _, err := ca.LoadOrCreateCA(filepath.Join(dir, global.CADir), "zonemesh global", nil); err != nil {
		return nil, err
	}
	if _, err := auth.LoadOrCreateKey(filepath.Join(dir, global.ZoneTokenKeyFile)); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for key, rel := range map[string]string{"admin-token": global.AdminTokenFile, "ca.pem": filepath.Join(global.CADir, ca.CertFile),
		"ca-key.pem": filepath.Join(global.CADir, ca.KeyFile), "zone-token-signing.pem": global.ZoneTokenKeyFile} {
		data, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			return nil, fmt.Errorf("kubeconfig backend: global seed: %w", err)
		}
		out[key] = data
	}
	return out, nil
}

// install applies the install manifests o describes to the cluster of context kctx and waits
// for the control plane Deployment; it returns its handle and the Service's host name.
func (b *Backend) install(ctx context.Context, cfg *rest.Config, cs kubernetes.Interface, kctx, name string, o kube.InstallOptions) (*deployment, string, error) {
	m, err := kube.Manifests(o)
	if err != nil {
		return nil, "", err
	}
	if err := kube.Apply(ctx, cfg, m); err != nil {
		return nil, "", err
	}
	b.record(kctx, o.Namespace)
	h := &deployment{name: name, cs: cs, ns: o.Namespace, deploy: kube.ControlPlaneName}
	if err := b.wait(ctx, h); err != nil {
		return nil, "", err
	}
	return h, kube.ControlPlaneName + "." + o.Namespace + ".svc", nil
}

// StartZone installs a Kubernetes-mode zone control plane (and its ingress Deployment)
// joined to global with spec's token.
func (b *Backend) StartZone(ctx context.Context, c topology.Component, spec backend.ZoneSpec) (*backend.ZoneInfo, error) {
	kctx, err := b.contextOf(c.Zone)
	if err != nil {
		return nil, err
	}
	cfg, cs, err := b.clients(kctx)
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(spec.GlobalCAFile)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig backend: global CA: %w", err)
	}
	ns := b.opts.Namespace
	if err := ensureNamespace(ctx, cs, ns, nil); err != nil {
		return nil, err
	}
	if err := putSecret(ctx, cs, ns, "zonemesh-global", map[string][]byte{"ca.pem": caPEM, "zone-token": []byte(spec.ZoneToken)}); err != nil {
		return nil, err
	}
	h, host, err := b.install(ctx, cfg, cs, kctx, c.Name, kube.InstallOptions{Mode: "zone", Zone: c.Zone, GlobalAddress: spec.GlobalAddr, Namespace: ns, Image: b.opts.Image})
	if err != nil {
		return nil, err
	}
	return &backend.ZoneInfo{Handle: h, APIURL: "http://" + host + ":" + strconv.Itoa(kube.PortAPI),
		XDSAddr: host + ":" + strconv.Itoa(kube.PortXDS)}, nil
}

// StartIngress returns the zone's ingress Deployment, which the zone's manifests created.
func (b *Backend) StartIngress(ctx context.Context, c topology.Component, spec backend.IngressSpec) (backend.Handle, error) {
	kctx, err := b.contextOf(c.Zone)
	if err != nil {
		return nil, err
	}
	_, cs, err := b.clients(kctx)
	if err != nil {
		return nil, err
	}
	h := &deployment{name: c.Name, cs: cs, ns: b.opts.Namespace, deploy: kube.IngressName}
	if _, err := cs.AppsV1().Deployments(h.ns).Get(ctx, h.deploy, metav1.GetOptions{}); err != nil {
		return nil, fmt.Errorf("kubeconfig backend: ingress of zone %s: %w", c.Zone, err)
	}
	return h, b.wait(ctx, h)
}

// StartInstance runs one replica as a Deployment in the zone's workload namespace, which
// is labelled for injection, so the webhook adds its sidecar.
func (b *Backend) StartInstance(ctx context.Context, in *topology.InstanceSpec, spec backend.InstanceSpec) (*backend.InstanceInfo, error) {
	kctx, err := b.contextOf(in.Zone)
	if err != nil {
		return nil, err
	}
	_, cs, err := b.clients(kctx)
	if err != nil {
		return nil, err
	}
	ns := "zonemesh-workloads"
	if err := ensureNamespace(ctx, cs, ns, map[string]string{kube.LabelInjection: "enabled"}); err != nil {
		return nil, err
	}
	b.record(kctx, ns)
	name := fmt.Sprintf("%s-%s-%d", in.Service, in.Version, in.Replica)
	if in.Version == "" {
		name = fmt.Sprintf("%s-%d", in.Service, in.Replica)
	}
	labels := map[string]string{"app": name, kube.LabelService: in.Service}
	if in.Version != "" {
		labels[kube.LabelVersion] = in.Version
	}
	one := int32(1)
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{kube.AnnotationPort: "8080", kube.AnnotationMesh: spec.Mesh}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: b.opts.Image, ImagePullPolicy: corev1.PullIfNotPresent,
					Args: []string{"echo", "--listen=127.0.0.1:8080", "--service=" + in.Service, "--version=" + in.Version, "--zone=" + in.Zone}}}}}}}
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("kubeconfig backend: instance %s: %w", name, err)
	}
	h := &deployment{name: in.Name, cs: cs, ns: ns, deploy: name}
	if err := b.wait(ctx, h); err != nil {
		return nil, err
	}
	return &backend.InstanceInfo{Handle: h, App: h, Name: name + ".<pod>." + ns}, nil
}

// StartFakeProxies is not offered: fake proxies are many ADS clients in one process, which
// the process backend runs next to any zone.
func (b *Backend) StartFakeProxies(context.Context, topology.Component, backend.FakeProxySpec) (*backend.FakeProxiesInfo, error) {
	return nil, errors.New("kubeconfig backend: fake proxies run on the process backend")
}

func (b *Backend) wait(ctx context.Context, h *deployment) error {
	if !b.opts.Wait {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, b.opts.ReadyTimeout)
	defer cancel()
	return h.waitAvailable(ctx)
}

// Close deletes the namespaces the backend used, in every cluster.
func (b *Backend) Close(ctx context.Context) error {
	b.mu.Lock()
	applied := b.applied
	b.applied = map[string][]string{}
	b.mu.Unlock()
	var errs []error
	for kctx, nss := range applied {
		_, cs, err := b.clients(kctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, ns := range nss {
			if err := cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
