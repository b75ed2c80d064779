// Package process is the default backend: every component is a child process of the zonemesh
// binary, each zone on its own loopback block (see topology.Addressing), logs per component.
package process

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/harness/backend"
	"github.com/zonemesh/zonemesh/harness/proc"
	"github.com/zonemesh/zonemesh/harness/topology"
)

// Fixed ports: every component has an address of its own, so ports never collide.
const (
	GlobalAPIPort  = 5681
	GlobalKDSPort  = 5685
	ZoneAPIPort    = 5681
	ZoneXDSPort    = 5678
	IngressPort    = 10001
	AppPort        = 8080
	InboundPort    = 20001
	OutboundPort   = 15001
	AdminPort      = 9901
	FakeStatusPort = 9902
)

// Options configure the backend.
type Options struct {
	// Binary is the zonemesh executable; default: the running binary.
	Binary string
	// Dir is the run's evidence folder: logs/ and data/ go under it.
	Dir string
	// KDSKeepalive and KDSKeepaliveTimeout are passed to global and zones; short values make
	// hung zones Offline quickly.
	KDSKeepalive, KDSKeepaliveTimeout time.Duration
	// ReadyTimeout bounds each component's start.
	ReadyTimeout time.Duration
	LogLevel     string
	// DNS starts every sidecar with its DNS server and VIP listeners (see dns.go).
	DNS bool
}

// Backend starts components as processes.
type Backend struct {
	opts  Options
	group *proc.Group
	logs  string
	vips  vipPorts
}

// New returns a process backend writing under opts.Dir.
func New(opts Options) (*Backend, error) {
	if opts.Dir == "" {
		return nil, errors.New("process backend: Dir is required")
	}
	if opts.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		opts.Binary = exe
	}
	if opts.KDSKeepalive == 0 {
		opts.KDSKeepalive = 2 * time.Second
	}
	if opts.KDSKeepaliveTimeout == 0 {
		opts.KDSKeepaliveTimeout = 2 * time.Second
	}
	if opts.ReadyTimeout == 0 {
		opts.ReadyTimeout = 20 * time.Second
	}
	if opts.LogLevel == "" {
		opts.LogLevel = "info"
	}
	logs := filepath.Join(opts.Dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return nil, err
	}
	return &Backend{opts: opts, group: &proc.Group{}, logs: logs}, nil
}

// Name is "process".
func (b *Backend) Name() string { return "process" }

// Close stops every process; it is idempotent.
func (b *Backend) Close(ctx context.Context) error { return b.group.Close(ctx) }

func (b *Backend) dataDir(c topology.Component) string {
	return filepath.Join(b.opts.Dir, "data", fileName(c.Name))
}

// fileName turns "zone-a/cp" into "zone-a.cp".
func fileName(n string) string { return strings.ReplaceAll(n, "/", ".") }

func hostPort(ip fmt.Stringer, port int) string {
	return net.JoinHostPort(ip.String(), fmt.Sprint(port))
}

// start runs one component and waits for its probe; ready files are removed first so a stale
// one from before a restart is never read.
func (b *Backend) start(ctx context.Context, name string, args []string, probe proc.Probe) (*proc.Process, error) {
	return b.startWithin(ctx, b.opts.ReadyTimeout, name, args, probe)
}

func (b *Backend) startWithin(ctx context.Context, timeout time.Duration, name string, args []string, probe proc.Probe) (*proc.Process, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	p, err := b.group.Start(ctx, proc.Spec{Name: fileName(name), Path: b.opts.Binary, Args: args, LogDir: b.logs, Ready: probe})
	if err != nil {
		return nil, fmt.Errorf("%s: %w (log: %s)", name, err, filepath.Join(b.logs, fileName(name)+".log"))
	}
	return p, nil
}

// StartGlobal starts the global control plane.
func (b *Backend) StartGlobal(ctx context.Context, c topology.Component) (*backend.GlobalInfo, error) {
	dir := b.dataDir(c)
	api, kds := hostPort(c.IP, GlobalAPIPort), hostPort(c.IP, GlobalKDSPort)
	args := []string{"global", "--data-dir", dir, "--api-addr", api, "--kds-addr", kds,
		"--keepalive", b.opts.KDSKeepalive.String(), "--keepalive-timeout", b.opts.KDSKeepaliveTimeout.String(),
		"--log-level", b.opts.LogLevel}
	p, err := b.start(ctx, c.Name, args, proc.Probe{HTTP: "http://" + api + "/healthz"})
	if err != nil {
		return nil, err
	}
	tok, err := auth.ReadTokenFile(filepath.Join(dir, "admin-token"))
	if err != nil {
		return nil, fmt.Errorf("global: %w", err)
	}
	return &backend.GlobalInfo{Handle: handle{p}, APIURL: "http://" + api, KDSAddr: kds, AdminToken: tok,
		CAFile: filepath.Join(dir, "ca", "ca.pem"), ZoneTokenKeyFile: filepath.Join(dir, "zone-token-signing.pem"), DataDir: dir}, nil
}

// StartZone starts a zone control plane.
func (b *Backend) StartZone(ctx context.Context, c topology.Component, spec backend.ZoneSpec) (*backend.ZoneInfo, error) {
	dir := b.dataDir(c)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	tokFile := filepath.Join(dir, "zone-token")
	if err := os.WriteFile(tokFile, []byte(spec.ZoneToken), 0o600); err != nil {
		return nil, err
	}
	api, xds := hostPort(c.IP, ZoneAPIPort), hostPort(c.IP, ZoneXDSPort)
	args := []string{"zone", "--name", c.Zone, "--global", spec.GlobalAddr, "--ca-file", spec.GlobalCAFile,
		"--token-file", tokFile, "--data-dir", dir, "--api-addr", api, "--xds-addr", xds,
		"--keepalive", b.opts.KDSKeepalive.String(), "--keepalive-timeout", b.opts.KDSKeepaliveTimeout.String(),
		"--log-level", b.opts.LogLevel}
	if spec.GlobalServerName != "" {
		args = append(args, "--global-server-name", spec.GlobalServerName)
	}
	for z, a := range spec.IngressAddresses {
		args = append(args, "--ingress-address", z+"="+a)
	}
	p, err := b.start(ctx, c.Name, args, proc.Probe{HTTP: "http://" + api + "/healthz"})
	if err != nil {
		return nil, err
	}
	return &backend.ZoneInfo{Handle: handle{p}, APIURL: "http://" + api, XDSAddr: xds,
		CAFile: filepath.Join(dir, "ca", "ca.pem"), DataplaneTokenKeyFile: filepath.Join(dir, "dataplane-token-signing.pem")}, nil
}

// StartIngress starts a zone ingress proxy.
func (b *Backend) StartIngress(ctx context.Context, c topology.Component, spec backend.IngressSpec) (backend.Handle, error) {
	dir := b.dataDir(c)
	tokFile, err := writeToken(dir, spec.Token)
	if err != nil {
		return nil, err
	}
	admin := hostPort(c.IP, AdminPort)
	args := []string{"dp", "--mode", "ingress", "--cp", spec.Zone.XDSAddr, "--ca-file", spec.Zone.CAFile, "--token-file", tokFile,
		"--name", IngressName(c), "--zone", c.Zone, "--address", c.IP.String(), "--port", fmt.Sprint(spec.Port),
		"--advertised-address", spec.Advertise.Addr().String(), "--advertised-port", fmt.Sprint(spec.Advertise.Port()), "--admin", admin}
	p, err := b.start(ctx, c.Name, args, proc.Probe{HTTP: "http://" + admin + "/ready"})
	if err != nil {
		return nil, err
	}
	return handle{p}, nil
}

// StartInstance starts one service replica: the echo app, then its sidecar.
func (b *Backend) StartInstance(ctx context.Context, in *topology.InstanceSpec, spec backend.InstanceSpec) (*backend.InstanceInfo, error) {
	dir := b.dataDir(in.Component)
	tokFile, err := writeToken(dir, spec.Token)
	if err != nil {
		return nil, err
	}
	app := hostPort(in.IP, AppPort)
	appArgs := []string{"echo", "--listen", app, "--service", in.Service, "--version", in.Version, "--zone", in.Zone,
		"--instance", DataplaneName(in)}
	ap, err := b.start(ctx, in.Name+"/app", appArgs, proc.Probe{HTTP: "http://" + app + "/ready"})
	if err != nil {
		return nil, err
	}
	admin := hostPort(in.IP, AdminPort)
	resFile, err := writeDataplane(dir, in, spec.Mesh)
	if err != nil {
		return nil, err
	}
	dpArgs := []string{"dp", "--mode", "sidecar", "--cp", spec.Zone.XDSAddr, "--ca-file", spec.Zone.CAFile, "--token-file", tokFile,
		"--resource", resFile, "--zone", in.Zone, "--admin", admin}
	dpArgs = append(dpArgs, b.dnsArgs(in)...)
	dp, err := b.start(ctx, in.Name+"/dp", dpArgs, proc.Probe{HTTP: "http://" + admin + "/ready"})
	if err != nil {
		return nil, err
	}
	return &backend.InstanceInfo{Handle: pair{app: handle{ap}, dp: handle{dp}}, App: handle{ap},
		OutboundURL: "http://" + hostPort(in.IP, OutboundPort), AdminURL: "http://" + admin, AppURL: "http://" + app, Name: DataplaneName(in)}, nil
}

// StartFakeProxies starts a batch of fake proxies in one process.
func (b *Backend) StartFakeProxies(ctx context.Context, c topology.Component, spec backend.FakeProxySpec) (*backend.FakeProxiesInfo, error) {
	status := hostPort(c.IP, FakeStatusPort)
	ready := filepath.Join(b.dataDir(c), "ready.json")
	if err := os.MkdirAll(filepath.Dir(ready), 0o755); err != nil {
		return nil, err
	}
	_ = os.Remove(ready)
	args := []string{"fakeproxies", "--cp", spec.Zone.XDSAddr, "--ca-file", spec.Zone.CAFile, "--zone", c.Zone, "--mesh", spec.Mesh,
		"--count", fmt.Sprint(spec.Count), "--token-key", spec.Zone.DataplaneTokenKeyFile, "--status", status,
		"--prefix", fileName(c.Name), "--ready-file", ready}
	// Ready means every fake proxy has its first config: allow for the zone generating them all.
	p, err := b.startWithin(ctx, b.opts.ReadyTimeout+time.Duration(spec.Count)*100*time.Millisecond, c.Name, args, proc.Probe{File: ready})
	if err != nil {
		return nil, err
	}
	return &backend.FakeProxiesInfo{Handle: handle{p}, StatusURL: "http://" + status}, nil
}

// IngressName is the name a zone ingress registers under: "zone-a.ingress-0".
func IngressName(c topology.Component) string { return fileName(c.Name) }

// DataplaneName is the name an instance's sidecar registers under: "backend-v1-0".
func DataplaneName(in *topology.InstanceSpec) string {
	n := in.Service
	if in.Version != "" {
		n += "-" + in.Version
	}
	return fmt.Sprintf("%s-%d", n, in.Replica)
}

// writeDataplane writes the sidecar's Dataplane: its inbound on the instance's own address,
// forwarding to the app there, and the outbound HTTP listener on the same address.
func writeDataplane(dir string, in *topology.InstanceSpec, mesh string) (string, error) {
	tags := map[string]string{resource.TagService: in.Service, resource.TagProtocol: in.Protocol}
	if in.Version != "" {
		tags[resource.TagVersion] = in.Version
	}
	r := &resource.Resource{Kind: resource.KindDataplane, Meta: resource.Meta{Mesh: mesh, Name: DataplaneName(in)},
		Spec: &resource.DataplaneSpec{Networking: resource.DataplaneNetworking{
			Address:         in.IP.String(),
			Inbound:         []resource.Inbound{{Port: InboundPort, ServicePort: AppPort, ServiceAddress: in.IP.String(), Tags: tags}},
			OutboundAddress: in.IP.String(), OutboundPort: OutboundPort,
		}}}
	if err := resource.Validate(r); err != nil {
		return "", err
	}
	b, err := resource.MarshalYAML(r)
	if err != nil {
		return "", err
	}
	f := filepath.Join(dir, "dataplane.yaml")
	return f, os.WriteFile(f, b, 0o644)
}

func writeToken(dir, token string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	f := filepath.Join(dir, "token")
	return f, os.WriteFile(f, []byte(token), 0o600)
}
