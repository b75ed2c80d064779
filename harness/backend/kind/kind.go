package kind

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/cluster/nodeutils"
	kindcmd "sigs.k8s.io/kind/pkg/cmd"

	"github.com/zonemesh/zonemesh/harness/backend"
	"github.com/zonemesh/zonemesh/harness/backend/kubeconfig"
	"github.com/zonemesh/zonemesh/harness/topology"
)

// DefaultNodeImage is the node image by tag only: an image brought in with `docker load`
// usually has no repo digest, so a digest reference would never match it locally.
const DefaultNodeImage = "kindest/node:v1.37.0"

// Options configure the backend.
type Options struct {
	Dir string
	// NodeImage is the kindest/node image every cluster uses (default DefaultNodeImage).
	NodeImage string
	// Image is the locally built zonemesh image loaded into every node.
	Image string
	// Docker is the docker CLI (default "docker"); kind itself shells out to it too.
	Docker string
	// ClusterPrefix names the clusters <prefix>-global, <prefix>-<zone> (default "zonemesh").
	ClusterPrefix string
	ReadyTimeout  time.Duration
}

// Backend creates a kind cluster per zone and deploys through a kubeconfig backend.
type Backend struct {
	opts     Options
	provider *cluster.Provider
	inner    *kubeconfig.Backend
	mu       sync.Mutex
	clusters map[string]*rest.Config // context (cluster name) -> config
	// contexts is the inner backend's zone -> cluster map, filled as zones start (the
	// backend is used from one goroutine at a time).
	contexts map[string]string
	checked  bool
}

var _ backend.Backend = (*Backend)(nil)

// New returns the backend; clusters are created by StartGlobal and StartZone.
func New(opts Options) (*Backend, error) {
	if opts.Dir == "" || opts.Image == "" {
		return nil, errors.New("kind backend: Dir and Image are required")
	}
	if opts.NodeImage == "" {
		opts.NodeImage = DefaultNodeImage
	}
	if opts.Docker == "" {
		opts.Docker = "docker"
	}
	if opts.ClusterPrefix == "" {
		opts.ClusterPrefix = "zonemesh"
	}
	if opts.ReadyTimeout == 0 {
		opts.ReadyTimeout = 5 * time.Minute
	}
	b := &Backend{opts: opts, clusters: map[string]*rest.Config{}, contexts: map[string]string{},
		provider: cluster.NewProvider(cluster.ProviderWithDocker(), cluster.ProviderWithLogger(kindcmd.NewLogger()))}
	inner, err := kubeconfig.New(kubeconfig.Options{Dir: opts.Dir, Image: opts.Image, Wait: true, ReadyTimeout: opts.ReadyTimeout,
		GlobalContext: opts.ClusterPrefix + "-global", Contexts: b.contexts,
		REST: b.rest})
	if err != nil {
		return nil, err
	}
	b.inner = inner
	return b, nil
}

func (b *Backend) Name() string { return "kind" }

func (b *Backend) rest(name string) (*rest.Config, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	cfg, ok := b.clusters[name]
	if !ok {
		return nil, fmt.Errorf("kind backend: cluster %s was not created", name)
	}
	return rest.CopyConfig(cfg), nil
}

// CheckNodeImage fails unless image is in the local Docker image store. It only inspects:
// it never pulls and never retries.
func CheckNodeImage(ctx context.Context, docker, image string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, docker, "image", "inspect", "--format", "{{.Id}}", image)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "No such image") || strings.Contains(msg, "No such object") {
			return fmt.Errorf("kind backend: node image %q is not in the local Docker image store, and this backend does not pull: "+
				"load it with `docker load -i <file>.tar` (made where it exists with `docker save %s -o <file>.tar`), "+
				"or pass a node image that `docker image ls` lists", image, image)
		}
		return fmt.Errorf("kind backend: cannot inspect node image %q with %s: %v: %s", image, docker, err, msg)
	}
	return nil
}

// ensureCluster creates cluster name (once) and loads the zonemesh image into its node.
func (b *Backend) ensureCluster(ctx context.Context, name string) error {
	b.mu.Lock()
	_, done := b.clusters[name]
	checked := b.checked
	b.mu.Unlock()
	if done {
		return nil
	}
	if !checked {
		if err := CheckNodeImage(ctx, b.opts.Docker, b.opts.NodeImage); err != nil {
			return err
		}
		if err := CheckNodeImage(ctx, b.opts.Docker, b.opts.Image); err != nil {
			return fmt.Errorf("kind backend: zonemesh image: %w", err)
		}
		b.mu.Lock()
		b.checked = true
		b.mu.Unlock()
	}
	cfg := &v1alpha4.Cluster{TypeMeta: v1alpha4.TypeMeta{Kind: "Cluster", APIVersion: "kind.x-k8s.io/v1alpha4"},
		// One control-plane node: more would add a load-balancer image that is pulled.
		Nodes:      []v1alpha4.Node{{Role: v1alpha4.ControlPlaneRole}},
		Networking: v1alpha4.Networking{APIServerAddress: "127.0.0.1"}}
	kc := filepath.Join(b.opts.Dir, "kubeconfig-"+name)
	if err := b.provider.Create(name, cluster.CreateWithV1Alpha4Config(cfg), cluster.CreateWithNodeImage(b.opts.NodeImage),
		cluster.CreateWithKubeconfigPath(kc), cluster.CreateWithWaitForReady(b.opts.ReadyTimeout),
		cluster.CreateWithDisplayUsage(false), cluster.CreateWithDisplaySalutation(false)); err != nil {
		return fmt.Errorf("kind backend: create cluster %s: %w", name, err)
	}
	if err := b.loadImage(ctx, name); err != nil {
		return err
	}
	raw, err := b.provider.KubeConfig(name, false)
	if err != nil {
		return fmt.Errorf("kind backend: kubeconfig of %s: %w", name, err)
	}
	rc, err := clientcmd.RESTConfigFromKubeConfig([]byte(raw))
	if err != nil {
		return fmt.Errorf("kind backend: kubeconfig of %s: %w", name, err)
	}
	b.mu.Lock()
	b.clusters[name] = rc
	b.mu.Unlock()
	return nil
}

// loadImage streams `docker save` of the zonemesh image into every node's containerd.
func (b *Backend) loadImage(ctx context.Context, name string) error {
	nodes, err := b.provider.ListInternalNodes(name)
	if err != nil {
		return fmt.Errorf("kind backend: nodes of %s: %w", name, err)
	}
	for _, n := range nodes {
		cmd := exec.CommandContext(ctx, b.opts.Docker, "save", b.opts.Image)
		out, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("kind backend: docker save: %w", err)
		}
		lerr := nodeutils.LoadImageArchive(n, out)
		io.Copy(io.Discard, out)
		if werr := cmd.Wait(); lerr == nil && werr != nil {
			lerr = werr
		}
		if lerr != nil {
			return fmt.Errorf("kind backend: load %s into %s: %w", b.opts.Image, n.String(), lerr)
		}
	}
	return nil
}

func (b *Backend) StartGlobal(ctx context.Context, c topology.Component) (*backend.GlobalInfo, error) {
	if err := b.ensureCluster(ctx, b.opts.ClusterPrefix+"-global"); err != nil {
		return nil, err
	}
	return b.inner.StartGlobal(ctx, c)
}

func (b *Backend) StartZone(ctx context.Context, c topology.Component, spec backend.ZoneSpec) (*backend.ZoneInfo, error) {
	name := b.opts.ClusterPrefix + "-" + c.Zone
	if err := b.ensureCluster(ctx, name); err != nil {
		return nil, err
	}
	b.contexts[c.Zone] = name
	return b.inner.StartZone(ctx, c, spec)
}

func (b *Backend) StartIngress(ctx context.Context, c topology.Component, spec backend.IngressSpec) (backend.Handle, error) {
	return b.inner.StartIngress(ctx, c, spec)
}

func (b *Backend) StartInstance(ctx context.Context, in *topology.InstanceSpec, spec backend.InstanceSpec) (*backend.InstanceInfo, error) {
	return b.inner.StartInstance(ctx, in, spec)
}

func (b *Backend) StartFakeProxies(ctx context.Context, c topology.Component, spec backend.FakeProxySpec) (*backend.FakeProxiesInfo, error) {
	return b.inner.StartFakeProxies(ctx, c, spec)
}

// Close deletes every cluster the backend created.
func (b *Backend) Close(ctx context.Context) error {
	b.mu.Lock()
	names := make([]string, 0, len(b.clusters))
	for n := range b.clusters {
		names = append(names, n)
	}
	b.clusters = map[string]*rest.Config{}
	b.mu.Unlock()
	var errs []error
	for _, n := range names {
		if err := b.provider.Delete(n, filepath.Join(b.opts.Dir, "kubeconfig-"+n)); err != nil {
			errs = append(errs, fmt.Errorf("kind backend: delete %s: %w", n, err))
		}
	}
	return errors.Join(errs...)
}
