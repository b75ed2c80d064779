package docker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/moby/client"

	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/harness/backend"
	"github.com/zonemesh/zonemesh/harness/backend/process"
	"github.com/zonemesh/zonemesh/harness/topology"
)

// Ports are the process backend's: each container has addresses of its own.
const (
	GlobalAPIPort  = process.GlobalAPIPort
	GlobalKDSPort  = process.GlobalKDSPort
	ZoneAPIPort    = process.ZoneAPIPort
	ZoneXDSPort    = process.ZoneXDSPort
	AppPort        = process.AppPort
	InboundPort    = process.InboundPort
	OutboundPort   = process.OutboundPort
	AdminPort      = process.AdminPort
	FakeStatusPort = process.FakeStatusPort
)

func hostPort(ip netip.Addr, port int) string { return net.JoinHostPort(ip.String(), fmt.Sprint(port)) }

func (b *Backend) dataDir(c topology.Component) string {
	return filepath.Join(b.opts.Dir, "data", strings.ReplaceAll(c.Name, "/", "."))
}

func (b *Backend) zoneNet(zone string) (string, error) {
	idx, ok := b.zoneIdx[zone]
	if !ok {
		return "", fmt.Errorf("docker: zone %q has no network in this run", zone)
	}
	return b.nets[idx], nil
}

func (b *Backend) keepalive() []string {
	return []string{"--keepalive", b.opts.KDSKeepalive.String(), "--keepalive-timeout", b.opts.KDSKeepaliveTimeout.String(),
		"--log-level", b.opts.LogLevel}
}

// StartGlobal starts the global control plane on the WAN.
func (b *Backend) StartGlobal(ctx context.Context, c topology.Component) (*backend.GlobalInfo, error) {
	ip, err := b.opts.Addressing.Map(c.IP)
	if err != nil {
		return nil, err
	}
	dir := b.dataDir(c)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	api, kds := hostPort(ip, GlobalAPIPort), hostPort(ip, GlobalKDSPort)
	args := append([]string{"global", "--data-dir", dir, "--api-addr", api, "--kds-addr", kds}, b.keepalive()...)
	h, err := b.run(ctx, spec{component: c.Name, args: args, nets: []string{b.nets[0]}, ip: ip, ready: probe{http: "http://" + api + "/healthz"}})
	if err != nil {
		return nil, err
	}
	tok, err := auth.ReadTokenFile(filepath.Join(dir, "admin-token"))
	if err != nil {
		return nil, fmt.Errorf("global: %w", err)
	}
	return &backend.GlobalInfo{Handle: h, APIURL: "http://" + api, KDSAddr: kds, AdminToken: tok,
		CAFile: filepath.Join(dir, "ca", "ca.pem"), ZoneTokenKeyFile: filepath.Join(dir, "zone-token-signing.pem"), DataDir: dir}, nil
}

// StartZone starts a zone control plane on its zone's network only: it reaches global (and
// learns the other zones' ingresses) through fault links on the host, which it reaches through
// its network's gateway, so a WAN endpoint would only cost an attachment.
func (b *Backend) StartZone(ctx context.Context, c topology.Component, zs backend.ZoneSpec) (*backend.ZoneInfo, error) {
	znet, err := b.zoneNet(c.Zone)
	if err != nil {
		return nil, err
	}
	ip, err := b.opts.Addressing.Map(c.IP)
	if err != nil {
		return nil, err
	}
	dir := b.dataDir(c)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	tokFile := filepath.Join(dir, "zone-token")
	if err := os.WriteFile(tokFile, []byte(zs.ZoneToken), 0o600); err != nil {
		return nil, err
	}
	api, xds := hostPort(ip, ZoneAPIPort), hostPort(ip, ZoneXDSPort)
	args := append([]string{"zone", "--name", c.Zone, "--global", zs.GlobalAddr, "--ca-file", zs.GlobalCAFile,
		"--token-file", tokFile, "--data-dir", dir, "--api-addr", api, "--xds-addr", xds}, b.keepalive()...)
	if zs.GlobalServerName != "" {
		args = append(args, "--global-server-name", zs.GlobalServerName)
	}
	for z, a := range zs.IngressAddresses {
		args = append(args, "--ingress-address", z+"="+a)
	}
	h, err := b.run(ctx, spec{component: c.Name, args: args, nets: []string{znet}, ip: ip, ready: probe{http: "http://" + api + "/healthz"}})
	if err != nil {
		return nil, err
	}
	return &backend.ZoneInfo{Handle: h, APIURL: "http://" + api, XDSAddr: xds,
		CAFile: filepath.Join(dir, "ca", "ca.pem"), DataplaneTokenKeyFile: filepath.Join(dir, "dataplane-token-signing.pem")}, nil
}

// StartIngress starts a zone ingress on the WAN (where it listens and which address it
// advertises) and its zone's network (where the services it forwards to are).
func (b *Backend) StartIngress(ctx context.Context, c topology.Component, is backend.IngressSpec) (backend.Handle, error) {
	znet, err := b.zoneNet(c.Zone)
	if err != nil {
		return nil, err
	}
	wan := is.Advertise.Addr()
	if !b.opts.Addressing.Subnet(0).Contains(wan) {
		return nil, fmt.Errorf("docker: %s: advertised address %s is not on the WAN %s", c.Name, wan, b.opts.Addressing.Subnet(0))
	}
	tokFile, err := writeToken(b.dataDir(c), is.Token)
	if err != nil {
		return nil, err
	}
	admin := hostPort(wan, AdminPort)
	args := []string{"dp", "--mode", "ingress", "--cp", is.Zone.XDSAddr, "--ca-file", is.Zone.CAFile, "--token-file", tokFile,
		"--name", process.IngressName(c), "--zone", c.Zone, "--address", wan.String(), "--port", fmt.Sprint(is.Port),
		"--advertised-address", wan.String(), "--advertised-port", fmt.Sprint(is.Advertise.Port()), "--admin", admin}
	return b.run(ctx, spec{component: c.Name, args: args, nets: []string{b.nets[0], znet}, ip: wan, ready: probe{http: "http://" + admin + "/ready"}})
}

// StartInstance starts a pod: the sidecar owns the network namespace on the zone's network;
// the echo app joins it, so the sidecar reaches the app on the pod's address like on a pod.
func (b *Backend) StartInstance(ctx context.Context, in *topology.InstanceSpec, is backend.InstanceSpec) (*backend.InstanceInfo, error) {
	znet, err := b.zoneNet(in.Zone)
	if err != nil {
		return nil, err
	}
	ip, err := b.opts.Addressing.Map(in.IP)
	if err != nil {
		return nil, err
	}
	dir := b.dataDir(in.Component)
	tokFile, err := writeToken(dir, is.Token)
	if err != nil {
		return nil, err
	}
	resFile, err := writeDataplane(dir, in, ip, is.Mesh)
	if err != nil {
		return nil, err
	}
	admin, app := hostPort(ip, AdminPort), hostPort(ip, AppPort)
	dns, err := b.dnsFor(dir)
	if err != nil {
		return nil, err
	}
	dpArgs := []string{"dp", "--mode", "sidecar", "--cp", is.Zone.XDSAddr, "--ca-file", is.Zone.CAFile, "--token-file", tokFile,
		"--resource", resFile, "--zone", in.Zone, "--admin", admin}
	dpArgs = append(dpArgs, dns.dpArgs...)
	dp, err := b.create(ctx, spec{component: in.Name + "/dp", args: dpArgs, nets: []string{znet}, ip: ip,
		ready: probe{http: "http://" + admin + "/ready"}, host: dns.sidecar})
	if err != nil {
		return nil, err
	}
	// The app can be created while the sidecar starts (joining a namespace needs the owner
	// only to exist); it can start only once the owner runs. Neither waits for the other to be
	// ready: the sidecar retries the app and the app needs nothing from the sidecar.
	started := make(chan error, 1)
	go func() { started <- dp.start(ctx) }()
	appArgs := []string{"echo", "--listen", app, "--service", in.Service, "--version", in.Version, "--zone", in.Zone,
		"--instance", process.DataplaneName(in)}
	ap, err := b.create(ctx, spec{component: in.Name + "/app", args: appArgs, joinNS: dp, ready: probe{http: "http://" + app + "/ready"}, host: dns.app})
	if err := errors.Join(<-started, err); err != nil {
		return nil, err
	}
	if err := ap.start(ctx); err != nil {
		return nil, err
	}
	if err := errors.Join(ap.waitReady(ctx), dp.waitReady(ctx)); err != nil {
		return nil, err
	}
	return &backend.InstanceInfo{Handle: pod{dp: dp, app: ap}, App: ap, OutboundURL: "http://" + hostPort(ip, OutboundPort),
		AdminURL: "http://" + admin, AppURL: "http://" + app, Name: process.DataplaneName(in)}, nil
}

// StartFakeProxies starts a batch of fake proxies on the zone's network, at an address Docker picks.
func (b *Backend) StartFakeProxies(ctx context.Context, c topology.Component, fs backend.FakeProxySpec) (*backend.FakeProxiesInfo, error) {
	znet, err := b.zoneNet(c.Zone)
	if err != nil {
		return nil, err
	}
	dir := b.dataDir(c)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ready := filepath.Join(dir, "ready.json")
	_ = os.Remove(ready)
	args := []string{"fakeproxies", "--cp", fs.Zone.XDSAddr, "--ca-file", fs.Zone.CAFile, "--zone", c.Zone, "--mesh", fs.Mesh,
		"--count", fmt.Sprint(fs.Count), "--token-key", fs.Zone.DataplaneTokenKeyFile, "--status", hostPort(netip.IPv4Unspecified(), FakeStatusPort),
		"--prefix", strings.ReplaceAll(c.Name, "/", "."), "--ready-file", ready}
	h, err := b.run(ctx, spec{component: c.Name, args: args, nets: []string{znet}, ready: probe{file: ready}})
	if err != nil {
		return nil, err
	}
	ip, err := b.containerIP(ctx, h, znet)
	if err != nil {
		return nil, err
	}
	return &backend.FakeProxiesInfo{Handle: h, StatusURL: "http://" + hostPort(ip, FakeStatusPort)}, nil
}

func (b *Backend) containerIP(ctx context.Context, c *ctr, netName string) (netip.Addr, error) {
	res, err := b.cli.ContainerInspect(ctx, c.id, client.ContainerInspectOptions{})
	if err != nil {
		return netip.Addr{}, wrap("inspect", c.name, err)
	}
	if ns := res.Container.NetworkSettings; ns != nil {
		if es := ns.Networks[netName]; es != nil && es.IPAddress.IsValid() {
			return es.IPAddress, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("docker: %s has no address on %s", c.name, netName)
}

// writeDataplane writes the sidecar's Dataplane: inbound and outbound on the pod's address,
// the app behind the inbound on the same address (they share the network namespace).
func writeDataplane(dir string, in *topology.InstanceSpec, ip netip.Addr, mesh string) (string, error) {
	tags := map[string]string{resource.TagService: in.Service, resource.TagProtocol: in.Protocol}
	if in.Version != "" {
		tags[resource.TagVersion] = in.Version
	}
	r := &resource.Resource{Kind: resource.KindDataplane, Meta: resource.Meta{Mesh: mesh, Name: process.DataplaneName(in)},
		Spec: &resource.DataplaneSpec{Networking: resource.DataplaneNetworking{
			Address:         ip.String(),
			Inbound:         []resource.Inbound{{Port: InboundPort, ServicePort: AppPort, ServiceAddress: ip.String(), Tags: tags}},
			OutboundAddress: ip.String(), OutboundPort: OutboundPort,
		}}}
	if err := resource.Validate(r); err != nil {
		return "", err
	}
	out, err := resource.MarshalYAML(r)
	if err != nil {
		return "", err
	}
	f := filepath.Join(dir, "dataplane.yaml")
	return f, os.WriteFile(f, out, 0o644)
}

func writeToken(dir, token string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	f := filepath.Join(dir, "token")
	return f, os.WriteFile(f, []byte(token), 0o600)
}
