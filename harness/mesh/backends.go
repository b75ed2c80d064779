package mesh

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/zonemesh/zonemesh/harness/backend"
	"github.com/zonemesh/zonemesh/harness/backend/docker"
	"github.com/zonemesh/zonemesh/harness/backend/process"
	"github.com/zonemesh/zonemesh/harness/topology"
	"github.com/zonemesh/zonemesh/scenarios"
)

// imageTimeout bounds the docker backend's preparation (an image build at worst).
const imageTimeout = 5 * time.Minute

// backends routes every component to the backend its zone (or global) names, so process and
// docker zones run side by side in one topology.
type backends struct {
	byName map[string]backend.Backend
	order  []backend.Backend // creation order; closed in reverse
}

// newBackends creates the backends the plan uses. A docker backend gets the docker zones'
// networks, and the plan's ingress addresses of those zones become their WAN addresses (what
// other zones dial and the ingress advertises).
func newBackends(p *topology.Plan, a topology.Addressing, opts Options, progress func(string, ...any)) (*backends, error) {
	used := map[string][]*topology.Zone{p.Global.Backend: nil}
	for _, z := range p.Zones {
		used[z.Backend] = append(used[z.Backend], z)
	}
	bs := &backends{byName: map[string]backend.Backend{}}
	for _, name := range []string{scenarios.BackendProcess, scenarios.BackendDocker} {
		zones, ok := used[name]
		if !ok {
			continue
		}
		delete(used, name)
		be, err := bs.create(name, zones, a, opts, progress)
		if err != nil {
			return nil, errors.Join(err, bs.Close(context.Background()))
		}
		bs.byName[name] = be
		bs.order = append(bs.order, be)
	}
	for name := range used {
		return nil, errors.Join(fmt.Errorf("mesh: backend %q is not available in this build (process, docker)", name), bs.Close(context.Background()))
	}
	return bs, nil
}

func (bs *backends) create(name string, zones []*topology.Zone, a topology.Addressing, opts Options, progress func(string, ...any)) (backend.Backend, error) {
	if name == scenarios.BackendProcess {
		return process.New(process.Options{Binary: opts.Binary, Dir: opts.Out, LogLevel: opts.LogLevel,
			KDSKeepalive: opts.KDSKeepalive, KDSKeepaliveTimeout: opts.KDSKeepaliveTimeout, DNS: opts.DNS})
	}
	ctx, cancel := context.WithTimeout(context.Background(), imageTimeout)
	defer cancel()
	t0 := time.Now()
	d, err := docker.New(ctx, docker.Options{Binary: opts.Binary, Dir: opts.Out, Addressing: docker.Addressing{Block: a.Block},
		Zones: zones, LogLevel: opts.LogLevel, KDSKeepalive: opts.KDSKeepalive, KDSKeepaliveTimeout: opts.KDSKeepaliveTimeout, DNS: opts.DNS})
	if err != nil {
		return nil, err
	}
	for _, z := range zones {
		for j := range z.Ingress {
			ip, err := d.IngressAddress(z.Name, j)
			if err != nil {
				return nil, errors.Join(err, d.Close(context.Background()))
			}
			z.Ingress[j].IP = ip
		}
	}
	img, built := d.Image()
	progress("docker: run %s, image %s (built: %v), networks ready in %v", d.RunID(), img, built, time.Since(t0).Round(time.Millisecond))
	return d, nil
}

// linkIP is where the fault links dialled by zone's components listen: loopback for process
// zones, the host's address on the zone's network for docker zones.
func (e *Env) linkIP(zone string) netip.Addr {
	if d, ok := e.be.(*backends).byName[scenarios.BackendDocker].(*docker.Backend); ok {
		if z := e.Plan.Zone(zone); z != nil && z.Backend == scenarios.BackendDocker {
			return d.LinkHost(zone)
		}
	}
	return netip.AddrFrom4([4]byte{127, e.addr.Block, 0, 2})
}

func (bs *backends) pick(name string) (backend.Backend, error) {
	if be, ok := bs.byName[name]; ok {
		return be, nil
	}
	return nil, fmt.Errorf("mesh: no %q backend in this run", name)
}

// Name lists the backends in use, e.g. "process+docker".
func (bs *backends) Name() string {
	n := ""
	for i, be := range bs.order {
		if i > 0 {
			n += "+"
		}
		n += be.Name()
	}
	return n
}

func (bs *backends) StartGlobal(ctx context.Context, c topology.Component) (*backend.GlobalInfo, error) {
	be, err := bs.pick(c.Backend)
	if err != nil {
		return nil, err
	}
	return be.StartGlobal(ctx, c)
}

func (bs *backends) StartZone(ctx context.Context, c topology.Component, s backend.ZoneSpec) (*backend.ZoneInfo, error) {
	be, err := bs.pick(c.Backend)
	if err != nil {
		return nil, err
	}
	return be.StartZone(ctx, c, s)
}

func (bs *backends) StartIngress(ctx context.Context, c topology.Component, s backend.IngressSpec) (backend.Handle, error) {
	be, err := bs.pick(c.Backend)
	if err != nil {
		return nil, err
	}
	return be.StartIngress(ctx, c, s)
}

func (bs *backends) StartInstance(ctx context.Context, in *topology.InstanceSpec, s backend.InstanceSpec) (*backend.InstanceInfo, error) {
	be, err := bs.pick(in.Backend)
	if err != nil {
		return nil, err
	}
	return be.StartInstance(ctx, in, s)
}

func (bs *backends) StartFakeProxies(ctx context.Context, c topology.Component, s backend.FakeProxySpec) (*backend.FakeProxiesInfo, error) {
	be, err := bs.pick(c.Backend)
	if err != nil {
		return nil, err
	}
	return be.StartFakeProxies(ctx, c, s)
}

// Close closes every backend, the last created first.
func (bs *backends) Close(ctx context.Context) error {
	var errs []error
	for i := len(bs.order) - 1; i >= 0; i-- {
		errs = append(errs, bs.order[i].Close(ctx))
	}
	return errors.Join(errs...)
}
